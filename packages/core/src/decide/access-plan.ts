/**
 * Decisions (`decide/`): from a resolved subject and a snapshot to allow or deny. `subject-resolver.ts` works out
 * what a subject holds (its contact, groups, roles, Everyone/Authenticated, permissions, delegations, hook
 * contributions); this file turns that into an access plan, the applicable entries per operation ranked in
 * tiers (priority, then contact level over group level); `decision-memory.ts` decides one contact in memory
 * (highest tier wins, deny beats allow inside it) and `decision-explanation.ts` says why. Create checks and
 * non-contact entities are decided here too. The SQL form of the same plan is in `sql/`.
 */
import type { Criteria } from '../model/criteria-schema.js';
import { permissionEntries } from '../model/functional-permissions.js';
import { operationSatisfies, type Operation } from '../model/operation-model.js';
import type { EntryDef, OwnerRef, PolicySnapshot } from '../model/policy-model.js';
import type { ResolvedSubject } from '../model/subject-model.js';

/** An entry's tier: priority first, then level (1 = owned by the subject's contact, 0 = any other owner). */
export interface Tier {
  readonly priority: number;
  readonly level: 0 | 1;
}

/** An entry whose owner the subject holds and whose operation satisfies the request. */
export interface PlannedEntry {
  readonly entry: EntryDef;
  readonly tier: Tier;
  /** How the subject holds the owner, in words. */
  readonly heldVia: string;
}

/**
 * What a subject may do for one operation before looking at any contact: the candidate entries sorted by tier
 * (highest first), and the two special cases. The in-memory decision and the SQL clause both start here.
 */
export interface AccessPlan {
  readonly operation: Operation | 'grant';
  readonly subject: ResolvedSubject;
  readonly administrator: boolean;
  readonly seesDeleted: boolean;
  readonly entries: readonly PlannedEntry[];
  /** Extension adjustments for non-administrators: allowed = (tiers allow or any widen) and every narrow. */
  readonly adjust: ScopeAdjustment;
}

/** Criteria an extension ANDs (narrow) or ORs (widen) into a decision, each with who contributed it. */
export interface ScopeAdjustment {
  readonly narrow: readonly { readonly criteria: Criteria; readonly via: string }[];
  readonly widen: readonly { readonly criteria: Criteria; readonly via: string }[];
}

/** No adjustment. */
export const NO_ADJUSTMENT: ScopeAdjustment = { narrow: [], widen: [] };

/**
 * Compares tiers: positive when `a` is higher.
 *
 * @example
 * ```ts
 * compareTiers({ priority: 1, level: 0 }, { priority: 0, level: 1 }) > 0; // true
 * ```
 */
export function compareTiers(a: Tier, b: Tier): number {
  return a.priority !== b.priority ? a.priority - b.priority : a.level - b.level;
}

/** Whether two tiers are equal. */
export function sameTier(a: Tier, b: Tier): boolean {
  return a.priority === b.priority && a.level === b.level;
}

/**
 * How the subject holds an owner, in words, or undefined when it does not hold it.
 *
 * @example
 * ```ts
 * ownerHeld({ type: 'authenticated' }, subject); // 'Authenticated (the subject has a user)'
 * ```
 */
export function ownerHeld(owner: OwnerRef, subject: Pick<ResolvedSubject, 'hasUser' | 'contactId' | 'groupIds' | 'roleIds' | 'via'>): string | undefined {
  switch (owner.type) {
    case 'everyone':
      return 'Everyone';
    case 'authenticated':
      return subject.hasUser ? 'Authenticated (the subject has a user)' : undefined;
    case 'contact':
      return owner.id === subject.contactId ? 'the subject’s own contact' : undefined;
    case 'group':
      return subject.groupIds.has(owner.id) ? `${subject.via.get(`group:${owner.id}`) ?? 'member'} of group ${owner.id}` : undefined;
    case 'role':
      return subject.roleIds.has(owner.id) ? `role ${owner.id} ${subject.via.get(`role:${owner.id}`) ?? ''}`.trim() : undefined;
  }
}

/**
 * Builds the plan for a subject and an operation from a policy snapshot: entries that are active, whose owner
 * the subject holds and whose operation satisfies the request, plus the entries functional permissions stand
 * for, sorted by tier.
 *
 * @example
 * ```ts
 * const plan = buildPlan(snapshot, subject, 'view');
 * plan.entries[0]?.tier; // the highest tier
 * ```
 */
export function buildPlan(
  snapshot: PolicySnapshot,
  subject: ResolvedSubject,
  operation: Operation | 'grant',
  adjust: ScopeAdjustment = NO_ADJUSTMENT,
): AccessPlan {
  const planned: PlannedEntry[] = [];
  const satisfies = (op: EntryDef['operation']): boolean => (operation === 'grant' ? op === 'grant' : operationSatisfies(op, operation));
  const consider = (entry: EntryDef): void => {
    if (!entry.active || entry.object.type === 'delegation' || !satisfies(entry.operation)) return;
    const heldVia = ownerHeld(entry.owner, subject);
    if (heldVia === undefined) return;
    planned.push({ entry, tier: { priority: entry.priority, level: entry.owner.type === 'contact' ? 1 : 0 }, heldVia });
  };
  snapshot.entries.forEach(consider);
  subject.extraEntries.forEach(consider);
  if (operation !== 'grant') {
    permissionEntries(subject.permissions, operation, subject.contactId).forEach(consider);
    if (subject.relations.length > 0 && (operation === 'view' || operation === 'edit')) {
      consider({
        id: null,
        key: null,
        effect: 'allow',
        operation,
        owner: { type: 'everyone' },
        object: { type: 'related', relationshipTypeId: null, permission: operation },
        priority: 0,
        active: true,
        source: 'relationship',
      });
    }
  }
  planned.sort((a, b) => compareTiers(b.tier, a.tier));
  return {
    operation,
    subject,
    administrator: subject.isAdministrator,
    seesDeleted: subject.permissions.has('access deleted contacts'),
    entries: planned,
    adjust,
  };
}
