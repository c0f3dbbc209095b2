import type { EntryInput, EntryOperation, PolicyAdmin } from '@rowguard/core';
import { asPolicyFileError } from './failure-classify.js';
import { formatProblem, PolicyFileError } from './policy-file-error.js';
import { criteriaGroupNames, criteriaToIds } from './criteria-keys.js';
import type { DocPath, PolicyText } from './policy-file-read.js';
import type { Change, ChangeKind } from './policy-diff.js';
import { splitKey, type NormalObject, type NormalOwner, type NormalPolicy } from './policy-normal-form.js';
import type { StateIds } from './policy-state-read.js';
import type { Progress } from './policy-reporter.js';

/**
 * What writing a diff needs.
 *
 * @example
 * ```ts
 * await admin.transaction((tx) => writeChanges(diff.changes, { admin: tx, desired, current, ids, progress }));
 * ```
 */
export interface ApplyContext {
  /** The write API, already inside one transaction. */
  readonly admin: PolicyAdmin;
  readonly desired: NormalPolicy;
  readonly current: NormalPolicy;
  /** Ids of stored objects; filled in as objects are created. */
  readonly ids: StateIds;
  readonly progress: Progress;
  /** For error messages: the file and where each object is written. */
  readonly text?: PolicyText | undefined;
  readonly origins?: ReadonlyMap<string, DocPath> | undefined;
}

/** Order of the smart groups so that a group comes after every group its criteria refer to. */
function dependencyOrder(policy: NormalPolicy, names: readonly string[]): string[] {
  const wanted = new Set(names);
  const out: string[] = [];
  const seen = new Set<string>();
  const visit = (name: string): void => {
    if (seen.has(name)) return;
    seen.add(name);
    const g = policy.groups.get(name);
    for (const dep of g?.criteria ? criteriaGroupNames(g.criteria) : []) visit(dep);
    if (wanted.has(name)) out.push(name);
  };
  for (const name of names) visit(name);
  return out;
}

function need(map: ReadonlyMap<string, number>, key: string, what: string): number {
  const id = map.get(key);
  if (id === undefined) throw new PolicyFileError('unknown_reference', 'refused', `${what} '${key}' has no id (not stored)`);
  return id;
}

function ownerInput(owner: NormalOwner, ids: StateIds): EntryInput['owner'] {
  switch (owner.type) {
    case 'everyone':
    case 'authenticated':
      return { type: owner.type };
    case 'contact':
      return { type: 'contact', id: need(ids.contacts, owner.key, 'contact') };
    case 'group':
      return { type: 'group', id: need(ids.groups, owner.key, 'group') };
    case 'role':
      return { type: 'role', id: need(ids.roles, owner.key, 'role') };
  }
}

function objectInput(object: NormalObject, ids: StateIds): EntryInput['object'] {
  switch (object.type) {
    case 'all-contacts':
      return { type: 'all-contacts' };
    case 'contact':
      return { type: 'contact', id: need(ids.contacts, object.key, 'contact') };
    case 'group-members':
      return { type: 'group-members', groupId: need(ids.groups, object.group, 'group') };
    case 'related':
      return {
        type: 'related',
        relationshipTypeId: object.relationshipType === null ? null : need(ids.relationshipTypes, object.relationshipType, 'relationship type'),
        permission: object.permission,
      };
    case 'entity-group':
      return { type: 'entity', entity: 'group', id: object.group === null ? null : need(ids.groups, object.group, 'group') };
    case 'entity':
      return { type: 'entity', entity: object.entity, id: object.id };
  }
}

/**
 * Writes a diff through the engine's write API, in dependency order: contacts, groups (referenced groups first),
 * memberships, roles, permissions, assignments, user links, relationship types, relationships, entries,
 * delegations switched on/off (or removed to be re-created); then, when pruning, the deletions in reverse order
 * (relationships and entries before the types, roles and groups they use; contacts are marked deleted).
 * New delegations are left to {@link writeDelegations}. Run it inside `admin.transaction(...)` so that an error
 * leaves nothing written. Errors name the change and, when known, the line of the file that asked for it.
 *
 * @example
 * ```ts
 * await domain.admin('installer').transaction((admin) => writeChanges(diff.changes, { admin, desired, current, ids, progress }));
 * ```
 */
