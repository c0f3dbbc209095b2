import { PolicyFileError } from './policy-file-error.js';

// Errors are recognised by name (the engine's error classes set it), so that this module does not load the engine:
// a caller that only needs to classify an error (a command line's error path, say) stays light.
const DRIVER_ERROR_NAMES = new Set(['SqliteError', 'DatabaseError', 'StorageError', 'WriteConflictError', 'DatabaseTimeoutError', 'UnsafeSessionError']);
// pg reports a cut connection without a code.
const CONNECTION_LOST = /^Connection terminated|^Client has encountered a connection error|^Connection lost/;

function engineErrorCode(err: unknown): string | undefined {
  if (!(err instanceof Error) || err.name !== 'PolicyError') return undefined;
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * Whether an error comes from the database or its driver (connection refused, SQL error, lock timeout, ...).
 *
 * @example
 * ```ts
 * isDatabaseError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })); // true
 * ```
 */
export function isDatabaseError(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  if (DRIVER_ERROR_NAMES.has(err.name)) return true;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && /^(ER_|SQLITE_|E[A-Z]+$|PROTOCOL_|\d{5}$)/.test(code)) return true;
  if (CONNECTION_LOST.test(err.message)) return true;
  return 'errno' in err || 'sqlState' in err || 'sqlMessage' in err;
}

/**
 * Hides credentials in database URLs inside a message.
 *
 * @example
 * ```ts
 * redactUrls('mysql://root:secret@db/x'); // 'mysql://***@db/x'
 * ```
 */
export function redactUrls(text: string): string {
  return text.replace(/([a-z]+:\/\/)[^@\s/]*@/gi, '$1***@');
}

/**
 * Any thrown value as a {@link PolicyFileError}: itself when it is one; the engine's refusals (`PolicyError`) as
 * `refused` with the engine's code; database and driver failures as `database` (`database_error`); anything else
 * as `unexpected` (`runtime_error`). Credentials in URLs are hidden; the original error is the `cause`.
 *
 * @example
 * ```ts
 * asPolicyFileError(new PolicyError('unknown_group', 'group 4 does not exist')).kind; // 'refused'
 * ```
 */
export function asPolicyFileError(err: unknown): PolicyFileError {
  if (err instanceof PolicyFileError) return err;
  const engineCode = engineErrorCode(err);
  if (engineCode !== undefined) return new PolicyFileError(engineCode, 'refused', (err as Error).message, [], { cause: err });
  const message = redactUrls(err instanceof Error ? err.message : String(err));
  if (isDatabaseError(err)) return new PolicyFileError('database_error', 'database', `database error: ${message}`, [], { cause: err });
  return new PolicyFileError('runtime_error', 'unexpected', `unexpected error: ${message}`, [], { cause: err });
}
