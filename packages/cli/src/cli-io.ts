/**
 * Where the CLI writes: stdout for results, stderr for progress, warnings and errors. Injected so commands can
 * be run in-process.
 *
 * @example
 * ```ts
 * const io: CliIo = { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s), errIsTty: false };
 * ```
 */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  /** Whether stderr is a terminal (progress then redraws one line). */
  readonly errIsTty: boolean;
}

/**
 * The process's own streams.
 *
 * @example
 * ```ts
 * processIo().out('hello\n');
 * ```
 */
export function processIo(): CliIo {
  return {
    out: (s) => void process.stdout.write(s),
    err: (s) => void process.stderr.write(s),
    errIsTty: process.stderr.isTTY === true,
  };
}
