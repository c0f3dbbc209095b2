import { buildPlan, ownerHeld } from './access-plan.js';
import { decideInMemory } from './decision-memory.js';
import { PolicyError } from '../model/engine-errors.js';
import type { PermissionRegistry } from '../model/functional-permissions.js';
import { operationWithin, type EntryOperation } from '../model/operation-model.js';
import type { ContactFacts, EntryDef, PolicySnapshot } from '../model/policy-model.js';
import { loadContactFacts, loadRelationships, type StoreContext } from '../store/policy-store.js';
import { computeRelations } from '../model/relationship-model.js';
import { linkedContactOf, linkedUserOf } from '../store/user-links.js';
import type { ResolvedSubject, SubjectInput } from '../model/subject-model.js';
import { deepFreeze, FrozenSet, immutableCopy } from '../model/deep-freeze.js';

/**
 * Supplies functional permissions for a subject from the host's own permission system (Drupal roles,
 * WordPress capabilities, ...). What it returns is added to the permissions stored per role; throwing makes
 * every decision for that subject deny.
 *
 * @example
 * ```ts
 * const provider: PermissionProvider = async ({ userId }) => (userId === 'admin' ? ['administer CRM'] : []);
 * ```
 */
export type PermissionProvider = (subject: {
  readonly domainId: number;
  /** The subject's contact, deleted or not. */
  readonly contactId: number | null;
  /** The subject's host user: the one given, or the one linked to the contact given. */
  readonly userId: string | null;
  /**
   * Whether that contact is deleted: the subject then resolves like an anonymous visitor (SPEC section 3 rule
   * 7), and what the provider returns is all it holds besides Everyone.
   */
  readonly contactDeleted: boolean;
}) => readonly string[] | Promise<readonly string[]>;

/** What an extension adds to a subject at resolution time (see `@rowguard/hooks`). */
export interface SubjectContribution {
  readonly groupIds?: readonly number[];
  readonly roleIds?: readonly number[];
  readonly entries?: readonly EntryDef[];
  readonly permissions?: readonly string[];
  /** How each contribution came about, keyed like `group:3`, for explanations. */
  readonly via?: ReadonlyMap<string, string>;
}

/** The subject as extensions see it before roles and permissions are expanded. */
export type SubjectBase = Omit<ResolvedSubject, 'roleIds' | 'isAdministrator' | 'permissions' | 'extraEntries'>;

/** A hook the engine calls after the stored holdings are resolved and before roles are expanded. */
export type SubjectContributor = (subject: SubjectBase, snapshot: PolicySnapshot) => Promise<SubjectContribution | undefined>;

/**
 * Overrides functional-permission checks for a subject: `allow` adds a permission (with what it implies),
 * `deny` removes one; deny wins over allow.
 */
export type PermissionOverride = (
  subject: Omit<ResolvedSubject, 'isAdministrator' | 'permissions' | 'extraEntries'>,
  held: ReadonlySet<string>,
) => Promise<{ readonly allow?: readonly string[]; readonly deny?: readonly string[] } | undefined>;

/** Settings of subject resolution. */
export interface ResolveOptions {
  readonly registry: PermissionRegistry;
  readonly permissionProvider?: PermissionProvider | undefined;
  readonly contributor?: SubjectContributor | undefined;
  readonly permissionOverride?: PermissionOverride | undefined;
  /** Today, `YYYY-MM-DD`. */
  readonly today: string;
  readonly secondDegree: boolean;
}

const MAX_DELEGATION_DEPTH = 8;

function narrowerOperation(a: EntryOperation, b: EntryOperation): EntryOperation | undefined {
  if (operationWithin(a, b)) return a;
  if (operationWithin(b, a)) return b;
  return undefined;
}

