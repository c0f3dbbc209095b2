import { compareTiers, ownerHeld, sameTier, type Tier } from './access-plan.js';
import { isGroupMember } from './membership-memory.js';
import type { ContactFacts, GroupDef } from '../model/policy-model.js';
import { relationCovers } from '../model/relationship-model.js';
import type { ResolvedSubject } from '../model/subject-model.js';
import type { ReverseLookup, WhoCanGrant, WhoCanHolderRef } from './who-can.js';

/**
 * The part of a resolved subject the reverse lookup reads: what it holds (a `ResolvedSubject` is one).
 *
 * @example
 * ```ts
 * const holdings: SubjectHoldings = (await domain.subject({ userId: 'wp:3' }).resolve())!;
 * ```
 */
export type SubjectHoldings = Pick<ResolvedSubject, 'contactId' | 'hasUser' | 'groupIds' | 'roleIds' | 'via' | 'permissions' | 'values'>;

/**
 * Whether a subject holds a grant's holder: an owner as the forward plan holds it (its contact, its static
 * groups, its roles, Everyone, Authenticated when it has a user), or a functional permission (on its own
 * contact only, for `view my contact` / `edit my contact`).
 *
 * @example
 * ```ts
 * holdsHolder({ type: 'role', id: 2 }, subject); // true when the subject holds role 2
 * ```
 */
export function holdsHolder(holder: WhoCanHolderRef, subject: SubjectHoldings): boolean {
  if (holder.type === 'permission') {
    return subject.permissions.has(holder.name) && (holder.contactId === null || holder.contactId === subject.contactId);
  }
  return ownerHeld(holder, subject) !== undefined;
}

/**
 * Whether one grant applies to a subject: the subject holds its holder and, for a conditional grant, the
 * condition holds for it (its token fields put the contact in the group, or it reaches the contact through a
 * relationship of the right type and level).
 *
 * @example
 * ```ts
 * grantApplies(lookup, lookup.grants[0], subject, facts, snapshot.groups);
 * ```
 */
export function grantApplies(
  lookup: ReverseLookup,
  grant: WhoCanGrant,
  subject: SubjectHoldings,
  facts: ContactFacts,
  groups: ReadonlyMap<number, GroupDef>,
): boolean {
  if (!holdsHolder(grant.holder, subject)) return false;
  const c = grant.condition;
  if (c === null) return true;
  if (c.type === 'tokens') return isGroupMember(c.groupId, facts, { groups, subjectValues: subject.values });
  if (subject.contactId === null) return false;
  const relations = lookup.relations
    .filter((r) => r.holder === subject.contactId)
    .map((r) => ({ contactId: lookup.contactId, typeId: r.typeId, level: r.level, degree: r.degree, path: r.path }));
  return relationCovers(relations, lookup.contactId, c.relationshipTypeId, c.permission);
}

/**
 * The outcome of a set of applicable grants: highest tier decides, deny beats allow inside it; none -> deny.
 *
 * @example
 * ```ts
 * decideGrants(lookup.grants.filter((g) => g.holder.type === 'role')).allowed;
 * ```
 */
export function decideGrants(applicable: readonly WhoCanGrant[]): { allowed: boolean; deciding: WhoCanGrant | null; tier: Tier | null } {
  let top: Tier | null = null;
  for (const g of applicable) if (top === null || compareTiers(g.tier, top) > 0) top = g.tier;
  if (top === null) return { allowed: false, deciding: null, tier: null };
  const inTier = applicable.filter((g) => sameTier(g.tier, top));
  const deny = inTier.find((g) => g.entry.effect === 'deny');
  return { allowed: deny === undefined, deciding: deny ?? inTier[0] ?? null, tier: top };
}

/**
 * Decides a subject from the reverse lookup alone (no hook adjustments): a deleted contact needs `access
 * deleted contacts`; then an administrator role allows; otherwise the grants that apply to the subject are
 * ranked in tiers exactly as the forward decision ranks its plan. For every subject of a domain without hooks
 * this equals `check`; the differential suite holds it to that.
 *
 * @example
 * ```ts
 * whoCanAllows(lookup, subject, facts, snapshot.groups) === (await domain.subject({ contactId: 7 }).check('view', 12));
 * ```
 */
export function whoCanAllows(
  lookup: ReverseLookup,
  subject: SubjectHoldings,
  facts: ContactFacts,
  groups: ReadonlyMap<number, GroupDef>,
): boolean {
  if (lookup.contactDeleted && !subject.permissions.has('access deleted contacts')) return false;
  if (lookup.administratorRoles.some((id) => subject.roleIds.has(id))) return true;
  return decideGrants(lookup.grants.filter((g) => grantApplies(lookup, g, subject, facts, groups))).allowed;
}
