/**
 * Database drivers (`connect/`): the drivers are optional peer dependencies of every rowguard package, so a host
 * installs only the one its database needs. This module maps a database URL to its driver and loads it on demand,
 * turning a missing driver into a {@link MissingDriverError} that says how to install it.
 */
import { RowguardError } from '../model/engine-errors.js';

/**
 * The database drivers rowguard can open a connection with, one per dialect.
 *
 * @example
 * ```ts
 * DATABASE_DRIVERS.includes('mysql2'); // true
 * ```
 */
export const DATABASE_DRIVERS = ['better-sqlite3', 'mysql2', 'pg'] as const;

/**
 * A database driver package name.
 *
 * @example
 * ```ts
 * const driver: DatabaseDriver = 'pg';
 * ```
 */
export type DatabaseDriver = (typeof DATABASE_DRIVERS)[number];

/**
 * The driver a database URL needs: `sqlite:` better-sqlite3, `mysql://` / `mariadb://` mysql2, `postgres://` /
 * `postgresql://` pg; undefined for any other URL.
 *
 * @example
 * ```ts
 * driverForUrl('mariadb://root@127.0.0.1/crm'); // 'mysql2'
 * ```
 */
export function driverForUrl(url: string): DatabaseDriver | undefined {
  if (url.startsWith('sqlite:')) return 'better-sqlite3';
  if (/^(mysql|mariadb):\/\//.test(url)) return 'mysql2';
  if (/^postgres(ql)?:\/\//.test(url)) return 'pg';
  return undefined;
}

/**
 * The database driver a connection needs is not installed. `install` is the command that adds it to the project
 * (the drivers are optional peer dependencies: install the one your database needs).
 *
 * @example
 * ```ts
 * if (err instanceof MissingDriverError) console.error(err.driver, err.install); // 'pg', 'npm install pg'
 * ```
 */
export class MissingDriverError extends RowguardError {
  override readonly name = 'MissingDriverError';
  /** The command that installs the driver with npm (`pnpm add <driver>` works as well). */
  readonly install: string;
  constructor(
    readonly driver: DatabaseDriver,
    readonly purpose: string,
    options: { cause?: unknown } = {},
  ) {
    super(`${purpose} needs the database driver '${driver}', which is not installed: run \`npm install ${driver}\` (or \`pnpm add ${driver}\`) in your project`, options);
    this.install = `npm install ${driver}`;
  }
}

/** Whether an import failed because the package itself cannot be found (not because it failed to load). */
function isMissingPackage(err: unknown, driver: string): boolean {
  const e = err as { code?: unknown; message?: unknown } | null;
  if (e === null || typeof e !== 'object') return false;
  const code = String(e.code ?? '');
  const message = String(e.message ?? '');
  return (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && message.includes(`'${driver}'`);
}

/**
 * Loads a database driver through `load` (a dynamic `import()` of it, written out by the caller so bundlers and type
 * checkers see it); a driver that is not installed throws {@link MissingDriverError} (other load failures, such as a
 * native module built for another Node version, are rethrown as they are).
 *
 * @example
 * ```ts
 * const pg = await loadDriver('pg', 'a postgres:// URL', () => import('pg'));
 * ```
 */
export async function loadDriver<T>(driver: DatabaseDriver, purpose: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (err) {
    if (isMissingPackage(err, driver)) throw new MissingDriverError(driver, purpose, { cause: err });
    throw err;
  }
}
