import { describe, expect, it } from 'vitest';
import { driverForUrl, loadDriver, MissingDriverError, RowguardError } from '../src/index.js';

/** What Node throws for `import('<name>')` when the package is not installed. */
function notFound(name: string): Error {
  return Object.assign(new Error(`Cannot find package '${name}' imported from /app/node_modules/@rowguard/core/dist/connect/database-connect.js`), {
    code: 'ERR_MODULE_NOT_FOUND',
  });
}

describe('database drivers are optional peers, loaded on demand', () => {
  it('maps each URL to the driver it needs', () => {
    expect(
      ['sqlite:./crm.sqlite', 'sqlite::memory:', 'mysql://root@db/crm', 'mariadb://root@db/crm', 'postgres://app@db/crm', 'postgresql://app@db/crm', 'mssql://x'].map(driverForUrl),
    ).toEqual(['better-sqlite3', 'better-sqlite3', 'mysql2', 'mysql2', 'pg', 'pg', undefined]);
  });

  it('a driver that is not installed is a MissingDriverError naming the package and how to install it', async () => {
    const err = await loadDriver('pg', 'a postgres:// URL', () => Promise.reject(notFound('pg'))).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MissingDriverError);
    expect(err).toBeInstanceOf(RowguardError);
    expect(err).toMatchObject({ name: 'MissingDriverError', driver: 'pg', purpose: 'a postgres:// URL', install: 'npm install pg' });
    expect((err as Error).message).toContain("needs the database driver 'pg', which is not installed: run `npm install pg`");
  });

  it('other load failures are not disguised as a missing driver', async () => {
    // A dependency of the driver missing, or a native module built for another Node version: rethrown as is.
    const nested = notFound('pg-protocol');
    expect(await loadDriver('pg', 'a postgres:// URL', () => Promise.reject(nested)).catch((e: unknown) => e)).toBe(nested);
    const abi = Object.assign(new Error('was compiled against a different Node.js version'), { code: 'ERR_DLOPEN_FAILED' });
    expect(await loadDriver('better-sqlite3', 'a sqlite: URL', () => Promise.reject(abi)).catch((e: unknown) => e)).toBe(abi);
    await expect(loadDriver('mysql2', 'a mysql:// URL', () => Promise.resolve({ createPool: 1 }))).resolves.toEqual({ createPool: 1 });
  });
});
