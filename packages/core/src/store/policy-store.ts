/**
 * The store (`store/`): rowguard's tables and what is read from them. Table names come from the validated
 * prefix; migrations are lists of idempotent steps, so a cut-off migration completes when run again; a policy
 * snapshot is one consistent read (`consistent-read.ts`) of a domain's entries, groups, roles, assignments,
 * permissions and relationship types, frozen once loaded; contact facts (memberships, attributes, links) are
 * read per contact. This file loads snapshots and contact facts and reads the domain version every decision
 * checks for freshness.
 */
import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { FieldInfo } from '../model/criteria-schema.js';
import { criteriaSchema } from '../model/criteria-schema.js';
import type { ContactsConfig } from '../model/engine-config.js';
import { PolicyError } from '../model/engine-errors.js';
import type { EntryOperation } from '../model/operation-model.js';
import type {
  AssignmentDef,
  ContactFacts,
  EntryDef,
  FieldValue,
  GroupDef,
  MembershipStatus,
  ObjectRef,
  OwnerRef,
  PolicySnapshot,
  RoleDef,
} from '../model/policy-model.js';
import type { TableNames } from './table-names.js';
import type { RelationshipPermission, RelationshipRow, RelationshipTypeDef } from '../model/relationship-model.js';
import { consistentRead } from './consistent-read.js';
import { deepFreeze } from '../model/deep-freeze.js';
import { groupFingerprints, materialisedAt } from '../model/group-fingerprint.js';

/** Converts a database flag (0/1, boolean, '0'/'1', bigint string) to a boolean. */
export function flag(value: unknown): boolean {
  return value === true || Number(value) === 1;
}

/** What the readers need: the handle, table names, contact settings and criteria fields. */
export interface StoreContext {
  readonly db: Kysely<any>;
  readonly tables: TableNames;
  readonly contacts: ContactsConfig;
  readonly fields: ReadonlyMap<string, FieldInfo>;
}

/**
 * The current version of a domain (bumped by every write through the engine), or undefined if the domain does
 * not exist.
 *
 * @example
 * ```ts
 * await readVersion(ctx, 1); // 42
 * ```
 */
export async function readVersion(ctx: StoreContext, domainId: number): Promise<number | undefined> {
  const row = await ctx.db.selectFrom(ctx.tables.domain).select('version').where('id', '=', domainId).executeTakeFirst();
  return row ? Number(row.version) : undefined;
}

/** Rebuilds an owner reference from its columns. */
export function ownerFromRow(type: string, id: unknown): OwnerRef {
  switch (type) {
    case 'contact':
    case 'group':
    case 'role':
      return { type, id: Number(id) };
    case 'everyone':
    case 'authenticated':
      return { type };
    default:
      throw new Error(`unknown owner type '${type}' in the entry table`);
  }
}

/** Rebuilds an object reference from its columns. */
export function objectFromRow(type: string, entity: unknown, id: unknown, extra: { criteria?: unknown; grantedBy?: unknown } = {}): ObjectRef {
  switch (type) {
    case 'related':
      return {
        type,
        relationshipTypeId: id === null || id === undefined ? null : Number(id),
        permission: entity === 'edit' ? 'edit' : 'view',
      };
    case 'delegation': {
      const parsed = extra.criteria ? criteriaSchema.safeParse(JSON.parse(String(extra.criteria))) : undefined;
      if (parsed && !parsed.success) throw new Error(`delegation of entry ${String(id)} has invalid stored criteria`);
      return { type, parentEntryId: Number(id), granterId: Number(extra.grantedBy), criteria: parsed?.data ?? null };
    }
    case 'all-contacts':
      return { type };
    case 'contact':
      return { type, id: Number(id) };
    case 'group-members':
      return { type, groupId: Number(id) };
    case 'entity':
      return { type, entity: String(entity), id: id === null || id === undefined ? null : Number(id) };
    default:
      throw new Error(`unknown object type '${type}' in the entry table`);
  }
}

function permissionOf(value: unknown): RelationshipPermission {
  return value === 'view' || value === 'edit' ? value : 'none';
}

/**
 * Loads the relationships touching any of the given contacts (both directions), for the in-memory relations.
 *
 * @example
 * ```ts
 * await loadRelationships(ctx, 1, [7]);
 * ```
 */
export async function loadRelationships(ctx: StoreContext, domainId: number, contactIds: readonly number[]): Promise<RelationshipRow[]> {
  if (contactIds.length === 0) return [];
  const out = new Map<number, RelationshipRow>();
  for (const part of chunks([...new Set(contactIds)])) {
    const rows = await ctx.db
      .selectFrom(ctx.tables.relationship)
      .selectAll()
      .where('domain_id', '=', domainId)
      .where((eb) => eb.or([eb('contact_a', 'in', part), eb('contact_b', 'in', part)]))
      .execute();
    for (const r of rows) {
      out.set(Number(r.id), {
        id: Number(r.id),
        typeId: Number(r.type_id),
        contactA: Number(r.contact_a),
        contactB: Number(r.contact_b),
        active: flag(r.is_active),
        startDate: r.start_date === null ? null : String(r.start_date),
        endDate: r.end_date === null ? null : String(r.end_date),
      });
    }
  }
  return [...out.values()];
}

