import { BUILTIN_ENTITY_TYPES, criteriaSchema, type EntryOperation, type FieldValue, type MembershipStatus, type Rowguard } from '@rowguard/core';
import { criteriaToNames } from './criteria-keys.js';
import {
  compositeKey,
  emptyPolicy,
  type NormalContact,
  type NormalObject,
  type NormalOwner,
  type NormalPolicy,
} from './policy-normal-form.js';

/**
 * Database ids of the keyed objects of a domain, for writing changes.
 *
 * @example
 * ```ts
 * state.ids.contacts.get('mgr-vn'); // 3
 * ```
 */
export interface StateIds {
  readonly contacts: Map<string, number>;
  readonly groups: Map<string, number>;
  readonly roles: Map<string, number>;
  /** Entries and delegations (both are stored as entries, keys unique across both). */
  readonly entries: Map<string, number>;
  readonly assignments: Map<string, number>;
  readonly relationshipTypes: Map<string, number>;
  readonly relationships: Map<string, number>;
}

/**
 * A domain's stored policy in normal form, with the database ids behind the keys, and what the policy file
 * format cannot manage (contacts and entries without a key; entries that refer to contacts without a key).
 *
 * @example
 * ```ts
 * const state = await readDatabaseState(engine, domain);
 * state.ids.contacts.get('mgr-vn'); // 3
 * ```
 */
export interface DatabaseState {
  readonly policy: NormalPolicy;
  readonly ids: StateIds;
  /** Ids of contacts that have no key (never written by a policy file, never pruned). */
  readonly unkeyedContacts: readonly number[];
  /** Entries without a key (never pruned), with the groups and roles they refer to. */
  readonly unkeyedEntries: readonly { id: number; groups: readonly string[]; roles: readonly string[] }[];
  /** Keyed entries that cannot be exported because they refer to a contact without a key. */
  readonly inexpressible: readonly string[];
  /** Rows that are stored but that this package does not read (for example delegated entries). */
  readonly skipped: readonly string[];
}

/**
 * The placeholder key of a contact that has no key (never valid in a policy file).
 *
 * @example
 * ```ts
 * unkeyedContact(12); // '\u0000#12'
 * ```
 */
export function unkeyedContact(id: number): string {
  return `\u0000#${id}`;
}

/**
 * Whether a key is the placeholder of a contact without a key.
 *
 * @example
 * ```ts
 * isUnkeyed(unkeyedContact(12)); // true
 * ```
 */
export function isUnkeyed(key: string): boolean {
  return key.startsWith('\u0000');
}

/**
 * Reads a domain's policy from the engine's tables into normal form. `domainId` undefined (the domain does not
 * exist yet) gives an empty state. Only `attributes` are read from the contact table. `from` may be a transaction.
 *
 * @example
 * ```ts
 * const state = await readDatabaseState(engine, { id: domain.id, name: domain.name }, ['country']);
 * ```
 */