export async function writeChanges(changes: readonly Change[], ctx: ApplyContext): Promise<void> {
  const by = (kind: ChangeKind, ...actions: Change['action'][]): Change[] =>
    changes.filter((c) => c.kind === kind && actions.includes(c.action));
  const run = async (change: Change, fn: () => Promise<void>): Promise<void> => {
    try {
      await fn();
    } catch (err) {
      throw located(change, err, ctx);
    }
    ctx.progress.tick();
  };
  const { admin, desired, current, ids } = ctx;

  for (const c of by('contact', 'create', 'update')) {
    const want = desired.contacts.get(c.key);
    if (!want) continue;
    await run(c, async () => {
      if (c.action === 'create') {
        ids.contacts.set(
          c.key,
          await admin.createContact({
            key: want.key,
            contactType: want.contactType,
            sortName: want.sortName,
            subTypes: [...want.subTypes],
            attributes: { ...want.attributes },
            isDeleted: want.deleted,
          }),
        );
        return;
      }
      const after = c.after ?? {};
      const patch: Parameters<PolicyAdmin['updateContact']>[1] = {};
      if ('type' in after) patch.contactType = want.contactType;
      if ('name' in after) patch.sortName = want.sortName;
      if ('subTypes' in after) patch.subTypes = [...want.subTypes];
      if ('deleted' in after) patch.isDeleted = want.deleted;
      if ('attributes' in after) {
        const before = (c.before?.attributes ?? {}) as Record<string, unknown>;
        patch.attributes = Object.fromEntries(
          Object.entries(want.attributes).filter(([k, v]) => JSON.stringify(before[k] ?? null) !== JSON.stringify(v)),
        );
      }
      await admin.updateContact(need(ids.contacts, c.key, 'contact'), patch);
    });
  }

  const groupChanges = new Map(by('group', 'create', 'update').map((c) => [c.key, c]));
  for (const name of dependencyOrder(desired, [...groupChanges.keys()])) {
    const c = groupChanges.get(name) as Change;
    const want = desired.groups.get(name);
    if (!want) continue;
    await run(c, async () => {
      const criteria = want.criteria ? criteriaToIds(want.criteria, (n) => need(ids.groups, n, 'group')) : undefined;
      if (c.action === 'create') {
        ids.groups.set(name, await admin.createGroup({ name, kind: want.kind, active: want.active, ...(criteria ? { criteria } : {}) }));
        return;
      }
      const after = c.after ?? {};
      await admin.updateGroup(need(ids.groups, name, 'group'), {
        ...('criteria' in after && criteria ? { criteria } : {}),
        ...('active' in after ? { active: want.active } : {}),
      });
    });
  }

  for (const c of by('membership', 'create', 'update')) {
    const want = desired.memberships.get(c.key);
    if (!want) continue;
    await run(c, () =>
      admin.setMembership({ groupId: need(ids.groups, want.group, 'group'), contactId: need(ids.contacts, want.contact, 'contact'), status: want.status }),
    );
  }

  for (const c of by('role', 'create', 'update')) {
    const want = desired.roles.get(c.key);
    if (!want) continue;
    await run(c, async () => {
      if (c.action === 'create') ids.roles.set(c.key, await admin.createRole({ name: want.name, isAdministrator: want.administrator, active: want.active }));
      else await admin.updateRole(need(ids.roles, c.key, 'role'), { isAdministrator: want.administrator, active: want.active });
    });
  }

  for (const c of by('permission', 'create')) {
    const want = desired.permissions.get(c.key);
    if (!want) continue;
    await run(c, () => admin.grantPermission({ roleId: need(ids.roles, want.role, 'role'), permission: want.permission }));
  }

  for (const c of by('assignment', 'create', 'update')) {
    const want = desired.assignments.get(c.key);
    if (!want) continue;
    await run(c, async () => {
      const existing = ids.assignments.get(c.key);
      if (c.action === 'update' && existing !== undefined) await admin.unassignRole(existing);
      const assigneeId = want.assignee.type === 'group' ? need(ids.groups, want.assignee.key, 'group') : need(ids.contacts, want.assignee.key, 'contact');
      ids.assignments.set(
        c.key,
        await admin.assignRole({ roleId: need(ids.roles, want.role, 'role'), assignee: { type: want.assignee.type, id: assigneeId }, active: want.active }),
      );
    });
  }

  // User links: every unlink first, so a user can move from one contact to another.
  const linkChanges = by('user-link', 'create', 'update', 'delete');
  for (const c of linkChanges) {
    const user = current.userLinks.get(c.key);
    if (c.action === 'create' || user === undefined) continue;
    await run(c, () => admin.unlinkUser(user));
  }
  for (const c of linkChanges) {
    const user = desired.userLinks.get(c.key);
    if (c.action === 'delete' || user === undefined) continue;
    await run(c, () => admin.linkUser({ userId: user, contactId: need(ids.contacts, c.key, 'contact') }));
  }

  for (const c of by('relationship-type', 'create', 'update')) {
    const want = desired.relationshipTypes.get(c.key);
    await run(c, async () => {
      if (!want) return;
      else if (c.action === 'create') {
        ids.relationshipTypes.set(
          c.key,
          await admin.createRelationshipType({ name: want.name, nameBA: want.nameBA, permissionAB: want.permissionAB, permissionBA: want.permissionBA, active: want.active }),
        );
      } else {
        await admin.updateRelationshipType(need(ids.relationshipTypes, c.key, 'relationship type'), {
          nameBA: want.nameBA,
          permissionAB: want.permissionAB,
          permissionBA: want.permissionBA,
          active: want.active,
        });
      }
    });
  }
  for (const c of by('relationship', 'create', 'update')) {
    const want = desired.relationships.get(c.key);
    if (!want) continue;
    await run(c, async () => {
      const dates = { active: want.active, startDate: want.startDate, endDate: want.endDate };
      if (c.action === 'update') {
        await admin.updateRelationship(need(ids.relationships, c.key, 'relationship'), dates);
        return;
      }
      ids.relationships.set(
        c.key,
        await admin.createRelationship({
          typeId: need(ids.relationshipTypes, want.type, 'relationship type'),
          contactA: need(ids.contacts, want.a, 'contact'),
          contactB: need(ids.contacts, want.b, 'contact'),
          ...dates,
        }),
      );
    });
  }

  for (const c of by('entry', 'create', 'update')) {
    const want = desired.entries.get(c.key);
    if (!want) continue;
    await run(c, async () => {
      const input: EntryInput = {
        key: want.key,
        effect: want.effect,
        operation: want.operation,
        owner: ownerInput(want.owner, ids),
        object: objectInput(want.object, ids),
        priority: want.priority,
        active: want.active,
      };
      if (c.action === 'create') ids.entries.set(c.key, await admin.createEntry(input));
      else await admin.updateEntry(need(ids.entries, c.key, 'entry'), input);
    });
  }

  // Delegations: switched on or off in place; re-created ones lose their old row here (the new one is written
  // by writeDelegations once this transaction has committed).
  for (const c of by('delegation', 'update', 'delete')) {
    const want = desired.delegations.get(c.key);
    const id = ids.entries.get(c.key);
    if (id === undefined) continue;
    if (c.action === 'update' && want && c.fields.every((f) => f === 'active')) await run(c, () => admin.updateEntry(id, { active: want.active }));
    else {
      await run(c, () => admin.deleteEntry(id));
      ids.entries.delete(c.key);
    }
  }

  // Pruning, dependents first.
  for (const c of by('relationship', 'delete')) await run(c, () => admin.deleteRelationship(need(ids.relationships, c.key, 'relationship')));
  for (const c of by('entry', 'delete')) await run(c, () => admin.deleteEntry(need(ids.entries, c.key, 'entry')));
  for (const c of by('relationship-type', 'delete')) {
    await run(c, () => admin.deleteRelationshipType(need(ids.relationshipTypes, c.key, 'relationship type')));
  }
  for (const c of by('assignment', 'delete')) await run(c, () => admin.unassignRole(need(ids.assignments, c.key, 'assignment')));
  for (const c of by('permission', 'delete')) {
    const [role, permission] = splitKey(c.key) as [string, string];
    await run(c, () => admin.revokePermission({ roleId: need(ids.roles, role, 'role'), permission }));
  }
  for (const c of by('membership', 'delete')) {
    const [group, contact] = splitKey(c.key) as [string, string];
    await run(c, () => admin.removeMembership({ groupId: need(ids.groups, group, 'group'), contactId: need(ids.contacts, contact, 'contact') }));
  }
  for (const c of by('role', 'delete')) await run(c, () => admin.deleteRole(need(ids.roles, c.key, 'role')));
  const doomed = by('group', 'delete');
  const doomedByName = new Map(doomed.map((c) => [c.key, c]));
  for (const name of dependencyOrder(current, [...doomedByName.keys()]).reverse()) {
    const c = doomedByName.get(name) as Change;
    await run(c, () => admin.deleteGroup(need(ids.groups, name, 'group')));
  }
  for (const c of by('contact', 'delete')) await run(c, () => admin.updateContact(need(ids.contacts, c.key, 'contact'), { isDeleted: true }));
}

