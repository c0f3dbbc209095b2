import { sql, type Kysely, type Transaction } from 'kysely';
import { z } from 'zod';
import { checkCriteria, referencedGroups } from './criteria-schema.js';
import type { DialectKind } from './dialect-kind.js';
import { PolicyError } from './engine-errors.js';
import { assertGroupNesting } from './group-nesting.js';
import { attributeValueProblem } from './attribute-names.js';
import { integerRange } from './policy-limits.js';
import type { PermissionRegistry } from './functional-permissions.js';
import { ENTRY_OPERATIONS } from './operation-model.js';
import {
  actorSchema,
  assignmentInputSchema,
  contactInputSchema,
  contactPatchSchema,
  entryInputSchema,
  entryPatchSchema,
  groupInputSchema,
  groupPatchSchema,
  idSchema,
  membershipInputSchema,
  roleInputSchema,
  rolePatchSchema,
  rolePermissionInputSchema,
  userLinkInputSchema,
  relationshipTypeInputSchema,
  relationshipTypePatchSchema,
  relationshipInputSchema,
  relationshipPatchSchema,
  delegationInputSchema,
  type DelegationInput,
  type RelationshipTypeInput,
  type RelationshipTypePatch,
  type RelationshipInput,
  type RelationshipPatch,
  type AssignmentInput,
  type ContactInput,
  type ContactPatch,
  type EntryInput,
  type EntryPatch,
  type GroupInput,
  type GroupPatch,
  type MembershipInput,
  type RoleInput,
  type RolePatch,
  type RolePermissionInput,
  type UserLinkInput,
} from './policy-admin-schemas.js';
import type { ContactFacts, ObjectRef, OwnerRef, PolicySnapshot } from './policy-model.js';
import type { ResolvedSubject } from './subject-model.js';
import { buildPlan, ownerHeld } from './access-plan.js';
import { decideInMemory } from './decision-memory.js';
import { operationWithin } from './operation-model.js';
import { flag, objectFromRow, ownerFromRow, type StoreContext } from './policy-store.js';

/** What the write API needs. */
export interface AdminContext extends StoreContext {
  readonly dialect: DialectKind;
  readonly registry: PermissionRegistry;
  readonly entityTypes: ReadonlySet<string>;
  readonly domainId: number;
  /** Resolves what a delegation is checked against: the snapshot, the granter, the recipient's contact. */
  readonly delegationContext?: (granter: number, recipient: number, db: Transaction<any>) => Promise<DelegationContext>;
  /** Called after every committed write, with what changed (used by extensions for change events). */
  readonly onChange?: ((change: ChangeRecord) => void) | undefined;
}

/** An audited change as read back from the audit log, with its timestamp (ISO 8601). */
export interface AuditRecord extends ChangeRecord {
  readonly at: string;
}

/** What a delegation is checked against. */
export interface DelegationContext {
  readonly snapshot: PolicySnapshot;
  readonly granter: ResolvedSubject;
  readonly recipient: ContactFacts | undefined;
}

/** One audited change. */
export interface ChangeRecord {
  readonly domainId: number;
  readonly actor: string;
  readonly action: string;
  readonly targetType: string;
  readonly targetId: string | null;
  readonly before: unknown;
  readonly after: unknown;
}

type Db = Kysely<any> | Transaction<any>;

function parseInput<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const opIssue = parsed.error.issues.find((i) => i.path[i.path.length - 1] === 'operation');
  if (opIssue) {
    const op = (input as { operation?: unknown } | null)?.operation;
    throw new PolicyError('unknown_operation', `unknown operation ${JSON.stringify(op)} (expected one of ${ENTRY_OPERATIONS.join(', ')})`, {
      operation: op,
    });
  }
  throw new PolicyError('invalid_input', `invalid ${what}: ${z.prettifyError(parsed.error)}`, { issues: parsed.error.issues });
}

/**
 * The write API for one domain: contacts (reference table), user links, groups, memberships, roles, role
 * assignments, functional permissions per role, and entries. Every call validates its input with zod and its
 * references against the database, runs in a transaction, bumps the domain version (so the very next decision
 * in every process sees it) and writes an audit row; bad input throws {@link PolicyError} and writes nothing.
 *
 * @example
 * ```ts
 * const admin = domain.admin('alice@example.org');
 * const sales = await admin.createRole({ name: 'Sales' });
 * await admin.createEntry({ effect: 'allow', operation: 'view', owner: { type: 'role', id: sales }, object: { type: 'all-contacts' } });
 * ```
 */
export class PolicyAdmin {
  readonly #ctx: AdminContext;
  readonly #actor: string;
  readonly #trx: Transaction<any> | undefined;
  readonly #pending: ChangeRecord[];

  constructor(ctx: AdminContext, actor: string, trx?: Transaction<any>, pending?: ChangeRecord[]) {
    this.#ctx = ctx;
    this.#actor = parseInput(actorSchema, actor, 'actor');
    this.#trx = trx;
    this.#pending = pending ?? [];
  }

