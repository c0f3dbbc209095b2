import { RowguardError } from '../model/engine-errors.js';

/** What ran out of time: opening a connection, one SQL statement, or a whole decision. */
export type TimeoutKind = 'connect' | 'statement' | 'decision';

/**
 * A database call, or a whole decision, took longer than its configured limit. The connection involved is
 * discarded (never reused), and a decision that times out denies. The driver's error, if any, is the `cause`.
 *
 * @example
 * ```ts
 * if (err instanceof DatabaseTimeoutError) console.error(err.kind, err.timeoutMs); // 'statement', 30000
 * ```
 */
export class DatabaseTimeoutError extends RowguardError {
  override readonly name = 'DatabaseTimeoutError';
  constructor(
    readonly kind: TimeoutKind,
    readonly timeoutMs: number,
    readonly action: string,
    options: { cause?: unknown } = {},
  ) {
    super(`${action}: no answer from the database within ${timeoutMs} ms (${kind} timeout)`, options);
  }
}

/**
 * The database session would not keep values apart from SQL text: on MariaDB/MySQL, a session whose `sql_mode`
 * has `NO_BACKSLASH_ESCAPES` while the driver interpolates values on the client (mysql2's `query`). The engine
 * refuses to decide on such a session (every decision denies with this error) until values are bound on the
 * server (`connectDatabase` does that, or wrap a host pool with `serverSideParameters`) or the mode is removed.
 *
 * @example
 * ```ts
 * if (err instanceof UnsafeSessionError) console.error(err.sqlMode); // 'NO_BACKSLASH_ESCAPES,STRICT_TRANS_TABLES'
 * ```
 */
export class UnsafeSessionError extends RowguardError {
  override readonly name = 'UnsafeSessionError';
  constructor(
    readonly sqlMode: string,
    message = `the database session's sql_mode (${sqlMode}) breaks the client-side escaping of values: bind parameters on the server (connectDatabase, or serverSideParameters(pool)) or remove NO_BACKSLASH_ESCAPES; every decision denies until then`,
  ) {
    super(message);
  }
}
