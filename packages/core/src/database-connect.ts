import { Kysely, MysqlDialect, PostgresDialect, SqliteDialect } from 'kysely';
import { RowguardError } from './engine-errors.js';
import type { DialectKind } from './dialect-kind.js';

/** An open database: the Kysely handle, its dialect, and how to close it. */
export interface DatabaseConnection {
  readonly db: Kysely<any>;
  readonly dialect: DialectKind;
  close(): Promise<void>;
}

/**
 * Opens a database from a URL: `sqlite:<path>` or `sqlite::memory:` (better-sqlite3, the embedded default),
 * `mysql://user:pass@host:port/db` or `mariadb://...` (mysql2), `postgres://...` or `postgresql://...` (pg).
 * The drivers are optional peer dependencies, loaded on demand.
 *
 * @example
 * ```ts
 * const { db, close } = await connectDatabase('sqlite:./rowguard.sqlite');
 * // ...
 * await close();
 * ```
 */
export async function connectDatabase(url: string, options: { poolSize?: number } = {}): Promise<DatabaseConnection> {
  if (url.startsWith('sqlite:')) {
    const path = url.slice('sqlite:'.length) || ':memory:';
    const { default: Database } = await import('better-sqlite3');
    const database = new Database(path);
    database.pragma('journal_mode = WAL');
    database.pragma('busy_timeout = 5000');
    const db = new Kysely<any>({ dialect: new SqliteDialect({ database }) });
    return { db, dialect: 'sqlite', close: () => db.destroy() };
  }
  if (/^(mysql|mariadb):\/\//.test(url)) {
    const { createPool } = await import('mysql2');
    const pool = createPool({
      uri: url.replace(/^mariadb:/, 'mysql:'),
      connectionLimit: options.poolSize ?? 10,
      supportBigNumbers: true,
      dateStrings: true,
    });
    const db = new Kysely<any>({ dialect: new MysqlDialect({ pool }) });
    return { db, dialect: 'mysql', close: () => db.destroy() };
  }
  if (/^postgres(ql)?:\/\//.test(url)) {
    const pg = await import('pg');
    const pool = new pg.default.Pool({ connectionString: url, max: options.poolSize ?? 10 });
    const db = new Kysely<any>({ dialect: new PostgresDialect({ pool }) });
    return { db, dialect: 'postgres', close: () => db.destroy() };
  }
  throw new RowguardError(`unsupported database URL '${url.replace(/\/\/[^@]*@/, '//***@')}' (use sqlite:, mysql:// or postgres://)`);
}
