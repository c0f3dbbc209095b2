import { WriteConflictError } from '../model/engine-errors.js';

/** How many times a write transaction runs at most when the database keeps aborting it for a conflict. */
export const WRITE_ATTEMPTS = 4;

/**
 * Whether the database aborted a transaction for a conflict that running it again can resolve: MariaDB/MySQL
 * `ER_LOCK_DEADLOCK` (1213, also metadata-lock deadlocks and Galera certification conflicts), PostgreSQL
 * `deadlock_detected` (40P01) and `serialization_failure` (40001).
 *
 * @example
 * ```ts
 * isWriteConflict(Object.assign(new Error('Deadlock found'), { errno: 1213 })); // true
 * isWriteConflict(new Error('row 3 failed', { cause: { code: '40P01' } })); // true
 * ```
 */
export function isWriteConflict(error: unknown): boolean {
  // Callers may wrap the driver's error (a policy file names the row it was writing): follow `cause`.
  for (let e = error, depth = 0; typeof e === 'object' && e !== null && depth < 8; e = (e as { cause?: unknown }).cause, depth++) {
    const { errno, code } = e as { errno?: unknown; code?: unknown };
    if (errno === 1213 || code === 'ER_LOCK_DEADLOCK' || code === '40P01' || code === '40001') return true;
  }
  return false;
}

/** One write transaction that the database aborted for a conflict and that runs again. */
export interface WriteRetry {
  /** The run that was aborted (1 for the first). */
  readonly attempt: number;
  /** The database's error (errno 1213, or SQLSTATE 40P01 / 40001). */
  readonly error: unknown;
}

/**
 * Runs `attempt` (one whole transaction) until it commits, running it again with a short growing pause when
 * the database aborted it for a conflict, at most {@link WRITE_ATTEMPTS} times; then throws
 * {@link WriteConflictError}. Any other error is thrown at once. Each run must start from scratch (a rolled-back
 * transaction leaves nothing behind). `onRetry` is told about each aborted run that is run again.
 *
 * @example
 * ```ts
 * await retryOnConflict(() => db.transaction().execute((trx) => write(trx)));
 * ```
 */
export async function retryOnConflict<T>(attempt: () => Promise<T>, onRetry?: (retry: WriteRetry) => void): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await attempt();
    } catch (error) {
      if (!isWriteConflict(error)) throw error;
      if (n >= WRITE_ATTEMPTS) throw new WriteConflictError(n, error);
      onRetry?.({ attempt: n, error });
      await new Promise((done) => setTimeout(done, 10 * n + Math.floor(Math.random() * 10 * n)));
    }
  }
}
