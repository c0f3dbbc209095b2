/**
 * The reverse lookup, in memory: given one contact, every owner that holds an operation on it. The forward
 * decision (`decision-memory.ts`) starts from a subject and asks about a contact; this file starts from the
 * contact's own row (its fields, sub-types, memberships and relationships, read by indexed lookups) and walks
 * the snapshot's entries once, so its cost does not grow with the number of contacts.
 *
 * Each entry that covers the contact becomes a {@link WhoCanGrant} tied to the holder that must hold it;
 * {@link whoCanAllows} (in `who-can-decision.ts`) decides any subject from these grants alone, with the same
 * tiers as the forward decision, which is how the differential suite proves the two agree.
 */
import { permissionEntries } from '../model/functional-permissions.js';
import { operationSatisfies, type Operation } from '../model/operation-model.js';
import type { ContactFacts, EntryDef, OwnerRef, PolicySnapshot } from '../model/policy-model.js';
import { referencedGroups } from '../model/criteria-schema.js';
import type { Tier } from './access-plan.js';
import { isGroupMember, type MemoryContext } from './membership-memory.js';
import { objectCovers } from './decision-memory.js';

/** Who must hold a grant: an entry owner, or a functional permission (held however the subject holds it). */
export type WhoCanHolderRef =
  | OwnerRef
  | { readonly type: 'permission'; readonly name: string; readonly contactId: number | null };

/**
 * When a grant covers the contact only for some holders: a smart group whose criteria compare with the
 * subject's own fields (`tokens`), or a relationship the holder has with the contact (`related`).
 */
export type WhoCanCondition =
  | { readonly type: 'tokens'; readonly groupId: number }
  | { readonly type: 'related'; readonly relationshipTypeId: number | null; readonly permission: 'view' | 'edit' };

/** One entry that covers the contact, with the holder it needs. */
export interface WhoCanGrant {
  readonly holder: WhoCanHolderRef;
  readonly entry: EntryDef;
  readonly tier: Tier;
  readonly condition: WhoCanCondition | null;
}

/** A contact that reaches the looked-up contact through permissioned relationships. */
export interface ReverseRelation {
  /** The contact that holds the relationship (the would-be subject). */
  readonly holder: number;
  readonly typeId: number | null;
  readonly level: 'view' | 'edit';
  readonly degree: 1 | 2;
  /** In words, from the holder's side. */
  readonly path: string;
}

/** A tap that may grant more at run time than the stored policy says (listed, never decided in advance). */
export interface RuntimeGrantSource {
  /** The hook, e.g. `access`, `aclWhereClause`. */
  readonly hook: string;
  /** The tap's name. */
  readonly tap: string;
}

/** What the reverse lookup needs besides the snapshot. */
export interface ReverseLookupInput {
  readonly snapshot: PolicySnapshot;
  readonly operation: Operation;
  /** The looked-up contact's row. */
  readonly facts: ContactFacts;
  /** Who reaches the contact through relationships (see {@link ReverseRelation}). */
  readonly relations: readonly ReverseRelation[];
  /** Delegated entries as checked for their recipients (owner: the recipient's contact). */
  readonly delegated: readonly EntryDef[];
  /** Expands functional permissions with what they imply (the engine's permission registry). */
  readonly expand: (names: readonly string[]) => ReadonlySet<string>;
}

/** The in-memory part of the answer (the engine adds reach counts and runtime contributions). */
export interface ReverseLookup {
  readonly operation: Operation;
  readonly contactId: number;
  readonly contactDeleted: boolean;
  /** Active administrator roles: their holders may do everything (on a deleted contact only with `access deleted contacts`). */
  readonly administratorRoles: readonly number[];
  readonly grants: readonly WhoCanGrant[];
  /** For each functional permission among the grants, the active roles that hold it. */
  readonly permissionRoles: Readonly<Record<string, readonly number[]>>;
  readonly relations: readonly ReverseRelation[];
}

/** Whether a group's membership depends on the subject's own fields (tokens), through nesting too. */
function tokenized(groupId: number, snapshot: PolicySnapshot, seen = new Set<number>()): boolean {
  if (seen.has(groupId)) return false;
  seen.add(groupId);
  const group = snapshot.groups.get(groupId);
  if (!group?.active || group.kind !== 'smart' || group.criteria === null) return false;
  if (JSON.stringify(group.criteria).includes('"$subject"')) return true;
  return referencedGroups(group.criteria).some((id) => tokenized(id, snapshot, seen));
}