/**
 * Resolves a subject against a snapshot: finds its contact (or, given a contact, its user) through the user
 * link, reads its field values (for tokens), group memberships and relationships, then the roles held directly
 * or through static groups, administrator status, functional permissions (stored per role, from the host, implications expanded), and
 * the delegations made to it that are still within their parents.
 *
 * A subject whose own contact is deleted resolves like an anonymous visitor (no contact, no user, no values,
 * groups, relationships, roles or delegations; `deletedContactId` says why) until the contact is restored;
 * only the permission provider and the extension (told `contactDeleted` / `deletedContactId`) can give it
 * more. Extensions receive immutable copies, and the result is deeply immutable.
 *
 * @example
 * ```ts
 * const subject = await resolveSubject(store, snapshot, { userId: 'u-17' }, { registry, today: '2026-11-22', secondDegree: false });
 * subject.roleIds; // Set { 2, 5 }
 * ```
 */
export async function resolveSubject(
  store: StoreContext,
  snapshot: PolicySnapshot,
  input: SubjectInput,
  options: ResolveOptions,
  depth = 0,
): Promise<ResolvedSubject & { readonly facts: ContactFacts | null }> {
  const domainId = snapshot.domainId;
  let contactId = input.contactId ?? null;
  let userId = input.userId ?? null;
  let hasUser = userId !== null;
  if (userId !== null) {
    const linked = await linkedContactOf(store, domainId, userId);
    if (linked !== null && contactId !== null && linked !== contactId) {
      throw new PolicyError('invalid_input', `user '${userId}' is linked to contact ${linked}, not ${contactId}`, { userId, contactId, linked });
    }
    contactId = contactId ?? linked;
  } else if (contactId !== null) {
    // A subject given by contact id carries its linked user, as one given by user id does.
    userId = await linkedUserOf(store, domainId, contactId);
    hasUser = userId !== null;
  }

  const via = new Map<string, string>();
  const groupIds = new Set<number>();
  let values: Record<string, string | number | null> = {};
  let facts: ContactFacts | null = null;
  let relations: ResolvedSubject['relations'] = [];
  let firstRows: Awaited<ReturnType<typeof loadRelationships>> = [];
  if (contactId !== null) {
    const [loaded, rows] = await Promise.all([
      loadContactFacts(store, [contactId]),
      snapshot.relationshipTypes.size > 0 ? loadRelationships(store, domainId, [contactId]) : Promise.resolve([]),
    ]);
    firstRows = rows;
    facts = loaded.get(contactId) ?? null;
    if (!facts || (facts.domainId !== null && facts.domainId !== domainId)) {
      throw new PolicyError('unknown_contact', `subject contact ${contactId} does not exist in domain ${domainId}`, { contactId, domainId });
    }
  }
  let deletedContactId: number | null = null;
  if (facts?.isDeleted) {
    // SPEC section 3 rule 7: a deleted subject holds what an anonymous visitor holds.
    deletedContactId = contactId;
    contactId = null;
    hasUser = false;
    facts = null;
  }
  if (contactId !== null && facts !== null) {
    values = { ...facts.values };
    for (const [groupId, status] of facts.statuses) {
      const group = snapshot.groups.get(groupId);
      if (status === 'Added' && group?.active && group.kind === 'static') {
        groupIds.add(groupId);
        via.set(`group:${groupId}`, 'member');
      }
    }
    let rows = firstRows;
    if (options.secondDegree && rows.length > 0) {
      const middle = rows.flatMap((r) => [r.contactA, r.contactB]).filter((id) => id !== contactId);
      rows = await loadRelationships(store, domainId, [contactId, ...middle]);
    }
    relations = computeRelations(contactId, rows, snapshot.relationshipTypes, options.today, options.secondDegree);
  }

  const base: SubjectBase = { domainId, contactId, deletedContactId, userId, hasUser, values, groupIds, via, relations };
  const contribution = options.contributor ? await options.contributor(immutableCopy(base), snapshot) : undefined;
  for (const id of contribution?.groupIds ?? []) groupIds.add(id);
  for (const [k, v] of contribution?.via ?? []) via.set(k, v);

  const roleIds = new Set<number>(contribution?.roleIds ?? []);
  for (const a of snapshot.assignments) {
    if (!a.active || !snapshot.roles.get(a.roleId)?.active) continue;
    if (a.assigneeType === 'contact' && a.assigneeId === contactId) {
      roleIds.add(a.roleId);
      via.set(`role:${a.roleId}`, 'assigned to the subject');
    } else if (a.assigneeType === 'group' && groupIds.has(a.assigneeId)) {
      roleIds.add(a.roleId);
      if (!via.has(`role:${a.roleId}`)) via.set(`role:${a.roleId}`, `via group ${a.assigneeId}`);
    }
  }
  for (const id of roleIds) if (!snapshot.roles.get(id)?.active) roleIds.delete(id);
  const isAdministrator = [...roleIds].some((id) => snapshot.roles.get(id)?.isAdministrator === true);

  const granted: string[] = [...(contribution?.permissions ?? [])];
  for (const id of roleIds) granted.push(...(snapshot.rolePermissions.get(id) ?? []));
  if (options.permissionProvider) {
    const contactDeleted = deletedContactId !== null;
    granted.push(...(await options.permissionProvider({ domainId, contactId: contactId ?? deletedContactId, userId, contactDeleted })));
  }
  let permissions = options.registry.expand(granted);
  if (options.permissionOverride) {
    const verdict = await options.permissionOverride(immutableCopy({ ...base, roleIds }), new FrozenSet(permissions));
    permissions = options.registry.expand([...permissions, ...(verdict?.allow ?? [])]);
    for (const name of verdict?.deny ?? []) permissions.delete(name);
  }

  const resolved = { ...base, roleIds, isAdministrator, permissions, extraEntries: [...(contribution?.entries ?? [])], facts };
  if (facts !== null) resolved.extraEntries.push(...(await checkedDelegations(store, snapshot, resolved, facts, options, depth)));
  return deepFreeze(resolved);
}

