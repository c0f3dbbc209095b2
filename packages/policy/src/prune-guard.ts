import type { PolicyDiff } from './policy-diff.js';
import type { NormalPolicy } from './policy-normal-form.js';

/**
 * The largest share of a domain's stored objects one `apply --prune` may remove without `--force`: half. A file
 * that would remove more is far more often truncated, the wrong file, or meant for another domain than a real
 * clean-up.
 *
 * @example
 * ```ts
 * removed > stored * PRUNE_SHARE_LIMIT; // needs --force
 * ```
 */
export const PRUNE_SHARE_LIMIT = 0.5;

/**
 * What a prune would remove, measured against what the domain holds.
 *
 * @example
 * ```ts
 * const guard: PruneGuard = { removed: 30, stored: 40, limit: 0.5, exceeded: true, message: '...' };
 * ```
 */
export interface PruneGuard {
  /** Objects the diff removes (entries, groups, roles, memberships, assignments, contacts, ...). */
  readonly removed: number;
  /** Objects the domain holds now, counted the same way. */
  readonly stored: number;
  readonly limit: number;
  /** Whether `removed` is more than `limit` of `stored` (the apply then needs `--force`). */
  readonly exceeded: boolean;
  readonly message: string;
}

/**
 * Every keyed object a policy holds, as the diff counts them.
 *
 * @example
 * ```ts
 * storedObjects(state.policy); // 57
 * ```
 */
export function storedObjects(p: NormalPolicy): number {
  return [p.contacts, p.userLinks, p.groups, p.memberships, p.roles, p.permissions, p.assignments, p.entries, p.relationshipTypes, p.relationships, p.delegations].reduce(
    (n, m) => n + m.size,
    0,
  );
}

/**
 * Measures a pruning diff against the stored policy: more than {@link PRUNE_SHARE_LIMIT} of the stored objects
 * removed is `exceeded`, with a message that says how much and how to go ahead.
 *
 * @example
 * ```ts
 * const guard = pruneGuard(state.policy, diff);
 * if (guard.exceeded && !force) throw new PolicyFileError('prune_too_large', 'refused', guard.message);
 * ```
 */
export function pruneGuard(current: NormalPolicy, diff: PolicyDiff): PruneGuard {
  const removed = diff.counts.delete;
  const stored = storedObjects(current);
  const exceeded = removed > 0 && removed > stored * PRUNE_SHARE_LIMIT;
  const message =
    `--prune would remove ${removed} of the ${stored} objects domain '${current.domain}' holds, more than ${PRUNE_SHARE_LIMIT * 100}%: ` +
    'check that this is the right file for this domain (a dry run lists every removal), then add --force to go ahead';
  return { removed, stored, limit: PRUNE_SHARE_LIMIT, exceeded, message };
}
