import { canonicalJson, splitKey, type NormalContact, type NormalDelegation, type NormalPolicy } from './policy-normal-form.js';
import { isUnkeyed } from './policy-state-read.js';
import { madeLink, type PolicyProvenance } from './policy-provenance.js';

/**
 * The kinds of object a policy holds, in the order they are listed.
 *
 * @example
 * ```ts
 * CHANGE_KINDS[0]; // 'contact'
 * ```
 */
export const CHANGE_KINDS = [
  'contact',
  'user-link',
  'group',
  'membership',
  'role',
  'permission',
  'assignment',
  'entry',
  'relationship-type',
  'relationship',
  'delegation',
] as const;
/**
 * A kind of policy object.
 *
 * @example
 * ```ts
 * const kind: ChangeKind = 'entry';
 * ```
 */
export type ChangeKind = (typeof CHANGE_KINDS)[number];

/**
 * One change that applying a policy makes: an object to create, update (with the fields that differ) or
 * delete. `key` is the object's key in the {@link NormalPolicy} maps.
 *
 * @example
 * ```ts
 * const change: Change = { kind: 'entry', action: 'update', key: 'wall', label: "entry 'wall'", fields: ['priority'], before: { priority: 0 }, after: { priority: 10 } };
 * ```
 */
export interface Change {
  readonly kind: ChangeKind;
  readonly action: 'create' | 'update' | 'delete';
  readonly key: string;
  readonly label: string;
  readonly fields: readonly string[];
  readonly before: Readonly<Record<string, unknown>> | null;
  readonly after: Readonly<Record<string, unknown>> | null;
  /** Why a change is needed when it is not obvious (for example a delegation re-created with its parent). */
  readonly note?: string;
}

/**
 * A change that cannot be made (for example a group changing kind), with the object it concerns.
 *
 * @example
 * ```ts
 * const c: DiffConflict = { kind: 'group', key: 'Managers', message: 'a group cannot change kind' };
 * ```
 */
export interface DiffConflict {
  readonly kind: ChangeKind;
  readonly key: string;
  readonly message: string;
}

/**
 * What applying a policy would do.
 *
 * @example
 * ```ts
 * const diff = diffPolicies(desired, current, { prune: false });
 * diff.changes.length === 0; // the database already matches
 * ```
 */
export interface PolicyDiff {
  readonly changes: readonly Change[];
  readonly conflicts: readonly DiffConflict[];
  readonly counts: { readonly create: number; readonly update: number; readonly delete: number };
}

/** Describes an object for people. */
function labelOf(kind: ChangeKind, key: string): string {
  const parts = splitKey(key).map((p) => (isUnkeyed(p) ? `contact ${p.slice(1)}` : p));
  switch (kind) {
    case 'membership':
      return `member '${parts[1]}' of group '${parts[0]}'`;
    case 'permission':
      return `permission '${parts[1]}' of role '${parts[0]}'`;
    case 'assignment':
      return `role '${parts[0]}' assigned to ${parts[1]} '${parts[2]}'`;
    case 'relationship':
      return `relationship ${parts[0]}: '${parts[1]}' -> '${parts[2]}'`;
    case 'user-link':
      return `user link of contact '${parts[0]}'`;
    default:
      return `${kind} '${parts[0]}'`;
  }
}

function compare<T>(
  kind: ChangeKind,
  desired: ReadonlyMap<string, T>,
  current: ReadonlyMap<string, T>,
  fieldsOf: (value: T) => Record<string, unknown>,
  prune: boolean,
  out: Change[],
  skipDelete: (key: string, value: T) => boolean = () => false,
): void {
  for (const [key, want] of desired) {
    const have = current.get(key);
    const after = fieldsOf(want);
    if (have === undefined) {
      out.push({ kind, action: 'create', key, label: labelOf(kind, key), fields: [], before: null, after });
      continue;
    }
    const before = fieldsOf(have);
    const fields = Object.keys(after).filter((f) => canonicalJson(after[f]) !== canonicalJson(before[f]));
    if (fields.length > 0) {
      out.push({
        kind,
        action: 'update',
        key,
        label: labelOf(kind, key),
        fields,
        before: Object.fromEntries(fields.map((f) => [f, before[f] ?? null])),
        after: Object.fromEntries(fields.map((f) => [f, after[f] ?? null])),
      });
    }
  }
  if (!prune) return;
  for (const [key, have] of current) {
    if (desired.has(key) || skipDelete(key, have)) continue;
    out.push({ kind, action: 'delete', key, label: labelOf(kind, key), fields: [], before: fieldsOf(have), after: null });
  }
}

/**
 * Compares the policy a file asks for with the one stored, object by object, by key. Without `prune` nothing
 * is deleted; with it, whatever the file does not have is (contacts are marked deleted, never erased), except
 * contacts and user links that a policy file did not create: with `created` (see `readProvenance`) only those it
 * lists are pruned; without it, none are (contacts and links made by hand or by a host sync always survive).
 * A user link the file moves to another contact is always unlinked from the old one. Contact attributes are
 * compared for the attributes the file declares.
 *
 * @example
 * ```ts
 * const { changes, counts } = diffPolicies(validated.policy, state.policy, { prune: true, created: await readProvenance(engine, domain.id, keys) });
 * ```
 */
