import { sql, type Kysely, type Transaction } from 'kysely';
import { z } from 'zod';
import { checkCriteria, referencedGroups, type Criteria } from '../model/criteria-schema.js';
import { assertGroupSize, tokenizedGroups, type CostedGroup } from '../model/group-cost.js';
import { PolicyError } from '../model/engine-errors.js';
import { assertGroupNesting } from '../model/group-nesting.js';
import { ENTRY_OPERATIONS } from '../model/operation-model.js';
import type { ObjectRef, OwnerRef } from '../model/policy-model.js';
import type { AdminContext, ChangeRecord } from './admin-context.js';
import { retryOnConflict } from './conflict-retry.js';

/** A handle the writes run their statements on (always the write's transaction). */
export type AdminDb = Kysely<any> | Transaction<any>;

/** What the body of one audited write returns: the audit row's target and images, and the caller's result. */
export interface WriteOutcome<T> {
  readonly targetId: number | string | null;
  readonly before: unknown;
  readonly after: unknown;
  readonly result: T;
  /** More audit rows of the same write (a batch's changes), written in the same statement as its own row. */
  readonly moreAudit?: readonly { readonly action: string; readonly targetType: string; readonly targetId: string; readonly after: unknown }[];
}

/** The `unknown_*` codes {@link AdminWriter.own} throws, one per kind of domain-owned row. */
export type UnknownRowCode =
  | 'unknown_group'
  | 'unknown_role'
  | 'unknown_entry'
  | 'unknown_assignment'
  | 'unknown_relationship_type'
  | 'unknown_relationship';

/**
 * Parses write-API input with a zod schema; a bad `operation` throws `unknown_operation`, anything else
 * `invalid_input`, both as {@link PolicyError} carrying the issues.
 *
 * @example
 * ```ts
 * const id = parseInput(idSchema, input, 'entry id');
 * ```
 */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
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
 * The one shared helper of the write API's aggregates: runs a write in a transaction (its own, or the one it
 * is bound to), bumps the domain version, writes the audit row and reports the change after commit; and checks
 * references (rows of this domain, contacts, entry owners and objects, criteria, unique names).
 *
 * @example
 * ```ts
 * const writer = new AdminWriter(ctx, 'alice@example.org');
 * const id = await writer.write('role.create', 'role', async (trx) => {
 *   const id = await writer.insert(trx, ctx.tables.role, { domain_id: ctx.domainId, name: 'Sales', is_administrator: 0, is_active: 1 });
 *   return { targetId: id, before: null, after: { id }, result: id };
 * });
 * ```
 */
export class AdminWriter {
  readonly ctx: AdminContext;
  readonly actor: string;
  readonly #trx: Transaction<any> | undefined;
  readonly #pending: ChangeRecord[];

  /** `actor` must already be validated; `trx` and `pending` bind the writer to an open transaction. */
  constructor(ctx: AdminContext, actor: string, trx?: Transaction<any>, pending?: ChangeRecord[]) {
    this.ctx = ctx;
    this.actor = actor;
    this.#trx = trx;
    this.#pending = pending ?? [];
  }

  /** The transaction this writer is bound to, if any. */
  get trx(): Transaction<any> | undefined {
    return this.#trx;
  }