  /**
   * Runs several writes in one transaction: all of them happen, or none.
   *
   * @example
   * ```ts
   * await admin.transaction(async (tx) => {
   *   const g = await tx.createGroup({ name: 'VN', kind: 'static' });
   *   await tx.setMembership({ groupId: g, contactId: 7, status: 'Added' });
   * });
   * ```
   */
  async transaction<T>(fn: (admin: PolicyAdmin) => Promise<T>): Promise<T> {
    if (this.#trx) return fn(this);
    const pending: ChangeRecord[] = [];
    const result = await this.#ctx.db.transaction().execute((trx) => fn(new PolicyAdmin(this.#ctx, this.#actor, trx, pending)));
    for (const change of pending) this.#ctx.onChange?.(change);
    return result;
  }

  /**
   * Like {@link PolicyAdmin.transaction}, but first takes the domain's write lock (a row lock on the domain:
   * `select ... for update` on MariaDB and PostgreSQL; on SQLite the database's write lock, taken up front), and
   * hands `fn` the transaction for its own reads. Whatever `fn` reads is then stable until the transaction ends:
   * no other writer of the domain gets in between a read and the writes based on it. Writers of the same domain
   * are serialised; a lock wait past the database's limit throws.
   *
   * @example
   * ```ts
   * await admin.lockedTransaction(async (tx, db) => {
   *   const n = await db.selectFrom('rg_entry').select(db.fn.countAll().as('n')).where('domain_id', '=', 1).executeTakeFirst();
   *   if (Number(n?.n) === 0) await tx.createEntry({ effect: 'allow', operation: 'view', owner: { type: 'everyone' }, object: { type: 'all-contacts' } });
   * });
   * ```
   */
  async lockedTransaction<T>(fn: (admin: PolicyAdmin, db: Transaction<any>) => Promise<T>): Promise<T> {
    return this.transaction(async (admin) => {
      const trx = admin.#trx as Transaction<any>;
      const { tables: t, domainId, dialect } = this.#ctx;
      // On SQLite a write as the transaction's first statement takes the write lock before anything is read.
      const locked =
        dialect === 'sqlite'
          ? Number((await trx.updateTable(t.domain).set({ version: sql`version` }).where('id', '=', domainId).executeTakeFirst()).numUpdatedRows) > 0
          : (await trx.selectFrom(t.domain).select('id').where('id', '=', domainId).forUpdate().executeTakeFirst()) !== undefined;
      if (!locked) throw new PolicyError('unknown_domain', `domain ${domainId} does not exist`, { domainId });
      return fn(admin, trx);
    });
  }

  async #write<T>(
    action: string,
    targetType: string,
    fn: (trx: Db) => Promise<{ targetId: number | string | null; before: unknown; after: unknown; result: T }>,
  ): Promise<T> {
    return this.transaction(async (admin) => {
      const trx = admin.#trx as Transaction<any>;
      const { tables: t, domainId } = this.#ctx;
      // Bumping the version first takes the domain row's lock: writers of one domain are serialised (so the
      // reference, uniqueness and cycle checks below see a stable state), and always in the same lock order.
      await trx
        .updateTable(t.domain)
        .set({ version: sql`version + 1` })
        .where('id', '=', domainId)
        .execute();
      const { targetId, before, after, result } = await fn(trx);
      await trx
        .insertInto(t.audit)
        .values({
          domain_id: domainId,
          actor: this.#actor,
          action,
          target_type: targetType,
          target_id: targetId === null ? null : String(targetId),
          before_json: before === undefined || before === null ? null : JSON.stringify(before),
          after_json: after === undefined || after === null ? null : JSON.stringify(after),
          created_at: new Date().toISOString(),
        })
        .execute();
      admin.#pending.push({
        domainId,
        actor: this.#actor,
        action,
        targetType,
        targetId: targetId === null ? null : String(targetId),
        before: before ?? null,
        after: after ?? null,
      });
      return result;
    });
  }

  async #insert(trx: Db, table: string, values: Record<string, unknown>): Promise<number> {
    if (this.#ctx.dialect === 'postgres') {
      const row = await trx.insertInto(table).values(values).returning('id').executeTakeFirstOrThrow();
      return Number(row.id);
    }
    const res = await trx.insertInto(table).values(values).executeTakeFirstOrThrow();
    return Number(res.insertId);
  }

  async #row(trx: Db, table: string, id: number): Promise<Record<string, any> | undefined> {
    return trx.selectFrom(table).selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** Loads a row of this domain or throws `unknown_*` / `cross_domain`. */
  async #own(
    trx: Db,
    table: string,
    id: number,
    code: 'unknown_group' | 'unknown_role' | 'unknown_entry' | 'unknown_assignment' | 'unknown_relationship_type' | 'unknown_relationship',
    what: string,
  ) {
    const row = await this.#row(trx, table, id);
    if (!row) throw new PolicyError(code, `${what} ${id} does not exist`, { id });
    if (Number(row.domain_id) !== this.#ctx.domainId) {
      throw new PolicyError('cross_domain', `${what} ${id} belongs to another domain`, { id, domainId: this.#ctx.domainId });
    }
    return row;
  }

  async #contact(trx: Db, id: number): Promise<void> {
    const { contacts } = this.#ctx;
    const table = contacts.table ?? this.#ctx.tables.contact;
    const cols = contacts.columns.domainId ? sql`${sql.ref(contacts.columns.domainId)} as d` : sql`null as d`;
    const { rows } = await sql<{ d: unknown }>`select ${cols} from ${sql.table(table)} where ${sql.ref(contacts.columns.id)} = ${id}`.execute(trx);
    const row = rows[0];
    if (!row) throw new PolicyError('unknown_contact', `contact ${id} does not exist`, { contactId: id });
    if (contacts.columns.domainId && Number(row.d) !== this.#ctx.domainId) {
      throw new PolicyError('cross_domain', `contact ${id} belongs to another domain`, { contactId: id });
    }
  }

  async #checkOwner(trx: Db, owner: OwnerRef): Promise<void> {
    if (owner.type === 'contact') await this.#contact(trx, owner.id);
    else if (owner.type === 'role') await this.#own(trx, this.#ctx.tables.role, owner.id, 'unknown_role', 'role');
    else if (owner.type === 'group') {
      const g = await this.#own(trx, this.#ctx.tables.group, owner.id, 'unknown_group', 'group');
      if (g.kind !== 'static') {
        throw new PolicyError('not_static_group', `group ${owner.id} is smart; only static groups can own entries or hold roles`, {
          groupId: owner.id,
        });
      }
    }
  }

  async #checkObject(trx: Db, object: ObjectRef): Promise<void> {
    if (object.type === 'entity' && !this.#ctx.entityTypes.has(object.entity)) {
      throw new PolicyError('invalid_input', `unknown object type '${object.entity}' (register it in the engine's entityTypes)`, {
        entity: object.entity,
      });
    }
    if (object.type === 'related' && object.relationshipTypeId !== null) {
      await this.#own(trx, this.#ctx.tables.relationshipType, object.relationshipTypeId, 'unknown_relationship_type', 'relationship type');
    }
    if (object.type === 'contact') await this.#contact(trx, object.id);
    else if (object.type === 'group-members') await this.#own(trx, this.#ctx.tables.group, object.groupId, 'unknown_group', 'group');
    else if (object.type === 'entity' && object.entity === 'group' && object.id !== null) {
      await this.#own(trx, this.#ctx.tables.group, object.id, 'unknown_group', 'group');
    }
  }

  /**
   * Validates criteria: shape, fields, values the dialect's columns hold, referenced groups in this domain, no
   * cycle through `groupId`, and no `inGroup` chain deeper than decisions evaluate.
   */
  async #checkCriteria(trx: Db, input: unknown, groupId: number | null): Promise<string> {
    const { criteria, groupIds } = checkCriteria(input, this.#ctx.fields, { dialect: this.#ctx.dialect });
    for (const ref of groupIds) await this.#own(trx, this.#ctx.tables.group, ref, 'unknown_group', 'group');
    const rows = await trx
      .selectFrom(this.#ctx.tables.group)
      .select(['id', 'criteria'])
      .where('domain_id', '=', this.#ctx.domainId)
      .where('kind', '=', 'smart')
      .execute();
    const edges = new Map<number, number[]>();
    for (const r of rows) {
      if (r.criteria) edges.set(Number(r.id), referencedGroups(JSON.parse(String(r.criteria))));
    }
    edges.set(groupId ?? 0, groupIds);
    if (groupId !== null) {
      const seen = new Set<number>();
      const stack = [...groupIds];
      while (stack.length > 0) {
        const g = stack.pop() as number;
        if (g === groupId) {
          throw new PolicyError('group_cycle', `criteria of group ${groupId} would make it depend on itself`, { groupId });
        }
        if (seen.has(g)) continue;
        seen.add(g);
        stack.push(...(edges.get(g) ?? []));
      }
    }
    assertGroupNesting(edges, groupId ?? 0);
    return JSON.stringify(criteria);
  }

  #entryRow(e: z.output<typeof entryInputSchema>): Record<string, unknown> {
    const o = e.object;
    return {
      entry_key: e.key ?? null,
      effect: e.effect,
      operation: e.operation,
      owner_type: e.owner.type,
      owner_id: 'id' in e.owner ? e.owner.id : null,
      object_type: o.type,
      object_entity: o.type === 'entity' ? o.entity : o.type === 'related' ? o.permission : null,
      object_id:
        o.type === 'contact'
          ? o.id
          : o.type === 'group-members'
            ? o.groupId
            : o.type === 'entity'
              ? o.id
              : o.type === 'related'
                ? o.relationshipTypeId
                : null,
      priority: e.priority,
      is_active: e.active ? 1 : 0,
    };
  }

  async #uniqueName(trx: Db, table: string, column: string, value: string, exceptId: number | null, what: string): Promise<void> {
    let q = trx.selectFrom(table).select('id').where('domain_id', '=', this.#ctx.domainId).where(column, '=', value);
    if (exceptId !== null) q = q.where('id', '!=', exceptId);
    if (await q.executeTakeFirst()) throw new PolicyError('duplicate', `${what} '${value}' already exists`, { [column]: value });
  }

  /**
   * Adds an entry. Its owner and object must exist in this domain; a group owner must be static.
   *
   * @example
   * ```ts
   * await admin.createEntry({ effect: 'allow', operation: 'edit', owner: { type: 'group', id: 3 }, object: { type: 'group-members', groupId: 9 } });
   * ```
   */
  async createEntry(input: EntryInput): Promise<number> {
    const entry = parseInput(entryInputSchema, input, 'entry');
    return this.#write('entry.create', 'entry', async (trx) => {
      await this.#checkOwner(trx, entry.owner);
      await this.#checkObject(trx, entry.object);
      if (entry.key) await this.#uniqueName(trx, this.#ctx.tables.entry, 'entry_key', entry.key, null, 'entry key');
      const id = await this.#insert(trx, this.#ctx.tables.entry, { domain_id: this.#ctx.domainId, ...this.#entryRow(entry) });
      return { targetId: id, before: null, after: { id, ...entry }, result: id };
    });
  }

  /**
   * Changes an entry (any of its fields).
   *
   * @example
   * ```ts
   * await admin.updateEntry(12, { active: false });
   * ```
   */
  async updateEntry(id: number, patch: EntryPatch): Promise<void> {
    parseInput(idSchema, id, 'entry id');
    const changes = parseInput(entryPatchSchema, patch, 'entry change');
    await this.#write('entry.update', 'entry', async (trx) => {
      const row = await this.#own(trx, this.#ctx.tables.entry, id, 'unknown_entry', 'entry');
      if (row.object_type === 'delegation') {
        // A delegated entry follows its parent; only switching it on or off is a change of its own.
        const keys = Object.keys(changes).filter((k) => (changes as Record<string, unknown>)[k] !== undefined);
        if (keys.some((k) => k !== 'active')) {
          throw new PolicyError('invalid_input', `entry ${id} is a delegation: only 'active' can change; delegate again instead`, { id });
        }
        if (changes.active !== undefined) await trx.updateTable(this.#ctx.tables.entry).set({ is_active: changes.active ? 1 : 0 }).where('id', '=', id).execute();
        return { targetId: id, before: row, after: { ...row, is_active: changes.active ? 1 : 0 }, result: undefined };
      }
      const before = this.#entryFromRow(row);
      const merged = parseInput(entryInputSchema, { ...before, ...changes }, 'entry');
      if (changes.owner) await this.#checkOwner(trx, merged.owner);
      if (changes.object) await this.#checkObject(trx, merged.object);
      if (changes.key) await this.#uniqueName(trx, this.#ctx.tables.entry, 'entry_key', changes.key, id, 'entry key');
      await trx.updateTable(this.#ctx.tables.entry).set(this.#entryRow(merged)).where('id', '=', id).execute();
      return { targetId: id, before, after: merged, result: undefined };
    });
  }

  /**
   * Removes an entry.
   *
   * @example
   * ```ts
   * await admin.deleteEntry(12);
   * ```
   */
  async deleteEntry(id: number): Promise<void> {
    parseInput(idSchema, id, 'entry id');
    await this.#write('entry.delete', 'entry', async (trx) => {
      const row = await this.#own(trx, this.#ctx.tables.entry, id, 'unknown_entry', 'entry');
      const dependents = await trx.selectFrom(this.#ctx.tables.entry).select('id').where('parent_entry_id', '=', id).execute();
      await trx.deleteFrom(this.#ctx.tables.entry).where('id', '=', id).execute();
      return { targetId: id, before: row.object_type === 'delegation' ? row : this.#entryFromRow(row), after: { orphanedDelegations: dependents.map((e) => Number(e.id)) }, result: undefined };
    });
  }

  #entryFromRow(row: Record<string, any>): EntryInput {
    return {
      key: row.entry_key ?? null,
      effect: row.effect,
      operation: row.operation,
      owner: ownerFromRow(row.owner_type, row.owner_id),
      object: objectFromRow(row.object_type, row.object_entity, row.object_id) as EntryInput['object'],
      priority: Number(row.priority),
      active: flag(row.is_active),
    };
  }

  /**
   * Creates a group: static, or smart with criteria (validated; referenced groups must exist in this domain).
   *
   * @example
   * ```ts
   * const vn = await admin.createGroup({ name: 'Vietnam', kind: 'smart', criteria: { field: 'country', op: '=', value: 'VN' } });
   * ```
   */
  async createGroup(input: GroupInput): Promise<number> {
    const group = parseInput(groupInputSchema, input, 'group');
    return this.#write('group.create', 'group', async (trx) => {
      await this.#uniqueName(trx, this.#ctx.tables.group, 'name', group.name, null, 'group');
      const criteria = group.kind === 'smart' ? await this.#checkCriteria(trx, group.criteria, null) : null;
      const id = await this.#insert(trx, this.#ctx.tables.group, {
        domain_id: this.#ctx.domainId,
        name: group.name,
        kind: group.kind,
        criteria,
        is_active: group.active ? 1 : 0,
      });
      return { targetId: id, before: null, after: { id, ...group }, result: id };
    });
  }

  /**
   * Changes a group's name, criteria (smart groups only; cycles refused) or active flag.
   *
   * @example
   * ```ts
   * await admin.updateGroup(4, { active: false }); // a disabled group grants and denies nothing
   * ```
   */
  async updateGroup(id: number, patch: GroupPatch): Promise<void> {
    parseInput(idSchema, id, 'group id');
    const changes = parseInput(groupPatchSchema, patch, 'group change');
    await this.#write('group.update', 'group', async (trx) => {
      const row = await this.#own(trx, this.#ctx.tables.group, id, 'unknown_group', 'group');
      const set: Record<string, unknown> = {};
      if (changes.name !== undefined) {
        await this.#uniqueName(trx, this.#ctx.tables.group, 'name', changes.name, id, 'group');
        set.name = changes.name;
      }
      if (changes.criteria !== undefined) {
        if (row.kind !== 'smart') throw new PolicyError('invalid_input', `group ${id} is static and has no criteria`, { groupId: id });
        set.criteria = await this.#checkCriteria(trx, changes.criteria, id);
      }
      if (changes.active !== undefined) set.is_active = changes.active ? 1 : 0;
      if (Object.keys(set).length > 0) await trx.updateTable(this.#ctx.tables.group).set(set).where('id', '=', id).execute();
      return { targetId: id, before: row, after: { ...row, ...set }, result: undefined };
    });
  }

  /**
   * Deletes a group and its memberships. Refused (`in_use`) while an entry, a role assignment or another
   * group's criteria refers to it.
   *
   * @example
   * ```ts
   * await admin.deleteGroup(4);
   * ```
   */
  async deleteGroup(id: number): Promise<void> {
    parseInput(idSchema, id, 'group id');
    await this.#write('group.delete', 'group', async (trx) => {
      const { tables: t, domainId } = this.#ctx;
      const row = await this.#own(trx, t.group, id, 'unknown_group', 'group');
      const entries = await trx
        .selectFrom(t.entry)
        .select('id')
        .where('domain_id', '=', domainId)
        .where((eb) =>
          eb.or([
            eb.and([eb('owner_type', '=', 'group'), eb('owner_id', '=', id)]),
            eb.and([eb('object_type', '=', 'group-members'), eb('object_id', '=', id)]),
            eb.and([eb('object_type', '=', 'entity'), eb('object_entity', '=', 'group'), eb('object_id', '=', id)]),
          ]),
        )
        .execute();
      const assignments = await trx
        .selectFrom(t.roleAssignment)
        .select('id')
        .where('assignee_type', '=', 'group')
        .where('assignee_id', '=', id)
        .execute();
      const smart = await trx.selectFrom(t.group).select(['id', 'criteria']).where('domain_id', '=', domainId).where('kind', '=', 'smart').execute();
      const dependents = smart.filter((g) => g.criteria && referencedGroups(JSON.parse(String(g.criteria))).includes(id)).map((g) => Number(g.id));
      if (entries.length + assignments.length + dependents.length > 0) {
        throw new PolicyError('in_use', `group ${id} is still referred to`, {
          entries: entries.map((e) => Number(e.id)),
          assignments: assignments.map((a) => Number(a.id)),
          groups: dependents,
        });
      }
      await trx.deleteFrom(t.groupContact).where('group_id', '=', id).execute();
      await trx.deleteFrom(t.group).where('id', '=', id).execute();
      return { targetId: id, before: row, after: null, result: undefined };
    });
  }

  /**
   * Sets a contact's status in a group (Added, Removed or Pending). In a smart group, Added includes and
   * Removed excludes the contact whatever the criteria say.
   *
   * @example
   * ```ts
   * await admin.setMembership({ groupId: 3, contactId: 7, status: 'Added' });
   * ```
   */
  async setMembership(input: MembershipInput): Promise<void> {
    const m = parseInput(membershipInputSchema, input, 'membership');
    await this.#write('membership.set', 'group_contact', async (trx) => {
      const t = this.#ctx.tables;
      await this.#own(trx, t.group, m.groupId, 'unknown_group', 'group');
      await this.#contact(trx, m.contactId);
      const existing = await trx
        .selectFrom(t.groupContact)
        .select('status')
        .where('group_id', '=', m.groupId)
        .where('contact_id', '=', m.contactId)
        .executeTakeFirst();
      if (existing) {
        await trx
          .updateTable(t.groupContact)
          .set({ status: m.status })
          .where('group_id', '=', m.groupId)
          .where('contact_id', '=', m.contactId)
          .execute();
      } else {
        await trx.insertInto(t.groupContact).values({ group_id: m.groupId, contact_id: m.contactId, status: m.status }).execute();
      }
      return { targetId: `${m.groupId}:${m.contactId}`, before: existing ?? null, after: m, result: undefined };
    });
  }

  /**
   * Forgets a contact's membership row in a group entirely (neither Added, Removed nor Pending).
   *
   * @example
   * ```ts
   * await admin.removeMembership({ groupId: 3, contactId: 7 });
   * ```
   */
  async removeMembership(input: { groupId: number; contactId: number }): Promise<void> {
    const m = parseInput(membershipInputSchema.omit({ status: true }), input, 'membership');
    await this.#write('membership.remove', 'group_contact', async (trx) => {
      const t = this.#ctx.tables;
      await this.#own(trx, t.group, m.groupId, 'unknown_group', 'group');
      await trx.deleteFrom(t.groupContact).where('group_id', '=', m.groupId).where('contact_id', '=', m.contactId).execute();
      return { targetId: `${m.groupId}:${m.contactId}`, before: m, after: null, result: undefined };
    });
  }

  /**
   * Creates an ACL role.
   *
   * @example
   * ```ts
   * const admins = await admin.createRole({ name: 'Administrator', isAdministrator: true });
   * ```
   */
  async createRole(input: RoleInput): Promise<number> {
    const role = parseInput(roleInputSchema, input, 'role');
    return this.#write('role.create', 'role', async (trx) => {
      await this.#uniqueName(trx, this.#ctx.tables.role, 'name', role.name, null, 'role');
      const id = await this.#insert(trx, this.#ctx.tables.role, {
        domain_id: this.#ctx.domainId,
        name: role.name,
        is_administrator: role.isAdministrator ? 1 : 0,
        is_active: role.active ? 1 : 0,
      });
      return { targetId: id, before: null, after: { id, ...role }, result: id };
    });
  }

  /**
   * Changes a role.
   *
   * @example
   * ```ts
   * await admin.updateRole(2, { active: false });
   * ```
   */
  async updateRole(id: number, patch: RolePatch): Promise<void> {
    parseInput(idSchema, id, 'role id');
    const changes = parseInput(rolePatchSchema, patch, 'role change');
    await this.#write('role.update', 'role', async (trx) => {
      const row = await this.#own(trx, this.#ctx.tables.role, id, 'unknown_role', 'role');
      const set: Record<string, unknown> = {};
      if (changes.name !== undefined) {
        await this.#uniqueName(trx, this.#ctx.tables.role, 'name', changes.name, id, 'role');
        set.name = changes.name;
      }
      if (changes.isAdministrator !== undefined) set.is_administrator = changes.isAdministrator ? 1 : 0;
      if (changes.active !== undefined) set.is_active = changes.active ? 1 : 0;
      if (Object.keys(set).length > 0) await trx.updateTable(this.#ctx.tables.role).set(set).where('id', '=', id).execute();
      return { targetId: id, before: row, after: { ...row, ...set }, result: undefined };
    });
  }

  /**
   * Deletes a role with its assignments and permissions. Refused (`in_use`) while entries are owned by it.
   *
   * @example
   * ```ts
   * await admin.deleteRole(2);
   * ```
   */
  async deleteRole(id: number): Promise<void> {
    parseInput(idSchema, id, 'role id');
    await this.#write('role.delete', 'role', async (trx) => {
      const t = this.#ctx.tables;
      const row = await this.#own(trx, t.role, id, 'unknown_role', 'role');
      const owned = await trx.selectFrom(t.entry).select('id').where('owner_type', '=', 'role').where('owner_id', '=', id).execute();
      if (owned.length > 0) {
        throw new PolicyError('in_use', `role ${id} still owns entries`, { entries: owned.map((e) => Number(e.id)) });
      }
      await trx.deleteFrom(t.roleAssignment).where('role_id', '=', id).execute();
      await trx.deleteFrom(t.rolePermission).where('role_id', '=', id).execute();
      await trx.deleteFrom(t.role).where('id', '=', id).execute();
      return { targetId: id, before: row, after: null, result: undefined };
    });
  }

  /**
   * Assigns a role to a contact or to a static group (whose Added members then hold it).
   *
   * @example
   * ```ts
   * await admin.assignRole({ roleId: 2, assignee: { type: 'group', id: 5 } });
   * ```
   */
  async assignRole(input: AssignmentInput): Promise<number> {
    const a = parseInput(assignmentInputSchema, input, 'role assignment');
    return this.#write('role.assign', 'role_assignment', async (trx) => {
      const t = this.#ctx.tables;
      await this.#own(trx, t.role, a.roleId, 'unknown_role', 'role');
      await this.#checkOwner(trx, a.assignee);
      const existing = await trx
        .selectFrom(t.roleAssignment)
        .select('id')
        .where('role_id', '=', a.roleId)
        .where('assignee_type', '=', a.assignee.type)
        .where('assignee_id', '=', a.assignee.id)
        .executeTakeFirst();
      if (existing) {
        throw new PolicyError('duplicate', `role ${a.roleId} is already assigned to that ${a.assignee.type}`, {
          assignmentId: Number(existing.id),
        });
      }
      const id = await this.#insert(trx, t.roleAssignment, {
        domain_id: this.#ctx.domainId,
        role_id: a.roleId,
        assignee_type: a.assignee.type,
        assignee_id: a.assignee.id,
        is_active: a.active ? 1 : 0,
      });
      return { targetId: id, before: null, after: { id, ...a }, result: id };
    });
  }

  /**
   * Removes a role assignment.
   *
   * @example
   * ```ts
   * await admin.unassignRole(17);
   * ```
   */
  async unassignRole(assignmentId: number): Promise<void> {
    parseInput(idSchema, assignmentId, 'assignment id');
    await this.#write('role.unassign', 'role_assignment', async (trx) => {
      const row = await this.#own(trx, this.#ctx.tables.roleAssignment, assignmentId, 'unknown_assignment', 'role assignment');
      await trx.deleteFrom(this.#ctx.tables.roleAssignment).where('id', '=', assignmentId).execute();
      return { targetId: assignmentId, before: row, after: null, result: undefined };
    });
  }

  /**
   * Grants a functional permission to a role (for hosts without a permission system of their own). The name
   * must be a known permission.
   *
   * @example
   * ```ts
   * await admin.grantPermission({ roleId: 2, permission: 'view all contacts' });
   * ```
   */
  async grantPermission(input: RolePermissionInput): Promise<void> {
    const p = parseInput(rolePermissionInputSchema, input, 'role permission');
    if (!this.#ctx.registry.has(p.permission)) {
      throw new PolicyError('invalid_input', `unknown permission '${p.permission}'`, { permission: p.permission });
    }
    await this.#write('permission.grant', 'role_permission', async (trx) => {
      const t = this.#ctx.tables;
      await this.#own(trx, t.role, p.roleId, 'unknown_role', 'role');
      const existing = await trx
        .selectFrom(t.rolePermission)
        .select('role_id')
        .where('role_id', '=', p.roleId)
        .where('permission', '=', p.permission)
        .executeTakeFirst();
      if (!existing) await trx.insertInto(t.rolePermission).values({ role_id: p.roleId, permission: p.permission }).execute();
      return { targetId: `${p.roleId}:${p.permission}`, before: existing ? p : null, after: p, result: undefined };
    });
  }

  /**
   * Revokes a functional permission from a role.
   *
   * @example
   * ```ts
   * await admin.revokePermission({ roleId: 2, permission: 'view all contacts' });
   * ```
   */
  async revokePermission(input: RolePermissionInput): Promise<void> {
    const p = parseInput(rolePermissionInputSchema, input, 'role permission');
    await this.#write('permission.revoke', 'role_permission', async (trx) => {
      const t = this.#ctx.tables;
      await this.#own(trx, t.role, p.roleId, 'unknown_role', 'role');
      await trx.deleteFrom(t.rolePermission).where('role_id', '=', p.roleId).where('permission', '=', p.permission).execute();
      return { targetId: `${p.roleId}:${p.permission}`, before: p, after: null, result: undefined };
    });
  }

  #hostManaged(): void {
    if (this.#ctx.contacts.table) {
      throw new PolicyError('host_managed', `contacts live in the host table '${this.#ctx.contacts.table}'; write them there`, {});
    }
  }

  #attributeColumns(attributes: Record<string, string | number | null>): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    const range = integerRange(this.#ctx.dialect);
    for (const [name, value] of Object.entries(attributes)) {
      const info = Object.hasOwn(this.#ctx.contacts.attributes, name) ? this.#ctx.contacts.attributes[name] : undefined;
      if (!info) throw new PolicyError('invalid_input', `unknown contact attribute '${name}'`, { attribute: name });
      const bad = attributeValueProblem(name, info.type, value, range);
      if (bad) throw new PolicyError(bad.code, bad.message, { attribute: name, value, type: info.type, min: range.min, max: range.max, dialect: this.#ctx.dialect });
      out[name] = value;
    }
    return out;
  }

  async #setSubTypes(trx: Db, contactId: number, subTypes: readonly string[]): Promise<void> {
    const t = this.#ctx.tables;
    await trx.deleteFrom(t.contactSubType).where('contact_id', '=', contactId).execute();
    const unique = [...new Set(subTypes)];
    if (unique.length > 0) {
      await trx.insertInto(t.contactSubType).values(unique.map((s) => ({ contact_id: contactId, sub_type: s }))).execute();
    }
  }

  /**
   * Creates a contact in the engine's reference table (not available when the host's own contact table is
   * configured).
   *
   * @example
   * ```ts
   * const id = await admin.createContact({ key: 'an', contactType: 'Individual', subTypes: ['sales'], attributes: { country: 'VN' } });
   * ```
   */
  async createContact(input: ContactInput): Promise<number> {
    this.#hostManaged();
    const c = parseInput(contactInputSchema, input, 'contact');
    const attributes = this.#attributeColumns(c.attributes);
    return this.#write('contact.create', 'contact', async (trx) => {
      const t = this.#ctx.tables;
      if (c.key) await this.#uniqueName(trx, t.contact, 'contact_key', c.key, null, 'contact key');
      const id = await this.#insert(trx, t.contact, {
        domain_id: this.#ctx.domainId,
        contact_key: c.key ?? null,
        contact_type: c.contactType,
        sort_name: c.sortName ?? null,
        is_deleted: c.isDeleted ? 1 : 0,
        ...attributes,
      });
      await this.#setSubTypes(trx, id, c.subTypes);
      return { targetId: id, before: null, after: { id, ...c }, result: id };
    });
  }

  /**
   * Changes a contact in the reference table (attributes, sub-types, type, deleted flag).
   *
   * @example
   * ```ts
   * await admin.updateContact(7, { isDeleted: true });
   * ```
   */
  async updateContact(id: number, patch: ContactPatch): Promise<void> {
    this.#hostManaged();
    parseInput(idSchema, id, 'contact id');
    const c = parseInput(contactPatchSchema, patch, 'contact change');
    const attributes = this.#attributeColumns(c.attributes ?? {});
    await this.#write('contact.update', 'contact', async (trx) => {
      const t = this.#ctx.tables;
      await this.#contact(trx, id);
      const before = await this.#row(trx, t.contact, id);
      const set: Record<string, unknown> = { ...attributes };
      if (c.key !== undefined) {
        if (c.key) await this.#uniqueName(trx, t.contact, 'contact_key', c.key, id, 'contact key');
        set.contact_key = c.key;
      }
      if (c.contactType !== undefined) set.contact_type = c.contactType;
      if (c.sortName !== undefined) set.sort_name = c.sortName;
      if (c.isDeleted !== undefined) set.is_deleted = c.isDeleted ? 1 : 0;
      if (Object.keys(set).length > 0) await trx.updateTable(t.contact).set(set).where('id', '=', id).execute();
      if (c.subTypes) await this.#setSubTypes(trx, id, c.subTypes);
      return { targetId: id, before, after: { ...before, ...set, subTypes: c.subTypes }, result: undefined };
    });
  }

  /**
   * Sets a contact's sub-types (also for host-managed contacts: sub-types live in the engine's table).
   *
   * @example
   * ```ts
   * await admin.setSubTypes(7, ['manager']);
   * ```
   */
  async setSubTypes(contactId: number, subTypes: readonly string[]): Promise<void> {
    parseInput(idSchema, contactId, 'contact id');
    const list = parseInput(z.array(z.string().min(1).max(64)).max(50), subTypes, 'sub-types');
    await this.#write('contact.subtypes', 'contact', async (trx) => {
      await this.#contact(trx, contactId);
      await this.#setSubTypes(trx, contactId, list);
      return { targetId: contactId, before: null, after: { subTypes: list }, result: undefined };
    });
  }

  /**
   * Links a host user to a contact (at most one contact per user and one user per contact, per domain).
   *
   * @example
   * ```ts
   * await admin.linkUser({ userId: 'drupal:17', contactId: 7 });
   * ```
   */
  async linkUser(input: UserLinkInput): Promise<void> {
    const l = parseInput(userLinkInputSchema, input, 'user link');
    await this.#write('user.link', 'user_link', async (trx) => {
      const { tables: t, domainId } = this.#ctx;
      await this.#contact(trx, l.contactId);
      const clash = await trx
        .selectFrom(t.userLink)
        .select(['user_id', 'contact_id'])
        .where('domain_id', '=', domainId)
        .where((eb) => eb.or([eb('user_id', '=', l.userId), eb('contact_id', '=', l.contactId)]))
        .execute();
      const same = clash.find((r) => r.user_id === l.userId && Number(r.contact_id) === l.contactId);
      if (!same && clash.length > 0) {
        throw new PolicyError('duplicate', `user '${l.userId}' or contact ${l.contactId} is already linked`, { links: clash });
      }
      if (!same) await trx.insertInto(t.userLink).values({ domain_id: domainId, user_id: l.userId, contact_id: l.contactId }).execute();
      return { targetId: l.userId, before: same ?? null, after: l, result: undefined };
    });
  }

  /**
   * Removes a user's link to its contact.
   *
   * @example
   * ```ts
   * await admin.unlinkUser('drupal:17');
   * ```
   */
  async unlinkUser(userId: string): Promise<void> {
    const u = parseInput(userLinkInputSchema.shape.userId, userId, 'user id');
    await this.#write('user.unlink', 'user_link', async (trx) => {
      const t = this.#ctx.tables;
      const row = await trx.selectFrom(t.userLink).selectAll().where('domain_id', '=', this.#ctx.domainId).where('user_id', '=', u).executeTakeFirst();
      await trx.deleteFrom(t.userLink).where('domain_id', '=', this.#ctx.domainId).where('user_id', '=', u).execute();
      return { targetId: u, before: row ?? null, after: null, result: undefined };
    });
  }

  /**
   * Creates a relationship type with a permission in each direction (`none`, `view` or `edit`).
   *
   * @example
   * ```ts
   * const employee = await admin.createRelationshipType({ name: 'Employee of', nameBA: 'Employer of', permissionBA: 'edit' });
   * ```
   */
  async createRelationshipType(input: RelationshipTypeInput): Promise<number> {
    const r = parseInput(relationshipTypeInputSchema, input, 'relationship type');
    return this.#write('relationship_type.create', 'relationship_type', async (trx) => {
      await this.#uniqueName(trx, this.#ctx.tables.relationshipType, 'name', r.name, null, 'relationship type');
      const id = await this.#insert(trx, this.#ctx.tables.relationshipType, {
        domain_id: this.#ctx.domainId,
        name: r.name,
        name_b_a: r.nameBA ?? null,
        permission_a_b: r.permissionAB,
        permission_b_a: r.permissionBA,
        is_active: r.active ? 1 : 0,
      });
      return { targetId: id, before: null, after: { id, ...r }, result: id };
    });
  }

  /**
   * Changes a relationship type (names, permissions, active flag).
   *
   * @example
   * ```ts
   * await admin.updateRelationshipType(2, { permissionBA: 'view' });
   * ```
   */
  async updateRelationshipType(id: number, patch: RelationshipTypePatch): Promise<void> {
    parseInput(idSchema, id, 'relationship type id');
    const c = parseInput(relationshipTypePatchSchema, patch, 'relationship type change');
    await this.#write('relationship_type.update', 'relationship_type', async (trx) => {
      const t = this.#ctx.tables.relationshipType;
      const row = await this.#own(trx, t, id, 'unknown_relationship_type', 'relationship type');
      const set: Record<string, unknown> = {};
      if (c.name !== undefined) {
        await this.#uniqueName(trx, t, 'name', c.name, id, 'relationship type');
        set.name = c.name;
      }
      if (c.nameBA !== undefined) set.name_b_a = c.nameBA;
      if (c.permissionAB !== undefined) set.permission_a_b = c.permissionAB;
      if (c.permissionBA !== undefined) set.permission_b_a = c.permissionBA;
      if (c.active !== undefined) set.is_active = c.active ? 1 : 0;
      if (Object.keys(set).length > 0) await trx.updateTable(t).set(set).where('id', '=', id).execute();
      return { targetId: id, before: row, after: { ...row, ...set }, result: undefined };
    });
  }

  /**
   * Deletes a relationship type. Refused (`in_use`) while relationships of that type exist or entries name it.
   *
   * @example
   * ```ts
   * await admin.deleteRelationshipType(2);
   * ```
   */
  async deleteRelationshipType(id: number): Promise<void> {
    parseInput(idSchema, id, 'relationship type id');
    await this.#write('relationship_type.delete', 'relationship_type', async (trx) => {
      const t = this.#ctx.tables;
      const row = await this.#own(trx, t.relationshipType, id, 'unknown_relationship_type', 'relationship type');
      const used = await trx.selectFrom(t.relationship).select('id').where('type_id', '=', id).execute();
      const entries = await trx.selectFrom(t.entry).select('id').where('object_type', '=', 'related').where('object_id', '=', id).execute();
      if (used.length + entries.length > 0) {
        throw new PolicyError('in_use', `relationship type ${id} is still in use`, {
          relationships: used.map((r) => Number(r.id)),
          entries: entries.map((e) => Number(e.id)),
        });
      }
      await trx.deleteFrom(t.relationshipType).where('id', '=', id).execute();
      return { targetId: id, before: row, after: null, result: undefined };
    });
  }

  /**
   * Relates two contacts of this domain: A is `<type>` of B, active, between optional inclusive dates.
   *
   * @example
   * ```ts
   * await admin.createRelationship({ typeId: employee, contactA: 7, contactB: 3, startDate: '2026-01-01' });
   * ```
   */
  async createRelationship(input: RelationshipInput): Promise<number> {
    const r = parseInput(relationshipInputSchema, input, 'relationship');
    return this.#write('relationship.create', 'relationship', async (trx) => {
      await this.#own(trx, this.#ctx.tables.relationshipType, r.typeId, 'unknown_relationship_type', 'relationship type');
      await this.#contact(trx, r.contactA);
      await this.#contact(trx, r.contactB);
      const id = await this.#insert(trx, this.#ctx.tables.relationship, {
        domain_id: this.#ctx.domainId,
        type_id: r.typeId,
        contact_a: r.contactA,
        contact_b: r.contactB,
        is_active: r.active ? 1 : 0,
        start_date: r.startDate ?? null,
        end_date: r.endDate ?? null,
      });
      return { targetId: id, before: null, after: { id, ...r }, result: id };
    });
  }

  /**
   * Changes a relationship's active flag or dates (reversed dates are refused).
   *
   * @example
   * ```ts
   * await admin.updateRelationship(5, { endDate: '2026-12-31' });
   * ```
   */
  async updateRelationship(id: number, patch: RelationshipPatch): Promise<void> {
    parseInput(idSchema, id, 'relationship id');
    const c = parseInput(relationshipPatchSchema, patch, 'relationship change');
    await this.#write('relationship.update', 'relationship', async (trx) => {
      const t = this.#ctx.tables.relationship;
      const row = await this.#own(trx, t, id, 'unknown_relationship', 'relationship');
      const start = c.startDate !== undefined ? c.startDate : row.start_date;
      const end = c.endDate !== undefined ? c.endDate : row.end_date;
      if (start && end && start > end) {
        throw new PolicyError('invalid_input', `the dates are reversed (end ${end} before start ${start})`, { startDate: start, endDate: end });
      }
      const set: Record<string, unknown> = {};
      if (c.active !== undefined) set.is_active = c.active ? 1 : 0;
      if (c.startDate !== undefined) set.start_date = c.startDate;
      if (c.endDate !== undefined) set.end_date = c.endDate;
      if (Object.keys(set).length > 0) await trx.updateTable(t).set(set).where('id', '=', id).execute();
      return { targetId: id, before: row, after: { ...row, ...set }, result: undefined };
    });
  }

  /**
   * Deletes a relationship.
   *
   * @example
   * ```ts
   * await admin.deleteRelationship(5);
   * ```
   */
  async deleteRelationship(id: number): Promise<void> {
    parseInput(idSchema, id, 'relationship id');
    await this.#write('relationship.delete', 'relationship', async (trx) => {
      const row = await this.#own(trx, this.#ctx.tables.relationship, id, 'unknown_relationship', 'relationship');
      await trx.deleteFrom(this.#ctx.tables.relationship).where('id', '=', id).execute();
      return { targetId: id, before: row, after: null, result: undefined };
    });
  }

  /**
   * Delegates a subset of one of the granter's allow entries (the parent) to a recipient: the same or a
   * narrower operation, the parent's object narrowed by optional criteria. Refused (nothing written) when the
   * granter does not hold the parent, has no grant right covering the recipient, the operation is wider than
   * the parent's, or the recipient already stands in the parent's chain of granters. The derived entry stays
   * bounded by its parent at every decision.
   *
   * @example
   * ```ts
   * await admin.delegate({ granter: 7, recipient: 9, parentEntryId: 12, operation: 'view', criteria: { subType: 'volunteer' } });
   * ```
   */
  async delegate(input: DelegationInput): Promise<number> {
    const d = parseInput(delegationInputSchema, input, 'delegation');
    const refuse = (message: string, details: Record<string, unknown> = {}): never => {
      throw new PolicyError('delegation_refused', message, { ...d, ...details });
    };
    if (d.granter === d.recipient) throw new PolicyError('delegation_loop', 'a contact cannot delegate to itself', { granter: d.granter });
    const criteria = d.criteria === undefined || d.criteria === null ? null : checkCriteria(d.criteria, this.#ctx.fields, { dialect: this.#ctx.dialect });
    return this.#write('entry.delegate', 'entry', async (trx) => {
      if (!this.#ctx.delegationContext) throw new PolicyError('invalid_input', 'delegation needs the engine', {});
      const { snapshot, granter, recipient } = await this.#ctx.delegationContext(d.granter, d.recipient, trx as Transaction<any>);
      if (!recipient || (recipient.domainId !== null && recipient.domainId !== this.#ctx.domainId)) {
        throw new PolicyError('unknown_contact', `contact ${d.recipient} does not exist in this domain`, { contactId: d.recipient });
      }
      const byId = new Map(snapshot.entries.map((e) => [e.id, e]));
      const parent = byId.get(d.parentEntryId);
      if (!parent) throw new PolicyError('unknown_entry', `entry ${d.parentEntryId} does not exist in this domain`, { id: d.parentEntryId });
      if (!parent.active || parent.effect !== 'allow' || parent.operation === 'grant') {
        refuse(`entry ${parent.id} is not an active allow that can be delegated`);
      }
      const held =
        parent.object.type === 'delegation'
          ? granter.extraEntries.some((e) => e.id === parent.id && e.object.type === 'delegated')
          : ownerHeld(parent.owner, granter) !== undefined;
      if (!held) refuse(`contact ${d.granter} does not hold entry ${parent.id}`);
      if (parent.object.type === 'related' || parent.object.type === 'entity') refuse(`entry ${parent.id} governs ${parent.object.type} objects, which cannot be delegated`);
      if (!operationWithin(d.operation, parent.operation)) refuse(`operation '${d.operation}' is wider than the parent's '${parent.operation}'`);
      const grantPlan = buildPlan(snapshot, granter, 'grant');
      if (!grantPlan.administrator && grantPlan.entries.length === 0) refuse(`contact ${d.granter} has no grant right`);
      if (!decideInMemory(grantPlan, snapshot, recipient).allowed) refuse(`contact ${d.recipient} is outside contact ${d.granter}'s grant set`);
      for (let link = parent; link.object.type === 'delegation'; ) {
        if (link.object.granterId === d.recipient) {
          throw new PolicyError('delegation_loop', `contact ${d.recipient} already granted entry ${link.id}'s chain`, { chain: link.id });
        }
        const next = byId.get(link.object.parentEntryId);
        if (!next) break;
        link = next;
      }
      if (criteria) for (const g of criteria.groupIds) await this.#own(trx, this.#ctx.tables.group, g, 'unknown_group', 'group');
      if (d.key) await this.#uniqueName(trx, this.#ctx.tables.entry, 'entry_key', d.key, null, 'entry key');
      const id = await this.#insert(trx, this.#ctx.tables.entry, {
        domain_id: this.#ctx.domainId,
        entry_key: d.key ?? null,
        effect: 'allow',
        operation: d.operation,
        owner_type: 'contact',
        owner_id: d.recipient,
        object_type: 'delegation',
        object_entity: null,
        object_id: parent.id,
        priority: parent.priority,
        is_active: 1,
        parent_entry_id: parent.id,
        criteria: criteria ? JSON.stringify(criteria.criteria) : null,
        granted_by: d.granter,
      });
      return { targetId: id, before: null, after: { id, ...d }, result: id };
    });
  }
}
