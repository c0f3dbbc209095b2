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

/**
 * What went wrong, as a caller acts on it:
 * - `invalid`: the file (or an argument) is wrong; fix it and try again. Nothing was written.
 * - `refused`: the file is well-formed but the database or the engine refuses it (a key conflict, a prune that is
 *   blocked or too large, a delegation out of bounds). Nothing was written.
 * - `incomplete`: the database still differed from the file after writing; everything was rolled back.
 * - `database`: the database failed (a lost connection, an SQL error, a lock timeout, a domain removed meanwhile).
 * - `unexpected`: anything else (a bug).
 *
 * @example
 * ```ts
 * const retry = (err: PolicyFileError) => err.kind === 'database';
 * ```
 */
export type PolicyFailureKind = 'invalid' | 'refused' | 'incomplete' | 'database' | 'unexpected';

/**
 * The error every function of `@rowguard/policy` throws for a policy it cannot read, validate or apply: a stable
 * `code` for machines (`invalid_policy`, `empty_policy`, `policy_conflict`, `prune_too_large`, `apply_incomplete`,
 * ...), a `kind` saying how to act on it, and every problem with its file, line, column and field.
 *
 * @example
 * ```ts
 * try {
 *   validatePolicy(parsePolicyText(source, 'policy.yaml'));
 * } catch (err) {
 *   if (err instanceof PolicyFileError) for (const p of err.problems) console.error(formatProblem(p));
 * }
 * ```
 */
export class PolicyFileError extends Error {
  override readonly name = 'PolicyFileError';
  constructor(
    readonly code: string,
    readonly kind: PolicyFailureKind,
    message: string,
    readonly problems: readonly PolicyProblem[] = [],
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