/** Parses a stored group's criteria (stored as JSON text); a corrupt value throws, which fails closed. */
function parseCriteria(text: unknown, groupId: number): GroupDef['criteria'] {
  if (text === null || text === undefined || text === '') return null;
  const parsed = criteriaSchema.safeParse(JSON.parse(String(text)));
  if (!parsed.success) throw new Error(`group ${groupId} has invalid stored criteria`);
  return parsed.data;
}

/**
 * Loads everything the engine needs to decide for a domain, as one consistent read: the version and every
 * table come from the same database snapshot (see {@link consistentRead}), so a snapshot never mixes two
 * versions of the policy. The result is deeply immutable (see {@link deepFreeze}): what the engine caches
 * cannot be changed by anything it is handed to.
 *
 * @example
 * ```ts
 * const snapshot = await loadSnapshot(ctx, 1);
 * ```
 */
export async function loadSnapshot(ctx: StoreContext, domainId: number): Promise<PolicySnapshot> {
  return deepFreeze(await consistentRead(ctx.db, (db) => readSnapshot({ ...ctx, db }, domainId)));
}

async function readSnapshot(ctx: StoreContext, domainId: number): Promise<PolicySnapshot> {
  const { db, tables: t } = ctx;
  const version = await readVersion(ctx, domainId);
  if (version === undefined) throw new PolicyError('unknown_domain', `domain ${domainId} does not exist`, { domainId });
  const [entryRows, groupRows, roleRows, assignmentRows, permissionRows, typeRows, explicitRows] = await Promise.all([
    db.selectFrom(t.entry).selectAll().where('domain_id', '=', domainId).orderBy('id').execute(),
    db.selectFrom(t.group).selectAll().where('domain_id', '=', domainId).execute(),
    db.selectFrom(t.role).selectAll().where('domain_id', '=', domainId).execute(),
    db.selectFrom(t.roleAssignment).selectAll().where('domain_id', '=', domainId).execute(),
    db
      .selectFrom(`${t.rolePermission} as p`)
      .innerJoin(`${t.role} as r`, 'r.id', 'p.role_id')
      .select(['p.role_id', 'p.permission'])
      .where('r.domain_id', '=', domainId)
      .execute(),
    db.selectFrom(t.relationshipType).selectAll().where('domain_id', '=', domainId).execute(),
    db
      .selectFrom(`${t.groupContact} as m`)
      .innerJoin(`${t.group} as g`, 'g.id', 'm.group_id')
      .select(['m.group_id', 'm.status'])
      .distinct()
      .where('g.domain_id', '=', domainId)
      .where('g.kind', '=', 'smart')
      .where('m.status', 'in', ['Added', 'Removed'])
      .execute(),
  ]);
  const explicit = new Set(explicitRows.map((r) => `${Number(r.group_id)}:${String(r.status)}`));
  const relationshipTypes = new Map<number, RelationshipTypeDef>(
    typeRows.map((r) => [
      Number(r.id),
      {
        id: Number(r.id),
        name: String(r.name),
        nameBA: r.name_b_a === null ? null : String(r.name_b_a),
        permissionAB: permissionOf(r.permission_a_b),
        permissionBA: permissionOf(r.permission_b_a),
        active: flag(r.is_active),
      },
    ]),
  );
  const entries: EntryDef[] = entryRows.map((r) => ({
    id: Number(r.id),
    key: r.entry_key ?? null,
    effect: r.effect === 'deny' ? 'deny' : 'allow',
    operation: r.operation as EntryOperation,
    owner: ownerFromRow(r.owner_type, r.owner_id),
    object: objectFromRow(r.object_type, r.object_entity, r.object_id, { criteria: r.criteria, grantedBy: r.granted_by }),
    priority: Number(r.priority),
    active: flag(r.is_active),
    source: 'entry',
  }));
  const parsed = new Map(
    groupRows.map((r) => [
      Number(r.id),
      { kind: r.kind === 'smart' ? ('smart' as const) : ('static' as const), criteriaText: r.criteria === null || r.criteria === undefined ? null : String(r.criteria), criteria: parseCriteria(r.criteria, Number(r.id)) },
    ]),
  );
  // Materialised members count only when computed for the group's current definition (see groupFingerprints).
  const fingerprints = groupFingerprints(parsed);
  const groups = new Map<number, GroupDef>(
    groupRows.map((r) => [
      Number(r.id),
      {
        id: Number(r.id),
        name: String(r.name),
        kind: r.kind === 'smart' ? 'smart' : 'static',
        criteria: parsed.get(Number(r.id))?.criteria ?? null,
        active: flag(r.is_active),
        hasAdded: explicit.has(`${Number(r.id)}:Added`),
        hasRemoved: explicit.has(`${Number(r.id)}:Removed`),
        membersAt: materialisedAt(r, fingerprints),
      },
    ]),
  );
  const roles = new Map<number, RoleDef>(
    roleRows.map((r) => [
      Number(r.id),
      { id: Number(r.id), name: String(r.name), isAdministrator: flag(r.is_administrator), active: flag(r.is_active) },
    ]),
  );
  const assignments: AssignmentDef[] = assignmentRows.map((r) => ({
    id: Number(r.id),
    roleId: Number(r.role_id),
    assigneeType: r.assignee_type === 'group' ? 'group' : 'contact',
    assigneeId: Number(r.assignee_id),
    active: flag(r.is_active),
  }));
  const rolePermissions = new Map<number, string[]>();
  for (const r of permissionRows) {
    const list = rolePermissions.get(Number(r.role_id)) ?? [];
    list.push(String(r.permission));
    rolePermissions.set(Number(r.role_id), list);
  }
  return { domainId, version, entries, groups, roles, assignments, rolePermissions, relationshipTypes };
}

