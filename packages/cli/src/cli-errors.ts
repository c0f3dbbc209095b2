// Only the policy package's error module: this module is loaded by every run, and usage errors, `help` and
// `--version` stay fast without the engine or the policy file parser.
import { asPolicyFileError, formatProblem, isDatabaseError, redactUrls, type PolicyFailureKind, type PolicyProblem } from '@rowguard/policy/errors';

export { formatProblem, isDatabaseError, redactUrls, type PolicyProblem };

/**
 * The CLI's exit codes: 0 allowed / ok, 1 denied, 2 bad input, 3 database (or other runtime) error.
 *
 * @example
 * ```ts
 * process.exitCode = allowed ? EXIT.ok : EXIT.denied;
 * ```
 */
export const EXIT = { ok: 0, denied: 1, badInput: 2, database: 3 } as const;
/**
 * One of the CLI's exit codes.
 *
 * @example
 * ```ts
 * const code: ExitCode = EXIT.badInput; // 2
 * ```
 */
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/**
 * An error the CLI reports and exits on: a code for machines, a message for people, an exit code, and (for
 * policy files) every problem with its line.
 *
 * @example
 * ```ts
 * throw new CliError('unknown_contact', "no contact with key 'bob'", EXIT.badInput);
 * ```
 */
export class CliError extends Error {
  override readonly name: string = 'CliError';
  constructor(
    readonly code: string,
    message: string,
    readonly exitCode: ExitCode,
    readonly problems: readonly PolicyProblem[] = [],
  ) {
    super(message);
  }
}

/** The exit code of each kind of policy failure. */
const EXIT_OF_KIND: Readonly<Record<PolicyFailureKind, ExitCode>> = {
  invalid: EXIT.badInput,
  refused: EXIT.badInput,
  incomplete: EXIT.database,
  database: EXIT.database,
  unexpected: EXIT.database,
};

/**
 * Maps any thrown value to a {@link CliError} with the right exit code: bad input (invalid or refused policies,
 * engine refusals, CLI errors) exits 2, database failures, incomplete applies and everything unexpected exit 3.
 * Never maps an error to success.
 *
 * @example
 * ```ts
 * toCliError(new PolicyError('unknown_group', 'group 4 does not exist')).exitCode; // 2 (an engine PolicyError)
 * ```
 */
export function toCliError(err: unknown): CliError {
  if (err instanceof CliError) return err;
  // A database driver that is not installed (core's MissingDriverError, matched by name: this module stays light).
  if (err instanceof Error && err.name === 'MissingDriverError') return new CliError('missing_driver', err.message, EXIT.database);
  const e = asPolicyFileError(err);
  return new CliError(e.code, e.message, EXIT_OF_KIND[e.kind], e.problems);
}
