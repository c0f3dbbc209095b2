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
 * One problem found in a policy file, located by line and field.
 *
 * @example
 * ```ts
 * const p: PolicyProblem = { file: 'p.yaml', line: 12, column: 5, field: 'entries[3].owner.role', message: "unknown role 'Ghost'" };
 * ```
 */
export interface PolicyProblem {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  /** The field, as a path such as `entries[3].owner.role`. */
  readonly field: string;
  readonly message: string;
}

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
  override readonly name = 'CliError';
  constructor(
    readonly code: string,
    message: string,
    readonly exitCode: ExitCode,
    readonly problems: readonly PolicyProblem[] = [],
  ) {
    super(message);
  }
}

/**
 * Formats a problem as `file:line:column: field: message`.
 *
 * @example
 * ```ts
 * formatProblem({ file: 'p.yaml', line: 3, column: 5, field: 'entries[0].owner', message: 'unknown role' });
 * // 'p.yaml:3:5: entries[0].owner: unknown role'
 * ```
 */
export function formatProblem(p: PolicyProblem): string {
  return `${p.file}:${p.line}:${p.column}: ${p.field ? `${p.field}: ` : ''}${p.message}`;
}

// Errors are recognised by name (the engine's error classes set it), so that this module, which every run
// loads, does not load the engine: usage errors, `help` and `--version` stay fast.
const DRIVER_ERROR_NAMES = new Set(['SqliteError', 'DatabaseError', 'StorageError', 'DatabaseTimeoutError', 'UnsafeSessionError']);
// pg reports a cut connection without a code.
const CONNECTION_LOST = /^Connection terminated|^Client has encountered a connection error|^Connection lost/;

function policyErrorCode(err: unknown): string | undefined {
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
 * Maps any thrown value to a {@link CliError} with the right exit code: bad input (policy errors, CLI errors)
 * exits 2, database failures and everything unexpected exit 3. Never maps an error to success.
 *
 * @example
 * ```ts
 * toCliError(new PolicyError('unknown_group', 'group 4 does not exist')).exitCode; // 2 (an engine PolicyError)
 * ```
 */
export function toCliError(err: unknown): CliError {
  if (err instanceof CliError) return err;
  const policyCode = policyErrorCode(err);
  if (policyCode !== undefined) return new CliError(policyCode, (err as Error).message, EXIT.badInput);
  if (isDatabaseError(err)) {
    const message = err instanceof Error ? err.message : String(err);
    return new CliError('database_error', `database error: ${redactUrls(message)}`, EXIT.database);
  }
  const message = err instanceof Error ? err.message : String(err);
  return new CliError('runtime_error', `unexpected error: ${redactUrls(message)}`, EXIT.database);
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