export async function readDatabaseState(
  engine: Rowguard,
  domain: { id: number | undefined; name: string },
  attributes: readonly string[],
  /** Where to read: the engine's database, or a transaction (to read what it holds locked). */
  from: Rowguard['db'] = engine.db,
): Promise<DatabaseState> {
  const policy = emptyPolicy(domain.name);
  const ids: StateIds = {
    contacts: new Map(),
    groups: new Map(),
    roles: new Map(),
    entries: new Map(),
    assignments: new Map(),
    relationshipTypes: new Map(),
    relationships: new Map(),
  };
  const state = { policy, ids, unkeyedContacts: [] as number[], unkeyedEntries: [] as DatabaseState['unkeyedEntries'][number][], inexpressible: [] as string[], skipped: [] as string[] };
  for (const name of attributes) policy.attributes.set(name, engine.config.contacts.attributes[name]?.type ?? 'text');
  if (domain.id === undefined) return state;
  const domainId = domain.id;
  const { tables: t } = engine;
  const db = from;

  const [contactRows, subTypeRows, linkRows, groupRows, memberRows, roleRows, assignmentRows, permissionRows, entryRows, typeRows, relationRows] = await Promise.all([
    db
      .selectFrom(t.contact)
      .select(['id', 'contact_key', 'contact_type', 'sort_name', 'is_deleted', ...attributes])
      .where('domain_id', '=', domainId)
      .orderBy('id')
      .execute(),
    db
      .selectFrom(`${t.contactSubType} as s`)
      .innerJoin(`${t.contact} as c`, 'c.id', 's.contact_id')
      .select(['s.contact_id', 's.sub_type'])
      .where('c.domain_id', '=', domainId)
      .execute(),
    db.selectFrom(t.userLink).select(['user_id', 'contact_id']).where('domain_id', '=', domainId).execute(),
    db.selectFrom(t.group).selectAll().where('domain_id', '=', domainId).orderBy('id').execute(),
    db
      .selectFrom(`${t.groupContact} as m`)
      .innerJoin(`${t.group} as g`, 'g.id', 'm.group_id')
      .select(['m.group_id', 'm.contact_id', 'm.status'])
      .where('g.domain_id', '=', domainId)
      .execute(),
    db.selectFrom(t.role).selectAll().where('domain_id', '=', domainId).orderBy('id').execute(),
    db.selectFrom(t.roleAssignment).selectAll().where('domain_id', '=', domainId).orderBy('id').execute(),
    db
      .selectFrom(`${t.rolePermission} as p`)
      .innerJoin(`${t.role} as r`, 'r.id', 'p.role_id')
      .select(['p.role_id', 'p.permission'])
      .where('r.domain_id', '=', domainId)
      .execute(),
    db.selectFrom(t.entry).selectAll().where('domain_id', '=', domainId).orderBy('id').execute(),
    db.selectFrom(t.relationshipType).selectAll().where('domain_id', '=', domainId).orderBy('id').execute(),
    db.selectFrom(t.relationship).selectAll().where('domain_id', '=', domainId).orderBy('id').execute(),
  ]);

  const contactKey = new Map<number, string>();
  const subTypes = new Map<number, string[]>();
  for (const r of subTypeRows) {
    const id = Number(r.contact_id);
    subTypes.set(id, [...(subTypes.get(id) ?? []), String(r.sub_type)]);
  }
  for (const r of contactRows) {
    const id = Number(r.id);
    if (r.contact_key === null || r.contact_key === undefined) {
      state.unkeyedContacts.push(id);
      contactKey.set(id, unkeyedContact(id));
      continue;
    }
    const key = String(r.contact_key);
    contactKey.set(id, key);
    ids.contacts.set(key, id);
    const values: Record<string, FieldValue> = {};
    for (const name of attributes) {
      const v = (r as Record<string, unknown>)[name];
      values[name] = v === null || v === undefined ? null : policy.attributes.get(name) === 'integer' ? Number(v) : String(v);
    }
    const contact: NormalContact = {
      key,
      contactType: String(r.contact_type),
      sortName: r.sort_name === null || r.sort_name === undefined ? null : String(r.sort_name),
      subTypes: [...new Set(subTypes.get(id) ?? [])].sort(),
      attributes: values,
      deleted: flagOf(r.is_deleted),
    };
    policy.contacts.set(key, contact);
  }
  for (const r of linkRows) {
    const key = contactKey.get(Number(r.contact_id));
    if (key !== undefined && !isUnkeyed(key)) policy.userLinks.set(key, String(r.user_id));
  }

  const groupName = new Map<number, string>();
  for (const r of groupRows) groupName.set(Number(r.id), String(r.name));
  for (const r of groupRows) {
    const name = String(r.name);
    ids.groups.set(name, Number(r.id));
    let criteria = null;
    if (r.kind === 'smart' && r.criteria) {
      const parsed = criteriaSchema.safeParse(JSON.parse(String(r.criteria)));
      criteria = parsed.success ? criteriaToNames(parsed.data, (id) => groupName.get(id) ?? `#${id}`) : null;
    }
    policy.groups.set(name, { name, kind: r.kind === 'smart' ? 'smart' : 'static', criteria, active: flagOf(r.is_active) });
  }
  for (const r of memberRows) {
    const group = groupName.get(Number(r.group_id));
    const contact = contactKey.get(Number(r.contact_id));
    if (group === undefined || contact === undefined || isUnkeyed(contact)) continue;
    policy.memberships.set(compositeKey(group, contact), { group, contact, status: String(r.status) as MembershipStatus });
  }

  const roleName = new Map<number, string>();
  for (const r of roleRows) {
    const name = String(r.name);
    roleName.set(Number(r.id), name);
    ids.roles.set(name, Number(r.id));
    policy.roles.set(name, {
      name,
      administrator: flagOf(r.is_administrator),
      active: flagOf(r.is_active),
    });
  }
  for (const r of permissionRows) {
    const role = roleName.get(Number(r.role_id));
    if (role === undefined) continue;
    policy.permissions.set(compositeKey(role, String(r.permission)), { role, permission: String(r.permission) });
  }
  for (const r of assignmentRows) {
    const role = roleName.get(Number(r.role_id));
    const type = r.assignee_type === 'group' ? 'group' : 'contact';
    const key = type === 'group' ? groupName.get(Number(r.assignee_id)) : contactKey.get(Number(r.assignee_id));
    if (role === undefined || key === undefined || isUnkeyed(key)) continue;
    const k = compositeKey(role, type, key);
    ids.assignments.set(k, Number(r.id));
    policy.assignments.set(k, { role, assignee: { type, key }, active: flagOf(r.is_active) });
  }

  const typeName = new Map<number, string>();
  for (const r of typeRows) {
    const name = String(r.name);
    typeName.set(Number(r.id), name);
    ids.relationshipTypes.set(name, Number(r.id));
    policy.relationshipTypes.set(name, {
      name,
      nameBA: r.name_b_a === null || r.name_b_a === undefined ? null : String(r.name_b_a),
      permissionAB: permissionOf(r.permission_a_b),
      permissionBA: permissionOf(r.permission_b_a),
      active: flagOf(r.is_active),
    });
  }
  for (const r of relationRows) {
    const type = typeName.get(Number(r.type_id));
    const a = contactKey.get(Number(r.contact_a));
    const b = contactKey.get(Number(r.contact_b));
    if (type === undefined || a === undefined || b === undefined || isUnkeyed(a) || isUnkeyed(b)) continue;
    const k = compositeKey(type, a, b);
    if (ids.relationships.has(k)) {
      state.skipped.push(`relationship #${Number(r.id)} (a second ${type} relationship from '${a}' to '${b}')`);
      continue;
    }
    ids.relationships.set(k, Number(r.id));
    policy.relationships.set(k, {
      type,
      a,
      b,
      active: flagOf(r.is_active),
      startDate: r.start_date === null || r.start_date === undefined ? null : String(r.start_date),
      endDate: r.end_date === null || r.end_date === undefined ? null : String(r.end_date),
    });
  }

  const entryKey = new Map<number, string>();
  for (const r of entryRows) if (r.entry_key !== null && r.entry_key !== undefined) entryKey.set(Number(r.id), String(r.entry_key));
  for (const r of entryRows) {
    const key = r.entry_key === null || r.entry_key === undefined ? null : String(r.entry_key);
    if (r.object_type === 'delegation') {
      if (key === null) {
        state.skipped.push(`delegation #${Number(r.id)} (it has no key)`);
        continue;
      }
      ids.entries.set(key, Number(r.id));
      const granter = contactKey.get(Number(r.granted_by));
      const recipient = contactKey.get(Number(r.owner_id));
      const parent = entryKey.get(Number(r.parent_entry_id));
      let criteria = null;
      if (r.criteria) {
        const parsed = criteriaSchema.safeParse(JSON.parse(String(r.criteria)));
        criteria = parsed.success ? criteriaToNames(parsed.data, (id) => groupName.get(id) ?? `#${id}`) : null;
      }
      if (granter === undefined || recipient === undefined || parent === undefined || isUnkeyed(granter) || isUnkeyed(recipient)) {
        state.inexpressible.push(key);
        continue;
      }
      policy.delegations.set(key, { key, granter, recipient, parent, operation: String(r.operation) as EntryOperation, criteria, active: flagOf(r.is_active) });
      continue;
    }
    const owner = ownerFrom(r, contactKey, groupName, roleName);
    const object = objectFrom(r, contactKey, groupName, typeName);
    if (key === null) {
      state.unkeyedEntries.push({
        id: Number(r.id),
        groups: [
          ...(owner?.type === 'group' ? [owner.key] : []),
          ...(object?.type === 'group-members' ? [object.group] : object?.type === 'entity-group' && object.group ? [object.group] : []),
        ],
        roles: owner?.type === 'role' ? [owner.key] : [],
      });
      continue;
    }
    ids.entries.set(key, Number(r.id));
    if (!owner || !object) {
      state.skipped.push(`entry '${key}' (refers to a missing row)`);
      continue;
    }
    if (('key' in owner && isUnkeyed(owner.key)) || (object.type === 'contact' && isUnkeyed(object.key))) state.inexpressible.push(key);
    if (object.type === 'entity' && !(BUILTIN_ENTITY_TYPES as readonly string[]).includes(object.entity)) policy.entityTypes.add(object.entity);
    policy.entries.set(key, {
      key,
      effect: r.effect === 'deny' ? 'deny' : 'allow',
      operation: String(r.operation) as EntryOperation,
      owner,
      object,
      priority: Number(r.priority),
      active: flagOf(r.is_active),
    });
  }
  return state;
}