/**
 * The delegations made to a subject, each checked against its parent at this very moment: the parent is an
 * active allow the granter still holds, the granter still has a grant right covering the subject, and the
 * operation is narrowed to what both allow. What fails any of these is dropped (access shrinks or stops).
 */
async function checkedDelegations(
  store: StoreContext,
  snapshot: PolicySnapshot,
  recipient: ResolvedSubject,
  facts: ContactFacts,
  options: ResolveOptions,
  depth: number,
): Promise<EntryDef[]> {
  const stored = snapshot.entries.filter(
    (e) => e.active && e.object.type === 'delegation' && e.owner.type === 'contact' && e.owner.id === recipient.contactId,
  );
  if (stored.length === 0 || depth >= MAX_DELEGATION_DEPTH) return [];
  const byId = new Map(snapshot.entries.map((e) => [e.id, e]));
  const granters = new Map<number, ResolvedSubject | null>();
  const out: EntryDef[] = [];
  for (const entry of stored) {
    if (entry.object.type !== 'delegation') continue;
    const { parentEntryId, granterId, criteria } = entry.object;
    const parent = byId.get(parentEntryId);
    if (!parent || !parent.active || parent.effect !== 'allow' || parent.operation === 'grant' || granterId === recipient.contactId) continue;
    if (!granters.has(granterId)) {
      granters.set(
        granterId,
        await resolveSubject(store, snapshot, { contactId: granterId }, options, depth + 1).catch(() => null),
      );
    }
    const granter = granters.get(granterId);
    if (!granter) continue;
    // The parent as the granter holds it now: a stored entry they own, or a delegation they received.
    let base = parent.object;
    if (parent.object.type === 'delegation') {
      const held = granter.extraEntries.find((e) => e.id === parent.id && e.object.type === 'delegated');
      if (!held) continue;
      base = held.object;
    } else if (ownerHeld(parent.owner, granter) === undefined) continue;
    if (base.type === 'related' || base.type === 'entity') continue;
    // The grant right: the granter's `grant` entries, decided by tiers over the recipient's contact.
    if (!decideInMemory(buildPlan(snapshot, granter, 'grant'), snapshot, facts).allowed) continue;
    const operation = narrowerOperation(entry.operation, parent.operation);
    if (!operation) continue;
    out.push({
      ...entry,
      operation,
      object: { type: 'delegated', parentEntryId, granterId, base, criteria, granterValues: granter.values },
      source: `delegation from contact ${granterId} (parent entry ${parentEntryId})`,
    });
  }
  return out;
}
