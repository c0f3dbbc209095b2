import type { MysqlPool, MysqlPoolConnection, MysqlQueryResult, MysqlStream, MysqlStreamOptions } from 'kysely';
import { DatabaseTimeoutError } from './connection-errors.js';

/** The part of a mysql2 command (the value `query` / `execute` return) this module uses. */
interface RawCommand {
  on(event: 'error', listener: (error: unknown) => void): unknown;
}

/** The part of a mysql2 pool connection this module uses. */
export interface RawMysqlConnection {
  query(options: { sql: string; values?: unknown[]; timeout?: number }, callback?: (error: unknown, result: unknown) => void): RawCommand;
  execute(options: { sql: string; values?: unknown[]; timeout?: number }, callback?: (error: unknown, result: unknown) => void): RawCommand;
  release(): void;
  destroy(): void;
}

/** The part of a mysql2 pool (callback API, `createPool` from `mysql2`) this module uses. */
export interface RawMysqlPool {
  getConnection(callback: (error: any, connection: any) => void): void;
  end(callback?: (error: any) => void): void;
}

/** Options of {@link serverSideParameters}. */
export interface ServerBindingOptions {
  /**
   * Longest wait for one statement's answer, in milliseconds (0: none). A statement that runs out gets a
   * {@link DatabaseTimeoutError} and its connection is destroyed, never returned to the pool.
   */
  readonly statementTimeoutMs?: number;
  /** The pool's connect timeout (mysql2 `connectTimeout`), so that running out of it reports a {@link DatabaseTimeoutError}. */
  readonly connectTimeoutMs?: number;
}

const BROKEN_CODES = new Set(['PROTOCOL_CONNECTION_LOST', 'ECONNRESET', 'EPIPE', 'PROTOCOL_SEQUENCE_TIMEOUT', 'ETIMEDOUT']);

/** Whether an error leaves the connection unusable (it is then destroyed rather than reused). */
function breaksConnection(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, fatal } = error as { code?: unknown; fatal?: unknown };
  return fatal === true || (typeof code === 'string' && BROKEN_CODES.has(code));
}

/** One pooled connection whose statements with values are prepared and executed on the server. */
function boundConnection(raw: RawMysqlConnection, timeoutMs: number): MysqlPoolConnection {
  let destroyed = false;
  const destroy = () => {
    if (destroyed) return;
    destroyed = true;
    raw.destroy();
  };
  function query(sql: string, parameters: unknown[]): { stream: <T>(options: MysqlStreamOptions) => MysqlStream<T> };
  function query(sql: string, parameters: unknown[], callback: (error: unknown, result: MysqlQueryResult) => void): void;
  function query(sql: string, parameters: unknown[], callback?: (error: unknown, result: MysqlQueryResult) => void): any {
    // Values go to the server in the binary protocol (COM_STMT_EXECUTE): they never become SQL text, so no
    // sql_mode (NO_BACKSLASH_ESCAPES, ANSI_QUOTES) can change how they are read. Statements without values
    // (transaction control, DDL) keep the text protocol, which can run every statement.
    const options = parameters.length > 0 ? { sql, values: [...parameters] } : { sql };
    const run = (cb?: (error: unknown, result: unknown) => void) => (parameters.length > 0 ? raw.execute(options, cb) : raw.query(options, cb));
    if (!callback) {
      // A stream (Kysely's `stream()`): rows arrive for as long as the caller reads, so no statement timer.
      const command = run();
      command.on('error', (error) => {
        if (breaksConnection(error)) destroy();
      });
      return command;
    }
    let settled = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const settle = (error: unknown, result: unknown) => {
      if (settled) return;
      settled = true;
      if (timer !== undefined) clearTimeout(timer);
      if (error !== null && error !== undefined && breaksConnection(error)) destroy();
      callback(error, result as MysqlQueryResult);
    };
    if (timeoutMs > 0) {
      timer = setTimeout(() => {
        // The connection may still be waiting for this answer: it cannot be reused.
        destroy();
        settle(new DatabaseTimeoutError('statement', timeoutMs, 'SQL statement'), undefined);
      }, timeoutMs);
    }
    try {
      run((error, result) => settle(error ?? null, result));
    } catch (error) {
      // mysql2 throws synchronously on values it cannot bind (undefined, functions).
      settle(error, undefined);
    }
  }
  return { query, release: () => (destroyed ? undefined : raw.release()) };
}

/**
 * Wraps a mysql2 pool (callback API) for Kysely's `MysqlDialect` so that every statement that carries values
 * is prepared and executed on the server (mysql2 `execute`), instead of mysql2's client-side interpolation
 * (`query`), whose escaping a session with `NO_BACKSLASH_ESCAPES` turns into an injection. Numbers, bigints,
 * strings, booleans, `Date`, `Buffer` and `null` bind as themselves; streaming keeps working. With a statement
 * timeout, a statement without an answer in time fails with {@link DatabaseTimeoutError} and its connection
 * is destroyed. `connectDatabase` uses it for `mysql://` and `mariadb://` URLs.
 *
 * Prepared statements are cached per connection by mysql2; keep its `maxPreparedStatements` modest (the
 * server's `max_prepared_stmt_count` is shared by every client).
 *
 * @example
 * ```ts
 * import { createPool } from 'mysql2';
 * import { Kysely, MysqlDialect } from 'kysely';
 *
 * const pool = createPool({ uri: 'mysql://app@127.0.0.1/crm', maxPreparedStatements: 200 });
 * const db = new Kysely<any>({ dialect: new MysqlDialect({ pool: serverSideParameters(pool, { statementTimeoutMs: 30_000 }) }) });
 * ```
 */
export function serverSideParameters(pool: RawMysqlPool, options: ServerBindingOptions = {}): MysqlPool {
  const timeoutMs = options.statementTimeoutMs ?? 0;
  const wrapped = new WeakMap<object, MysqlPoolConnection>();
  return {
    getConnection(callback) {
      pool.getConnection((error: unknown, raw: RawMysqlConnection) => {
        if (error) {
          const timedOut = options.connectTimeoutMs !== undefined && (error as { code?: unknown }).code === 'ETIMEDOUT';
          const reported = timedOut ? new DatabaseTimeoutError('connect', options.connectTimeoutMs ?? 0, 'connecting to MariaDB/MySQL', { cause: error }) : error;
          callback(reported, undefined as unknown as MysqlPoolConnection);
          return;
        }
        let connection = wrapped.get(raw);
        if (!connection) {
          connection = boundConnection(raw, timeoutMs);
          wrapped.set(raw, connection);
        }
        callback(null, connection);
      });
    },
    end(callback) {
      pool.end(callback);
    },
  };
}
