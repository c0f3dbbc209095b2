/**
 * Connections (`connect/`): opening SQLite, MariaDB/MySQL and PostgreSQL databases for the engine, with every
 * value bound on the server (prepared statements on MariaDB), pool and client errors handled so a cut
 * connection never ends the process, and connect and statement timeouts that surface as typed errors.
 */
import { Kysely, MysqlDialect, PostgresDialect, SqliteDialect } from 'kysely';
import { z } from 'zod';
import { PolicyError, RowguardError } from '../model/engine-errors.js';
import type { DialectKind } from '../model/dialect-kind.js';
import { serverSideParameters } from './mysql-server-binding.js';
import { resilientPostgresPool } from './postgres-pool-guard.js';
import { loadDriver } from './driver-load.js';

/** An open database: the Kysely handle, its dialect, and how to close it. */
export interface DatabaseConnection {
  readonly db: Kysely<any>;
  readonly dialect: DialectKind;
  close(): Promise<void>;
}

/** The default limits of {@link connectDatabase}, in milliseconds. */
export const DEFAULT_TIMEOUTS = { connectTimeoutMs: 10_000, statementTimeoutMs: 30_000 } as const;

const timeoutSchema = z.number().int().min(1).max(3_600_000);

/**
 * zod schema of {@link connectDatabase}'s options.
 *
 * @example
 * ```ts
 * connectOptionsSchema.parse({ poolSize: 4, statementTimeoutMs: 5_000 });
 * ```
 */
export const connectOptionsSchema = z
  .object({
    poolSize: z.number().int().min(1).max(1_000).optional(),
    /** Longest wait to open a connection (or, on PostgreSQL, for a free one from the pool). */
    connectTimeoutMs: timeoutSchema.default(DEFAULT_TIMEOUTS.connectTimeoutMs),
    /** Longest wait for one statement's answer on a server (enforced server-side on PostgreSQL too). */
    statementTimeoutMs: timeoutSchema.default(DEFAULT_TIMEOUTS.statementTimeoutMs),
    /** Told about errors of idle or checked-out server connections (a reset, a restart). Default: ignored. */
    onConnectionError: z.custom<(error: Error) => void>((v) => typeof v === 'function').optional(),
  })
  .strict();

/** Options of {@link connectDatabase}. */
export type ConnectOptions = z.input<typeof connectOptionsSchema>;

/**
 * Opens a database from a URL: `sqlite:<path>` or `sqlite::memory:` (better-sqlite3, the embedded default),
 * `mysql://user:pass@host:port/db` or `mariadb://...` (mysql2), `postgres://...` or `postgresql://...` (pg).
 * The drivers are optional peer dependencies, loaded on demand; a missing one throws `MissingDriverError`
 * naming the package to install.
 *
 * On the servers, every value is bound on the server (MariaDB/MySQL statements with values are prepared, see
 * {@link serverSideParameters}; pg always binds), opening a connection and each statement are limited by
 * `connectTimeoutMs` / `statementTimeoutMs` ({@link DEFAULT_TIMEOUTS}; running out throws
 * `DatabaseTimeoutError`), and a connection that is cut or times out is discarded without bringing the process
 * down.
 *
 * @example
 * ```ts
 * const { db, close } = await connectDatabase('sqlite:./rowguard.sqlite');
 * const pg = await connectDatabase('postgres://app@db/crm', { connectTimeoutMs: 5_000, statementTimeoutMs: 10_000 });
 * // ...
 * await close();
 * ```
 */
export async function connectDatabase(url: string, options: ConnectOptions = {}): Promise<DatabaseConnection> {
  const parsed = connectOptionsSchema.safeParse(options);
  if (!parsed.success) {
    throw new PolicyError('invalid_input', `invalid connection options: ${z.prettifyError(parsed.error)}`, { issues: parsed.error.issues });
  }
  const { poolSize = 10, connectTimeoutMs, statementTimeoutMs, onConnectionError } = parsed.data;
  const report = (error: Error) => onConnectionError?.(error);
  if (url.startsWith('sqlite:')) {
    const path = url.slice('sqlite:'.length) || ':memory:';
    const { default: Database } = await loadDriver('better-sqlite3', 'a sqlite: URL', () => import('better-sqlite3'));
    const database = new Database(path);
    database.pragma('journal_mode = WAL');
    database.pragma('busy_timeout = 5000');
    const db = new Kysely<any>({ dialect: new SqliteDialect({ database }) });
    return { db, dialect: 'sqlite', close: () => db.destroy() };
  }
  if (/^(mysql|mariadb):\/\//.test(url)) {
    const { createPool } = await loadDriver('mysql2', 'a mysql:// (MariaDB/MySQL) URL', () => import('mysql2'));
    const pool = createPool({
      uri: url.replace(/^mariadb:/, 'mysql:'),
      connectionLimit: poolSize,
      supportBigNumbers: true,
      dateStrings: true,
      connectTimeout: connectTimeoutMs,
      // Prepared statements count against the server-wide max_prepared_stmt_count: keep the cache modest.
      maxPreparedStatements: 256,
    });
    // A connection error with no command waiting is emitted on the connection: never let it crash the process.
    pool.on('connection', (connection) => connection.on('error', report));
    const db = new Kysely<any>({ dialect: new MysqlDialect({ pool: serverSideParameters(pool, { statementTimeoutMs, connectTimeoutMs }) }) });
    return { db, dialect: 'mysql', close: () => db.destroy() };
  }
  if (/^postgres(ql)?:\/\//.test(url)) {
    const pg = await loadDriver('pg', 'a postgres:// URL', () => import('pg'));
    const pool = new pg.default.Pool({
      connectionString: url,
      max: poolSize,
      connectionTimeoutMillis: connectTimeoutMs,
      // The server cancels a statement that runs too long; the client gives up on a server that does not
      // answer at all a little later.
      statement_timeout: statementTimeoutMs,
      query_timeout: statementTimeoutMs + 1_000,
    });
    const db = new Kysely<any>({
      dialect: new PostgresDialect({ pool: resilientPostgresPool(pool, { connectTimeoutMs, statementTimeoutMs, onConnectionError: report }) }),
    });
    return { db, dialect: 'postgres', close: () => db.destroy() };
  }
  throw new RowguardError(`unsupported database URL '${url.replace(/\/\/[^@]*@/, '//***@')}' (use sqlite:, mysql:// or postgres://)`);
}
