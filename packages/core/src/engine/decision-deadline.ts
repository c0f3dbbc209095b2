import { DatabaseTimeoutError } from '../connect/connection-errors.js';

/**
 * Runs `work` with a time limit: resolves or rejects as it does, or rejects with a {@link DatabaseTimeoutError}
 * (kind `decision`) when `timeoutMs` passes first. The timer is a normal (referenced) one, so a process never
 * exits while a decision is pending; it is cleared as soon as the work settles. The work itself is not
 * cancelled (a driver call cannot be), its late result is ignored.
 *
 * @example
 * ```ts
 * const allowed = await withDeadline(() => decide(), 30_000, 'check'); // or DatabaseTimeoutError after 30 s
 * ```
 */
export function withDeadline<T>(work: () => Promise<T>, timeoutMs: number, action: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new DatabaseTimeoutError('decision', timeoutMs, action)), timeoutMs);
    let running: Promise<T>;
    try {
      running = work();
    } catch (error) {
      running = Promise.reject(error);
    }
    running.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}