/**
 * The delegations a diff creates or re-creates, parents before the delegations derived from them.
 *
 * @example
 * ```ts
 * pendingDelegations(diff.changes, desired); // [change for 'd1', change for 'd1-sub']
 * ```
 */
export function pendingDelegations(changes: readonly Change[], desired: NormalPolicy): Change[] {
  const todo = changes.filter(
    (c) => c.kind === 'delegation' && (c.action === 'create' || (c.action === 'update' && c.fields.some((f) => f !== 'active'))),
  );
  const byKey = new Map(todo.map((c) => [c.key, c]));
  const out: Change[] = [];
  const seen = new Set<string>();
  const visit = (key: string): void => {
    if (seen.has(key)) return;
    seen.add(key);
    const parent = desired.delegations.get(key)?.parent;
    if (parent !== undefined && byKey.has(parent)) visit(parent);
    const c = byKey.get(key);
    if (c) out.push(c);
  };
  for (const c of todo) visit(c.key);
  return out;
}

/**
 * Writes the delegations a diff creates or re-creates, each through `admin.delegate` (which checks that the
 * granter holds the parent and a grant right over the recipient, against the transaction's own writes), parents
 * first, after everything else in the same transaction.
 *
 * @example
 * ```ts
 * await writeDelegations(pendingDelegations(diff.changes, desired), { admin: domain.admin('ci'), desired, current, ids, progress });
 * ```
 */