function ownerFrom(
  r: Record<string, any>,
  contactKey: ReadonlyMap<number, string>,
  groupName: ReadonlyMap<number, string>,
  roleName: ReadonlyMap<number, string>,
): NormalOwner | undefined {
  const id = Number(r.owner_id);
  switch (r.owner_type) {
    case 'everyone':
    case 'authenticated':
      return { type: r.owner_type };
    case 'contact': {
      const key = contactKey.get(id);
      return key === undefined ? undefined : { type: 'contact', key };
    }
    case 'group': {
      const key = groupName.get(id);
      return key === undefined ? undefined : { type: 'group', key };
    }
    case 'role': {
      const key = roleName.get(id);
      return key === undefined ? undefined : { type: 'role', key };
    }
    default:
      return undefined;
  }
}

function flagOf(value: unknown): boolean {
  return value === true || Number(value) === 1;
}

function permissionOf(value: unknown): 'none' | 'view' | 'edit' {
  return value === 'view' || value === 'edit' ? value : 'none';
}

function objectFrom(
  r: Record<string, any>,
  contactKey: ReadonlyMap<number, string>,
  groupName: ReadonlyMap<number, string>,
  typeName: ReadonlyMap<number, string>,
): NormalObject | undefined {
  const id = r.object_id === null || r.object_id === undefined ? null : Number(r.object_id);
  switch (r.object_type) {
    case 'related': {
      const permission = r.object_entity === 'edit' ? 'edit' : 'view';
      if (id === null) return { type: 'related', relationshipType: null, permission };
      const type = typeName.get(id);
      return type === undefined ? undefined : { type: 'related', relationshipType: type, permission };
    }
    case 'all-contacts':
      return { type: 'all-contacts' };
    case 'contact': {
      const key = id === null ? undefined : contactKey.get(id);
      return key === undefined ? undefined : { type: 'contact', key };
    }
    case 'group-members': {
      const group = id === null ? undefined : groupName.get(id);
      return group === undefined ? undefined : { type: 'group-members', group };
    }
    case 'entity': {
      if (r.object_entity === 'group') {
        if (id === null) return { type: 'entity-group', group: null };
        const group = groupName.get(id);
        return group === undefined ? undefined : { type: 'entity-group', group };
      }
      return { type: 'entity', entity: String(r.object_entity), id };
    }
    default:
      return undefined;
  }
}
