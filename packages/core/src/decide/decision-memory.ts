import { compareTiers, sameTier, type AccessPlan, type PlannedEntry, type Tier } from './access-plan.js';
import { evaluateCriteria, isGroupMember, type MemoryContext } from './membership-memory.js';
import { criteriaTooDeep, objectTooDeep } from '../model/group-nesting.js';
import type { ContactFacts, ObjectRef, PolicySnapshot } from '../model/policy-model.js';
import { relationCovers } from '../model/relationship-model.js';

/** Why a decision came out the way it did. */
export type DecisionReason =
  | 'administrator'
  | 'deleted'
  | 'not-found'
  | 'other-domain'
  | 'no-applicable-entry'
  | 'allowed-by-entry'
  | 'denied-by-entry'
  | 'allowed-by-extension'
  | 'denied-by-extension'
  | 'error';

/** An applicable entry that did not decide, and why. */
export interface LosingEntry {
  readonly entry: PlannedEntry;
  readonly why: 'lower-tier' | 'deny-beats-allow' | 'same-outcome';
}

/** The full account of one in-memory decision. */
export interface DecisionDetail {
  readonly allowed: boolean;
  readonly reason: DecisionReason;
  /** Every applicable entry, highest tier first. */
  readonly applicable: readonly PlannedEntry[];
  readonly decidingTier: Tier | null;
  readonly deciding: PlannedEntry | null;
  readonly losers: readonly LosingEntry[];
  /** Allow and deny both owned by the subject's contact in the deciding tier (an administrator should fix it). */
  readonly conflicts: readonly { readonly allow: PlannedEntry; readonly deny: PlannedEntry }[];
  /** The extension adjustment that changed the outcome, if any (e.g. `hook tap 'og-sync'`). */
  readonly extension: string | null;
}

/**
 * Whether an entry's object covers a contact, in memory.
 *
 * @example
 * ```ts
 * objectCovers({ type: 'group-members', groupId: 3 }, facts, ctx);
 * ```
 */
export function objectCovers(object: ObjectRef, facts: ContactFacts, ctx: MemoryContext): boolean {
  switch (object.type) {
    case 'all-contacts':
      return true;
    case 'contact':
      return object.id === facts.id;
    case 'group-members':
      return isGroupMember(object.groupId, facts, ctx);
    case 'contact-ids':
      return object.ids.includes(facts.id);
    case 'criteria':
      return evaluateCriteria(object.criteria, facts, ctx);
    case 'related':
      return relationCovers(ctx.relations ?? [], facts.id, object.relationshipTypeId, object.permission);
    case 'delegated': {
      const granterCtx: MemoryContext = { groups: ctx.groups, subjectValues: object.granterValues };
      return objectCovers(object.base, facts, granterCtx) && (object.criteria === null || evaluateCriteria(object.criteria, facts, granterCtx));
    }
    case 'delegation':
    case 'entity':
      return false;
  }
}

function outcome(reason: DecisionReason, allowed: boolean): DecisionDetail {
  return { allowed, reason, applicable: [], decidingTier: null, deciding: null, losers: [], conflicts: [], extension: null };
}

/**
 * Decides one contact in memory: deleted contacts are hidden unless the subject may see them, an administrator
 * is allowed, otherwise the highest tier among the applicable entries decides and deny beats allow inside it;
 * no applicable entry means deny.
 *
 * @example
 * ```ts
 * const detail = decideInMemory(plan, snapshot, facts);
 * detail.allowed; // boolean
 * ```
 */
export function decideInMemory(
  plan: AccessPlan,
  snapshot: PolicySnapshot,
  facts: ContactFacts | undefined,
): DecisionDetail {
  if (!facts) return outcome('not-found', false);
  if (facts.domainId !== null && facts.domainId !== plan.subject.domainId) return outcome('other-domain', false);
  if (facts.isDeleted && !plan.seesDeleted) return outcome('deleted', false);
  if (plan.administrator) return outcome('administrator', true);
  const ctx: MemoryContext = { groups: snapshot.groups, subjectValues: plan.subject.values, relations: plan.subject.relations };
  const detail = decideByTiers(plan, ctx, facts);
  // (tiers allow or any widen) and every narrow: the same function the SQL form compiles.
  const widen = detail.allowed
    ? undefined
    : plan.adjust.widen.find((w) => !criteriaTooDeep(w.criteria, ctx.groups) && evaluateCriteria(w.criteria, facts, ctx));
  if (!detail.allowed && !widen) return detail;
  const narrow = plan.adjust.narrow.find((n) => criteriaTooDeep(n.criteria, ctx.groups) || !evaluateCriteria(n.criteria, facts, ctx));
  if (narrow) return { ...detail, allowed: false, reason: 'denied-by-extension', extension: narrow.via };
  return widen ? { ...detail, allowed: true, reason: 'allowed-by-extension', extension: widen.via } : detail;
}

function decideByTiers(plan: AccessPlan, ctx: MemoryContext, facts: ContactFacts): DecisionDetail {
  // An entry naming a group nested too deep fails closed on its own: a deny covers, an allow does not.
  const applicable = plan.entries.filter((p) =>
    objectTooDeep(p.entry.object, ctx.groups) ? p.entry.effect === 'deny' : objectCovers(p.entry.object, facts, ctx),
  );
  const top = applicable[0];
  if (!top) return { ...outcome('no-applicable-entry', false), applicable };
  const inTier = applicable.filter((p) => sameTier(p.tier, top.tier));
  const denies = inTier.filter((p) => p.entry.effect === 'deny');
  const allows = inTier.filter((p) => p.entry.effect === 'allow');
  const deciding = (denies[0] ?? allows[0]) as PlannedEntry;
  const losers: LosingEntry[] = applicable
    .filter((p) => p !== deciding)
    .map((p) => ({
      entry: p,
      why:
        compareTiers(p.tier, top.tier) < 0
          ? 'lower-tier'
          : p.entry.effect === deciding.entry.effect
            ? 'same-outcome'
            : 'deny-beats-allow',
    }));
  const contactLevel = (p: PlannedEntry): boolean => p.entry.owner.type === 'contact';
  const conflicts = allows
    .filter(contactLevel)
    .flatMap((allow) => denies.filter(contactLevel).map((deny) => ({ allow, deny })));
  return {
    allowed: denies.length === 0,
    reason: denies.length === 0 ? 'allowed-by-entry' : 'denied-by-entry',
    applicable,
    decidingTier: top.tier,
    deciding,
    losers,
    conflicts,
    extension: null,
  };
}