export function diffPolicies(
  desired: NormalPolicy,
  current: NormalPolicy,
  options: { prune: boolean; created?: PolicyProvenance | undefined },
): PolicyDiff {
  const changes: Change[] = [];
  const conflicts: DiffConflict[] = [];
  const { prune } = options;
  const created: PolicyProvenance = options.created ?? { contacts: new Set(), userLinks: new Set() };
  const declared = [...desired.attributes.keys()];
  const contactFields = (c: NormalContact): Record<string, unknown> => ({
    type: c.contactType,
    name: c.sortName,
    subTypes: c.subTypes,
    attributes: Object.fromEntries(declared.map((a) => [a, c.attributes[a] ?? null])),
    deleted: c.deleted,
  });
  // Pruning a contact marks it deleted; one that already is needs nothing.
  compare('contact', desired.contacts, current.contacts, contactFields, false, changes);
  if (prune) {
    for (const [key, have] of current.contacts) {
      if (desired.contacts.has(key) || have.deleted || !created.contacts.has(key)) continue;
      changes.push({ kind: 'contact', action: 'delete', key, label: labelOf('contact', key), fields: ['deleted'], before: { deleted: false }, after: { deleted: true } });
    }
  }

  // User links: a user the file gives to another contact is unlinked from its current contact.
  compare('user-link', desired.userLinks, current.userLinks, (user) => ({ user }), prune, changes, (contact, user) => !madeLink(created, contact, user));
  if (!prune) {
    const wanted = new Map([...desired.userLinks].map(([contact, user]) => [user, contact]));
    for (const [contact, user] of current.userLinks) {
      const target = wanted.get(user);
      if (target !== undefined && target !== contact && !desired.userLinks.has(contact)) {
        changes.push({ kind: 'user-link', action: 'delete', key: contact, label: labelOf('user-link', contact), fields: [], before: { user }, after: null });
      }
    }
  }

  compare('group', desired.groups, current.groups, (g) => ({ kind: g.kind, criteria: g.criteria, active: g.active }), prune, changes);
  for (const [name, want] of desired.groups) {
    const have = current.groups.get(name);
    if (have && have.kind !== want.kind) {
      conflicts.push({
        kind: 'group',
        key: name,
        message: `group '${name}' is ${have.kind} in the database and ${want.kind} in the file; a group cannot change kind (rename it, or remove it with --prune first)`,
      });
    }
  }
  compare('membership', desired.memberships, current.memberships, (m) => ({ status: m.status }), prune, changes);
  compare('role', desired.roles, current.roles, (r) => ({ administrator: r.administrator, active: r.active }), prune, changes);
  compare('permission', desired.permissions, current.permissions, () => ({}), prune, changes);
  compare('assignment', desired.assignments, current.assignments, (a) => ({ active: a.active }), prune, changes);
  compare(
    'entry',
    desired.entries,
    current.entries,
    (e) => ({ effect: e.effect, operation: e.operation, owner: e.owner, object: e.object, priority: e.priority, active: e.active }),
    prune,
    changes,
  );
  compare('relationship-type', desired.relationshipTypes, current.relationshipTypes, (t) => ({ nameBA: t.nameBA, permissionAB: t.permissionAB, permissionBA: t.permissionBA, active: t.active }), prune, changes);
  compare('relationship', desired.relationships, current.relationships, (r) => ({ active: r.active, startDate: r.startDate, endDate: r.endDate }), prune, changes);

  // Delegations: only `active` changes in place; any other change re-creates the delegation, and with it every
  // delegation derived from it (they would otherwise lose their parent).
  const delegationFields = (d: NormalDelegation): Record<string, unknown> => ({
    granter: d.granter,
    recipient: d.recipient,
    parent: d.parent,
    operation: d.operation,
    criteria: d.criteria,
    active: d.active,
  });
  const delegationChanges: Change[] = [];
  compare('delegation', desired.delegations, current.delegations, delegationFields, prune, delegationChanges);
  const recreated = new Set(delegationChanges.filter((c) => c.action === 'update' && c.fields.some((f) => f !== 'active')).map((c) => c.key));
  let grew = true;
  while (grew) {
    grew = false;
    for (const [key, d] of desired.delegations) {
      if (recreated.has(key) || !recreated.has(d.parent) || !current.delegations.has(key)) continue;
      recreated.add(key);
      grew = true;
      const existing = delegationChanges.findIndex((c) => c.key === key);
      const change: Change = {
        kind: 'delegation',
        action: 'update',
        key,
        label: labelOf('delegation', key),
        fields: ['parent'],
        before: { parent: d.parent },
        after: { parent: d.parent },
        note: `re-created with its parent '${d.parent}'`,
      };
      if (existing >= 0) delegationChanges.splice(existing, 1, { ...(delegationChanges[existing] as Change), fields: [...new Set([...(delegationChanges[existing] as Change).fields, 'parent'])], note: change.note });
      else delegationChanges.push(change);
    }
  }
  changes.push(...delegationChanges);

  const counts = { create: 0, update: 0, delete: 0 };
  for (const c of changes) counts[c.action] += 1;
  return { changes, conflicts, counts };
}
