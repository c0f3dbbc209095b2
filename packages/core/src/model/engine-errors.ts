/**
 * The named errors rowguard throws. Each carries structured data so a host can react to it without parsing
 * messages.
 *
 * @example
 * ```ts
 * try {
 *   await admin.createEntry({ effect: 'allow', operation: 'fly', owner: { type: 'everyone' }, object: { type: 'all-contacts' } });
 * } catch (err) {
 *   if (err instanceof PolicyError) console.log(err.code, err.details); // 'invalid_input', { issues: [...] }
 * }
 * ```
 */
export class RowguardError extends Error {
  override readonly name: string = 'RowguardError';
}

/** Machine-readable reasons for a {@link PolicyError}. */
export type PolicyErrorCode =
  | 'invalid_input'
  | 'unknown_operation'
  | 'invalid_criteria'
  | 'unknown_group'
  | 'unknown_role'
  | 'unknown_contact'
  | 'unknown_entry'
  | 'unknown_domain'
  | 'unknown_assignment'
  | 'cross_domain'
  | 'group_cycle'
  | 'not_static_group'
  | 'duplicate'
  | 'in_use'
  | 'host_managed'
  | 'unknown_relationship_type'
  | 'unknown_relationship'
  | 'delegation_refused'
  | 'delegation_loop'
  /** An integer the attribute columns cannot hold on this dialect (details: field, value, min, max, dialect). */
  | 'value_out_of_range'
  /** An `inGroup` chain longer than decisions evaluate (details: groupId, depth, limit, chain). */
  | 'group_too_deep'
  | 'group_too_large';

/**
 * Bad input to a public API: invalid shape, a reference to something that does not exist or lives in another
 * domain, a cycle between smart groups. Nothing was written when it is thrown.
 *
 * @example
 * ```ts
 * throw new PolicyError('unknown_group', 'group 42 does not exist in domain 1', { groupId: 42, domainId: 1 });
 * ```
 */
export class PolicyError extends RowguardError {
  override readonly name = 'PolicyError';
  constructor(
    readonly code: PolicyErrorCode,
    message: string,
    readonly details: Readonly<Record<string, unknown>> = {},
  ) {
    super(message);
  }
}

/**
 * Thrown by the asserting helpers (for example `session.assert('edit', 12)`) when the decision is deny.
 *
 * @example
 * ```ts
 * await session.assert('edit', 12); // throws AccessDeniedError { operation: 'edit', contactId: 12 } when denied
 * ```
 */
export class AccessDeniedError extends RowguardError {
  override readonly name = 'AccessDeniedError';
  constructor(
    readonly operation: string,
    readonly target: Readonly<Record<string, unknown>>,
    message = `access denied: ${operation} on ${JSON.stringify(target)}`,
  ) {
    super(message);
  }
}

/**
 * A database failure wrapped with what the engine was doing. The original error is its `cause`.
 *
 * @example
 * ```ts
 * if (err instanceof StorageError) console.error(err.action, err.cause);
 * ```
 */
export class StorageError extends RowguardError {
  override readonly name: string = 'StorageError';
  constructor(
    readonly action: string,
    cause: unknown,
  ) {
    super(`${action} failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}

/**
 * A write transaction the database aborted for a conflict (a deadlock, a serialisation failure, or a Galera
 * certification conflict, all reported as a deadlock) again and again, until the bounded retries ran out.
 * Nothing of it was written: every attempt rolled back.
 *
 * @example
 * ```ts
 * if (err instanceof WriteConflictError) console.error(`gave up after ${err.attempts} attempts`, err.cause);
 * ```
 */
export class WriteConflictError extends StorageError {
  override readonly name = 'WriteConflictError';
  constructor(
    readonly attempts: number,
    cause: unknown,
  ) {
    super(`writing (aborted by a conflict ${attempts} times)`, cause);
  }
}