function contactColumns(ctx: StoreContext): RawBuilder<unknown> {
  const c = ctx.contacts.columns;
  const cols: RawBuilder<unknown>[] = [sql`${sql.ref(c.id)} as ${sql.id('rg_id')}`];
  if (c.domainId) cols.push(sql`${sql.ref(c.domainId)} as ${sql.id('rg_domain_id')}`);
  if (c.isDeleted) cols.push(sql`${sql.ref(c.isDeleted)} as ${sql.id('rg_is_deleted')}`);
  for (const [name, info] of ctx.fields) {
    if (name !== 'id') cols.push(sql`${sql.ref(info.column)} as ${sql.id(`f_${name}`)}`);
  }
  return sql.join(cols);
}

const CHUNK = 500;

function chunks<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += CHUNK) out.push(items.slice(i, i + CHUNK));
  return out;
}

/**
 * A field value as read from the database, in the type the field declares (integers as numbers, text as
 * strings, NULL as null).
 *
 * @example
 * ```ts
 * normaliseFieldValue(12n, { type: 'integer', column: 'age' }); // 12
 * ```
 */
export function normaliseFieldValue(value: unknown, info: FieldInfo): FieldValue {
  if (value === null || value === undefined) return null;
  return info.type === 'integer' ? Number(value) : String(value);
}

/**
 * Loads what the in-memory decision needs about contacts: their fields, sub-types and group statuses. Missing
 * ids are absent from the map.
 *
 * @example
 * ```ts
 * const facts = await loadContactFacts(ctx, [1, 2, 3]);
 * facts.get(2)?.values.country;
 * ```
 */
export async function loadContactFacts(ctx: StoreContext, ids: readonly number[]): Promise<Map<number, ContactFacts>> {
  const out = new Map<number, ContactFacts>();
  const table = ctx.contacts.table ?? ctx.tables.contact;
  for (const part of chunks([...new Set(ids)])) {
    if (part.length === 0) continue;
    const [rows, subRows, statusRows] = await Promise.all([
      sql<Record<string, unknown>>`select ${contactColumns(ctx)} from ${sql.table(table)} where ${sql.ref(
        ctx.contacts.columns.id,
      )} in (${sql.join(part)})`.execute(ctx.db),
      ctx.db.selectFrom(ctx.tables.contactSubType).select(['contact_id', 'sub_type']).where('contact_id', 'in', part).execute(),
      ctx.db
        .selectFrom(ctx.tables.groupContact)
        .select(['contact_id', 'group_id', 'status'])
        .where('contact_id', 'in', part)
        .execute(),
    ]);
    const subTypes = new Map<number, Set<string>>();
    for (const r of subRows) {
      const set = subTypes.get(Number(r.contact_id)) ?? new Set<string>();
      set.add(String(r.sub_type));
      subTypes.set(Number(r.contact_id), set);
    }
    const statuses = new Map<number, Map<number, MembershipStatus>>();
    for (const r of statusRows) {
      const map = statuses.get(Number(r.contact_id)) ?? new Map<number, MembershipStatus>();
      map.set(Number(r.group_id), r.status as MembershipStatus);
      statuses.set(Number(r.contact_id), map);
    }
    for (const row of rows.rows) {
      const id = Number(row.rg_id);
      const values: Record<string, FieldValue> = { id };
      for (const [name, info] of ctx.fields) if (name !== 'id') values[name] = normaliseFieldValue(row[`f_${name}`], info);
      out.set(id, {
        id,
        domainId: ctx.contacts.columns.domainId ? Number(row.rg_domain_id) : null,
        isDeleted: ctx.contacts.columns.isDeleted ? flag(row.rg_is_deleted) : false,
        values,
        subTypes: subTypes.get(id) ?? new Set(),
        statuses: statuses.get(id) ?? new Map(),
      });
    }
  }
  return out;
}
