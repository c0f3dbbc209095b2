/**
 * Progress of a long operation, as the caller shows it.
 *
 * @example
 * ```ts
 * const progress: Progress = { tick: () => bar.increment(), done: () => bar.stop() };
 * ```
 */
export interface Progress {
  /** Counts one unit of work done. */
  tick(): void;
  /** Ends the operation. */
  done(): void;
}

/**
 * How the policy package tells its caller what it is doing: progress of long writes and warnings. Every method is
 * optional; the package never writes to stdout or stderr itself.
 *
 * @example
 * ```ts
 * const reporter: PolicyReporter = {
 *   progress: (label, total) => ({ tick: () => undefined, done: () => console.warn(`${label}: ${total} done`) }),
 *   warning: (message) => console.warn(`warning: ${message}`),
 * };
 * ```
 */
export interface PolicyReporter {
  /** A long operation of `total` units starts (`label` says what, e.g. `applying policy.yaml`). */
  progress?(label: string, total: number): Progress;
  /** Something the caller should know that does not stop the operation. */
  warning?(message: string): void;
}

/**
 * A progress that shows nothing.
 *
 * @example
 * ```ts
 * const progress = reporter.progress?.('applying', n) ?? NO_PROGRESS;
 * ```
 */
export const NO_PROGRESS: Progress = { tick: () => undefined, done: () => undefined };