export async function writeDelegations(todo: readonly Change[], ctx: ApplyContext): Promise<void> {
  const { admin, desired, ids } = ctx;
  for (const c of todo) {
    const want = desired.delegations.get(c.key);
    if (!want) continue;
    try {
      const id = await admin.delegate({
        key: want.key,
        granter: need(ids.contacts, want.granter, 'contact'),
        recipient: need(ids.contacts, want.recipient, 'contact'),
        parentEntryId: need(ids.entries, want.parent, 'entry'),
        operation: want.operation as Exclude<EntryOperation, 'grant'>,
        ...(want.criteria ? { criteria: criteriaToIds(want.criteria, (n) => need(ids.groups, n, 'group')) } : {}),
      });
      ids.entries.set(c.key, id);
      if (!want.active) await admin.updateEntry(id, { active: false });
    } catch (err) {
      throw located(c, err, ctx);
    }
    ctx.progress.tick();
  }
}

/** The error of a change, as a {@link PolicyFileError} that names the change and, when known, the line that asked for it. */
function located(change: Change, err: unknown, ctx: ApplyContext): PolicyFileError {
  const e = asPolicyFileError(err);
  const path = ctx.origins?.get(`${change.kind}:${change.key}`);
  if (ctx.text && path) {
    const at = ctx.text.locate(path);
    const problem = { file: ctx.text.file, ...at, field: '', message: `${change.label}: ${e.message}` };
    return new PolicyFileError(e.code, e.kind, formatProblem(problem), [problem], { cause: err });
  }
  return new PolicyFileError(e.code, e.kind, `${change.action} ${change.label}: ${e.message}`, [], { cause: err });
}