/** An object's coverage of the contact: yes, no, or a condition that depends on the holder. */
function coverage(entry: EntryDef, facts: ContactFacts, snapshot: PolicySnapshot): boolean | WhoCanCondition {
  const o = entry.object;
  switch (o.type) {
    case 'all-contacts':
      return true;
    case 'contact':
      return o.id === facts.id;
    case 'group-members': {
      if (tokenized(o.groupId, snapshot)) {
        // A tokenized group never covers a contact for a subject whose token field is empty; the static part
        // (Added / Removed) still decides without tokens, so keep the condition and let each subject decide.
        return { type: 'tokens', groupId: o.groupId };
      }
      const ctx: MemoryContext = { groups: snapshot.groups, subjectValues: {} };
      return isGroupMember(o.groupId, facts, ctx);
    }
    case 'related':
      return { type: 'related', relationshipTypeId: o.relationshipTypeId, permission: o.permission };
    case 'delegated':
      // As checked for its recipient: the parent's object with the granter's values, narrowed by criteria.
      return objectCovers(o, facts, { groups: snapshot.groups, subjectValues: {} });
    case 'contact-ids':
    case 'criteria':
    case 'delegation':
    case 'entity':
      // Stored delegations are looked up as checked for their recipients; the rest are never stored.
      return false;
  }
}

function tierOf(entry: EntryDef): Tier {
  return { priority: entry.priority, level: entry.owner.type === 'contact' ? 1 : 0 };
}

/**
 * Every entry that covers one contact for one operation, with who must hold it: stored entries (contacts,
 * groups, roles, Everyone, Authenticated), the entries functional permissions stand for, the built-in
 * relationship grant, and checked delegations; plus the administrator roles. Pure: the caller reads the
 * contact's row, its relationships and the delegations.
 *
 * @example
 * ```ts
 * const lookup = reverseLookup({ snapshot, operation: 'view', facts, relations: [], delegated: [], expand: (n) => registry.expand(n) });
 * lookup.grants.map((g) => g.holder); // [{ type: 'role', id: 2 }, { type: 'everyone' }, ...]
 * ```
 */
export function reverseLookup(input: ReverseLookupInput): ReverseLookup {
  const { snapshot, operation: op, facts } = input;
  const grants: WhoCanGrant[] = [];
  const add = (holder: WhoCanHolderRef, entry: EntryDef): void => {
    if (!entry.active || !operationSatisfies(entry.operation, op)) return;
    const covers = coverage(entry, facts, snapshot);
    if (covers === false) return;
    grants.push({ holder, entry, tier: tierOf(entry), condition: covers === true ? null : covers });
  };
  for (const entry of snapshot.entries) {
    if (entry.object.type === 'delegation' || entry.operation === 'grant') continue;
    add(entry.owner, entry);
  }
  for (const entry of input.delegated) add(entry.owner, entry);

  // Functional permissions: the all-contacts ones are held by whoever holds the permission; the own-contact
  // ones only by the contact itself.
  const anyPermission = { has: () => true } as unknown as ReadonlySet<string>;
  const permissionRoles: Record<string, number[]> = {};
  for (const entry of permissionEntries(anyPermission, op, facts.id)) {
    const name = entry.source.replace(/^permission:/, '');
    add({ type: 'permission', name, contactId: entry.owner.type === 'contact' ? entry.owner.id : null }, entry);
    permissionRoles[name] = [...snapshot.roles.values()]
      .filter((r) => r.active && input.expand(snapshot.rolePermissions.get(r.id) ?? []).has(name))
      .map((r) => r.id);
  }
  if (op === 'view' || op === 'edit') {
    add(
      { type: 'everyone' },
      {
        id: null,
        key: null,
        effect: 'allow',
        operation: op,
        owner: { type: 'everyone' },
        object: { type: 'related', relationshipTypeId: null, permission: op },
        priority: 0,
        active: true,
        source: 'relationship',
      },
    );
  }
  return {
    operation: op,
    contactId: facts.id,
    contactDeleted: facts.isDeleted,
    administratorRoles: [...snapshot.roles.values()].filter((r) => r.active && r.isAdministrator).map((r) => r.id),
    grants,
    permissionRoles,
    relations: input.relations,
  };
}