  /**
   * Runs `fn` in the bound transaction, or in a new one whose changes are reported (`onChange`) after commit.
   * `fn` gets the transaction and the list its changes are collected in. A new transaction the database aborts
   * for a conflict (deadlock) runs again from the start, a bounded number of times ({@link retryOnConflict}).
   */
  async transaction<T>(fn: (trx: Transaction<any>, pending: ChangeRecord[]) => Promise<T>): Promise<T> {
    if (this.#trx) return fn(this.#trx, this.#pending);
    let pending: ChangeRecord[] = [];
    const result = await retryOnConflict(() => {
      pending = [];
      return this.ctx.db.transaction().execute((trx) => fn(trx, pending));
    }, this.ctx.onWriteRetry);
    for (const change of pending) this.ctx.onChange?.(change);
    return result;
  }

  /** Runs one audited write: bumps the domain version, runs `fn`, writes the audit row, records the change. */
  async write<T>(action: string, targetType: string, fn: (trx: AdminDb) => Promise<WriteOutcome<T>>): Promise<T> {
    return this.transaction(async (trx, pending) => {
      const { tables: t, domainId } = this.ctx;
      // Bumping the version first takes the domain row's lock: writers of one domain are serialised (so the
      // reference, uniqueness and cycle checks below see a stable state), and always in the same lock order.
      await trx
        .updateTable(t.domain)
        .set({ version: sql`version + 1` })
        .where('id', '=', domainId)
        .execute();
      const { targetId, before, after, result, moreAudit = [] } = await fn(trx);
      const at = new Date().toISOString();
      const rows = [
        {
          domain_id: domainId,
          actor: this.actor,
          action,
          target_type: targetType,
          target_id: targetId === null ? null : String(targetId),
          before_json: before === undefined || before === null ? null : JSON.stringify(before),
          after_json: after === undefined || after === null ? null : JSON.stringify(after),
          created_at: at,
        },
        ...moreAudit.map((r) => ({
          domain_id: domainId,
          actor: this.actor,
          action: r.action,
          target_type: r.targetType,
          target_id: r.targetId.slice(0, 64),
          before_json: null,
          after_json: r.after === undefined || r.after === null ? null : JSON.stringify(r.after),
          created_at: at,
        })),
      ];
      for (let i = 0; i < rows.length; i += 1000) await trx.insertInto(t.audit).values(rows.slice(i, i + 1000)).execute();
      pending.push({
        domainId,
        actor: this.actor,
        action,
        targetType,
        targetId: targetId === null ? null : String(targetId),
        before: before ?? null,
        after: after ?? null,
      });
      return result;
    });
  }

  /** Inserts a row and returns its generated id. */
  async insert(trx: AdminDb, table: string, values: Record<string, unknown>): Promise<number> {
    if (this.ctx.dialect === 'postgres') {
      const row = await trx.insertInto(table).values(values).returning('id').executeTakeFirstOrThrow();
      return Number(row.id);
    }
    const res = await trx.insertInto(table).values(values).executeTakeFirstOrThrow();
    return Number(res.insertId);
  }

  /** Loads a row by id. */
  async row(trx: AdminDb, table: string, id: number): Promise<Record<string, any> | undefined> {
    return trx.selectFrom(table).selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** Loads a row of this domain or throws `unknown_*` / `cross_domain`. */
  async own(trx: AdminDb, table: string, id: number, code: UnknownRowCode, what: string): Promise<Record<string, any>> {
    const row = await this.row(trx, table, id);
    if (!row) throw new PolicyError(code, `${what} ${id} does not exist`, { id });
    if (Number(row.domain_id) !== this.ctx.domainId) {
      throw new PolicyError('cross_domain', `${what} ${id} belongs to another domain`, { id, domainId: this.ctx.domainId });
    }
    return row;
  }

  /** Checks that a contact exists in this domain (host table or reference table) or throws. */
  async contact(trx: AdminDb, id: number): Promise<void> {
    const { contacts } = this.ctx;
    const table = contacts.table ?? this.ctx.tables.contact;
    const cols = contacts.columns.domainId ? sql`${sql.ref(contacts.columns.domainId)} as d` : sql`null as d`;
    const { rows } = await sql<{ d: unknown }>`select ${cols} from ${sql.table(table)} where ${sql.ref(contacts.columns.id)} = ${id}`.execute(trx);
    const row = rows[0];
    if (!row) throw new PolicyError('unknown_contact', `contact ${id} does not exist`, { contactId: id });
    if (contacts.columns.domainId && Number(row.d) !== this.ctx.domainId) {
      throw new PolicyError('cross_domain', `contact ${id} belongs to another domain`, { contactId: id });
    }
  }

  /** Checks an entry owner or role assignee: it exists in this domain, and a group is static. */
  async checkOwner(trx: AdminDb, owner: OwnerRef): Promise<void> {
    if (owner.type === 'contact') await this.contact(trx, owner.id);
    else if (owner.type === 'role') await this.own(trx, this.ctx.tables.role, owner.id, 'unknown_role', 'role');
    else if (owner.type === 'group') {
      const g = await this.own(trx, this.ctx.tables.group, owner.id, 'unknown_group', 'group');
      if (g.kind !== 'static') {
        throw new PolicyError('not_static_group', `group ${owner.id} is smart; only static groups can own entries or hold roles`, {
          groupId: owner.id,
        });
      }
    }
  }

  /** Checks an entry object: a registered entity type, and referenced rows existing in this domain. */
  async checkObject(trx: AdminDb, object: ObjectRef): Promise<void> {
    if (object.type === 'entity' && !this.ctx.entityTypes.has(object.entity)) {
      throw new PolicyError('invalid_input', `unknown object type '${object.entity}' (register it in the engine's entityTypes)`, {
        entity: object.entity,
      });
    }
    if (object.type === 'related' && object.relationshipTypeId !== null) {
      await this.own(trx, this.ctx.tables.relationshipType, object.relationshipTypeId, 'unknown_relationship_type', 'relationship type');
    }
    if (object.type === 'contact') await this.contact(trx, object.id);
    else if (object.type === 'group-members') await this.own(trx, this.ctx.tables.group, object.groupId, 'unknown_group', 'group');
    else if (object.type === 'entity' && object.entity === 'group' && object.id !== null) {
      await this.own(trx, this.ctx.tables.group, object.id, 'unknown_group', 'group');
    }
  }

  /**
   * Validates criteria: shape, fields, values the dialect's columns hold, referenced groups in this domain, no
   * cycle through `groupId`, and no `inGroup` chain deeper than decisions evaluate. Returns them as JSON.
   */
  async checkCriteria(trx: AdminDb, input: unknown, groupId: number | null): Promise<string> {
    const { criteria, groupIds } = checkCriteria(input, this.ctx.fields, { dialect: this.ctx.dialect });
    for (const ref of groupIds) await this.own(trx, this.ctx.tables.group, ref, 'unknown_group', 'group');
    const rows = await trx
      .selectFrom(this.ctx.tables.group)
      .select(['id', 'criteria', 'members_at'])
      .where('domain_id', '=', this.ctx.domainId)
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
    // Non-tokenized groups of a materialising domain are read from their rows, so they cost two parameters.
    const all = new Map<number, Criteria | null>();
    for (const r of rows) if (r.criteria) all.set(Number(r.id), JSON.parse(String(r.criteria)) as Criteria);
    all.set(groupId ?? 0, criteria);
    const materialising = this.ctx.contacts.table === undefined || rows.some((r) => r.members_at !== null && r.members_at !== undefined);
    const tokenized = tokenizedGroups(all);
    const costed = new Map<number, CostedGroup>();
    for (const [id, c] of all) costed.set(id, { criteria: c, materialised: materialising && !tokenized.has(id) });
    assertGroupSize(costed, groupId ?? 0);
    return JSON.stringify(criteria);
  }

  /** Throws `duplicate` when another row of this domain (other than `exceptId`) has `value` in `column`. */
  async uniqueName(trx: AdminDb, table: string, column: string, value: string, exceptId: number | null, what: string): Promise<void> {
    let q = trx.selectFrom(table).select('id').where('domain_id', '=', this.ctx.domainId).where(column, '=', value);
    if (exceptId !== null) q = q.where('id', '!=', exceptId);
    if (await q.executeTakeFirst()) throw new PolicyError('duplicate', `${what} '${value}' already exists`, { [column]: value });
  }
}
