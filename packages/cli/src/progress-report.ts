import type { PolicyReporter, Progress } from '@rowguard/policy';
import type { CliIo } from './cli-io.js';

/**
 * At least this many units make an operation "long" enough to report progress.
 *
 * @example
 * ```ts
 * createProgress(io, 'applying', PROGRESS_THRESHOLD, { quiet: false }); // reports
 * ```
 */
export const PROGRESS_THRESHOLD = 200;

/**
 * Reports progress on stderr for long operations (at least {@link PROGRESS_THRESHOLD} units): on a terminal one
 * redrawn line, otherwise a line every 10% (at most once a second). Short operations and `quiet` print nothing.
 *
 * @example
 * ```ts
 * const progress = createProgress(io, 'applying', 5000, { quiet: false });
 * for (const change of changes) { await apply(change); progress.tick(); }
 * progress.done();
 * ```
 */
export function createProgress(io: CliIo, label: string, total: number, options: { quiet: boolean }): Progress {
  if (options.quiet || total < PROGRESS_THRESHOLD) return { tick: () => undefined, done: () => undefined };
  let count = 0;
  let lastAt = 0;
  let lastStep = -1;
  const line = (): string => `${label}: ${count}/${total} (${Math.floor((count * 100) / total)}%)`;
  return {
    tick: () => {
      count += 1;
      const now = Date.now();
      if (io.errIsTty) {
        if (now - lastAt >= 100 || count === total) {
          io.err(`\r${line()}`);
          lastAt = now;
        }
        return;
      }
      const step = Math.floor((count * 10) / total);
      if (step !== lastStep && (now - lastAt >= 1000 || count === total || lastStep === -1)) {
        io.err(`${line()}\n`);
        lastStep = step;
        lastAt = now;
      }
    },
    done: () => {
      if (io.errIsTty) io.err(`\r${line()}\n`);
      else if (count !== total || lastStep !== 10) io.err(`${line()}\n`);
    },
  };
}

/**
 * The policy package's reporter for a command: progress of long applies on stderr (see {@link createProgress}),
 * none with `quiet`; warnings on stderr as `warning: ...` (always).
 *
 * @example
 * ```ts
 * await syncPolicy(open.engine, validated, { prune, dryRun, force, actor, reporter: cliReporter(ctx.io, { quiet: false }) });
 * ```
 */
export function cliReporter(io: CliIo, options: { quiet: boolean }): PolicyReporter {
  return {
    progress: (label, total) => createProgress(io, label, total, options),
    warning: (message) => io.err(`warning: ${message}\n`),
  };
}
