import { sql, type Expression, type RawBuilder, type SelectQueryBuilder, type SqlBool } from 'kysely';
import { z } from 'zod';
import { buildPlan, type AccessPlan } from './access-plan.js';
import { decideInMemory, type DecisionDetail } from './decision-memory.js';
import { toExplanation, type Explanation } from './decision-explanation.js';
import { identifierSchema, parseIdentifier } from './engine-config.js';
import { AccessDeniedError } from './engine-errors.js';
import { SQL_FALSE, type SqlContext } from './membership-sql.js';
import { operationSchema, type Operation } from './operation-model.js';
import { compileClause } from './permission-clause.js';
import type { PolicySnapshot } from './policy-model.js';
import { loadContactFacts } from './policy-store.js';
import type { ResolvedSubject, SubjectInput } from './subject-model.js';
import type { EngineInternals } from './engine-internals.js';
import {
  chooseShape,
  clauseShapeSettingSchema,
  shapeReason,
  type ClausePurpose,
  type ClauseShape,
  type ClauseShapeSetting,
  type ShapeChoice,
} from './clause-shape.js';
import { candidateSchema, decideCreate, type CandidateInput, type CreateDecision } from './create-check.js';
import {
  conditionsHold,
  entityAllowed,
  entityClauseSql,
  NO_ENTITY,
  permittedEntities,
  type EntityPermission,
} from './entity-permissions.js';
import { entityTypeSchema } from './admin/admin-schemas.js';
import { PolicyError } from './engine-errors.js';
import type { FieldValue } from './policy-model.js';
import { withDeadline } from './decision-deadline.js';

/** Options of the SQL form. */
export interface ClauseOptions {
  /** The alias (or table name) of the contact table in the host's query. Default: the contact table's name. */
  readonly alias?: string;
  /**
   * What the host's query does with the clause: `page` (ORDER BY ... LIMIT over its own index; the default) or
   * `count`. It steers the clause's shape, never its answer.
   */
  readonly purpose?: ClausePurpose;
  /** Force one shape for this clause (default: the engine's `clauseShape` setting, normally `auto`). */
  readonly shape?: ClauseShapeSetting;
}

/** The SQL form with the shape choices behind it (see {@link SubjectSession.explainClause}). */
export interface ClauseExplanation {
  readonly operation: Operation;
  readonly purpose: ClausePurpose;
  readonly shapes: readonly ShapeChoice[];
  /** `select <id> from <contact table> as <alias> where <clause>`, compiled for this dialect. */
  readonly sql: string;
  readonly parameters: readonly unknown[];
  readonly error?: string;
}

const ERROR_DETAIL: DecisionDetail = {
  allowed: false,
  reason: 'error',
  applicable: [],
  decidingTier: null,
  deciding: null,
  losers: [],
  conflicts: [],
  extension: null,
};

const idsSchema = z.array(z.number().int().positive()).max(100_000);
const contactIdSchema = z.number().int().positive();

/**
 * Decisions for one subject in one domain. Cheap to create (per request); every call first reads the domain's
 * version (one indexed lookup) and re-resolves the subject when anything changed, so a committed change is seen
 * by the very next call in every process. Every method fails closed: an error yields deny (or a constant-false
 * clause) and is reported through the engine's `onError`.
 *
 * @example
 * ```ts
 * const me = domain.subject({ userId: 'drupal:17' });
 * if (await me.check('edit', 42)) { ... }
 * const rows = await me.applyTo(db.selectFrom('rg_contact as c').select(['c.id', 'c.sort_name']), 'view', { alias: 'c' }).execute();
 * ```
 */
export class SubjectSession {
  readonly #engine: EngineInternals;
  readonly #domainId: number;
  readonly #input: SubjectInput;
  #resolved: { version: number; today: string; subject: ResolvedSubject; plans: Map<Operation, AccessPlan> } | undefined;

  constructor(engine: EngineInternals, domainId: number, input: SubjectInput) {
    this.#engine = engine;
    this.#domainId = domainId;
    // Frozen: observers (`onDecision`) receive it, and it must stay the subject this session decides for.
    this.#input = Object.freeze({ ...input });
  }

  async #current(): Promise<{ snapshot: PolicySnapshot; subject: ResolvedSubject; plans: Map<Operation, AccessPlan> }> {
    const snapshot = await this.#engine.snapshot(this.#domainId);
    const today = this.#engine.today();
    if (this.#resolved?.version !== snapshot.version || this.#resolved.today !== today) {
      const subject = await this.#engine.resolve(snapshot, this.#input);
      this.#resolved = { version: snapshot.version, today, subject, plans: new Map() };
    }
    return { snapshot, subject: this.#resolved.subject, plans: this.#resolved.plans };
  }

  async #plan(op: Operation): Promise<{ snapshot: PolicySnapshot; plan: AccessPlan }> {
    const { snapshot, subject, plans } = await this.#current();
    let plan = plans.get(op);
    if (!plan) {
      plan = buildPlan(snapshot, subject, op, await this.#engine.adjust(subject, op, snapshot));
      plans.set(op, plan);
    }
    return { snapshot, plan };
  }

  /** Runs one decision's work within the engine's decision timeout (past it: `DatabaseTimeoutError`, so deny). */
  #timed<T>(action: string, work: () => Promise<T>): Promise<T> {
    return withDeadline(work, this.#engine.decisionTimeoutMs, action);
  }

  #fail(action: string, error: unknown): void {
    this.#engine.reportError(error, { action, domainId: this.#domainId, subject: this.#input });
  }

  /**
   * The resolved subject (contact, groups, roles, permissions), or undefined when resolution fails.
   *
   * @example
   * ```ts
   * (await me.resolve())?.roleIds;
   * ```
   */
  async resolve(): Promise<ResolvedSubject | undefined> {
    try {
      return (await this.#timed('resolve', () => this.#current())).subject;
    } catch (err) {
      this.#fail('resolve', err);
      return undefined;
    }
  }

  /**
   * Decides one operation on one contact (in memory, from the contact's fields, sub-types and memberships).
   *
   * @example
   * ```ts
   * await me.check('view', 42); // true or false
   * ```
   */
  async check(operation: Operation, contactId: number): Promise<boolean> {
    return (await this.#decide('check', operation, contactId)).detail.allowed;
  }

  async #decide(
    action: string,
    operation: Operation,
    contactId: number,
  ): Promise<{ detail: DecisionDetail; subject: ResolvedSubject | null; error?: unknown }> {
    try {
      const op = operationSchema.parse(operation);
      const id = contactIdSchema.parse(contactId);
      const { detail, plan } = await this.#timed(action, async () => {
        const { snapshot, plan } = await this.#plan(op);
        const facts = (await loadContactFacts(this.#engine.store, [id])).get(id);
        return { detail: decideInMemory(plan, snapshot, facts), plan };
      });
      this.#engine.decided({ domainId: this.#domainId, subject: this.#input, operation: op, contactId: id, allowed: detail.allowed });
      return { detail, subject: plan.subject };
    } catch (error) {
      this.#fail(action, error);
      return { detail: { ...ERROR_DETAIL }, subject: this.#resolved?.subject ?? null, error };
    }
  }

  /**
   * Like {@link check}, but throws {@link AccessDeniedError} on deny.
   *
   * @example
   * ```ts
   * await me.assert('delete', 42);
   * ```
   */
  async assert(operation: Operation, contactId: number): Promise<void> {
    if (!(await this.check(operation, contactId))) throw new AccessDeniedError(operation, { contactId });
  }

  /**
   * Explains one decision: the applicable entries per tier, the deciding entry, the losers and why, conflicts.
   *
   * @example
   * ```ts
   * console.log((await me.explain('view', 42)).summary);
   * ```
   */
  async explain(operation: Operation, contactId: number): Promise<Explanation> {
    const { detail, subject, error } = await this.#decide('explain', operation, contactId);
    return toExplanation(detail, subject, operation, contactId, error);
  }

  /**
   * The permission clause: a Kysely boolean expression over the contact table alias, to AND into the host's own
   * query. Every value is a bound parameter. No applicable entry compiles to a constant false; an administrator
   * to the deleted/domain filters only.
   *
   * @example
   * ```ts
   * const where = await me.clause('view', { alias: 'c' });
   * await db.selectFrom('rg_contact as c').select('c.id').where(where).execute();
   * ```
   */
  async clause(operation: Operation, options: ClauseOptions = {}): Promise<Expression<SqlBool>> {
    try {
      return (await this.#timed('clause', () => this.#shapedClause(operation, options))).clause;
    } catch (error) {
      this.#fail('clause', error);
      return SQL_FALSE;
    }
  }

  /**
   * The permission clause with the shape chosen for each static-group membership test and why (grant size,
   * purpose, dialect), and the SQL it compiles to.
   *
   * @example
   * ```ts
   * const { shapes, sql } = await me.explainClause('view', { alias: 'c', purpose: 'count' });
   * ```
   */
  async explainClause(operation: Operation, options: ClauseOptions = {}): Promise<ClauseExplanation> {
    const purpose = options.purpose ?? 'page';
    try {
      const { clause, choices, alias } = await this.#timed('explainClause', () => this.#shapedClause(operation, options));
      const id = sql.ref(`${alias}.${this.#engine.store.contacts.columns.id}`);
      const compiled = sql`select ${id} from ${sql.table(this.#engine.contactTable)} as ${sql.id(alias)} where ${clause}`.compile(this.#engine.store.db);
      return { operation, purpose, shapes: choices, sql: compiled.sql, parameters: compiled.parameters };
    } catch (error) {
      this.#fail('explainClause', error);
      return { operation, purpose, shapes: [], sql: '', parameters: [], error: error instanceof Error ? error.message : String(error) };
    }
  }

  async #shapedClause(
    operation: Operation,
    options: ClauseOptions,
  ): Promise<{ clause: RawBuilder<SqlBool>; choices: ShapeChoice[]; alias: string }> {
    const op = operationSchema.parse(operation);
    const alias = parseIdentifier(options.alias ?? this.#engine.contactTable, 'alias');
    const purpose = z.enum(['page', 'count']).parse(options.purpose ?? 'page');
    const setting = clauseShapeSettingSchema.parse(options.shape ?? this.#engine.clauseShape);
    const { snapshot, plan } = await this.#plan(op);
    // First pass: which static-group sets does the clause test? Then one shape for each, then the clause.
    const seen = new Set<string>();
    this.#compile(plan, snapshot, alias, undefined, seen);
    const shapes = new Map<string, ClauseShape>();
    const choices: ShapeChoice[] = [];
    const dialect = this.#engine.dialect;
    for (const key of seen) {
      const groups = key.split(',').map(Number);
      if (setting !== 'auto') {
        // `array` is PostgreSQL syntax; elsewhere its equivalent is `in`.
        const shape = setting === 'array' && dialect !== 'postgres' ? 'in' : setting;
        shapes.set(key, shape);
        choices.push({ groups, shape, grant: 'forced', why: `forced by the clause shape setting '${setting}'` });
      } else if (dialect === 'sqlite') {
        shapes.set(key, 'exists');
        choices.push({ groups, shape: 'exists', grant: 'fixed', why: shapeReason(dialect, purpose, 'large', 'exists') });
      } else {
        const grant = (await this.#engine.grantSizes.isSmall(plan.subject.domainId, groups)) ? 'small' : 'large';
        const shape = chooseShape(dialect, purpose, grant);
        shapes.set(key, shape);
        choices.push({ groups, shape, grant, why: shapeReason(dialect, purpose, grant, shape) });
      }
    }
    return { clause: this.#compile(plan, snapshot, alias, shapes), choices, alias };
  }

  #compile(
    plan: AccessPlan,
    snapshot: PolicySnapshot,
    alias: string,
    shapes?: ReadonlyMap<string, ClauseShape>,
    seen?: Set<string>,
  ): RawBuilder<SqlBool> {
    const ctx: SqlContext = {
      dialect: this.#engine.dialect,
      tables: this.#engine.store.tables,
      fields: this.#engine.store.fields,
      alias,
      idColumn: this.#engine.store.contacts.columns.id,
      groups: snapshot.groups,
      subjectValues: plan.subject.values,
      counter: { n: 0 },
      subjectContactId: plan.subject.contactId,
      today: this.#engine.today(),
      secondDegree: this.#engine.secondDegree,
      ...(shapes ? { shapes } : {}),
      ...(seen ? { seen } : {}),
    };
    return compileClause(plan, this.#engine.store.contacts, ctx);
  }

  /**
   * ANDs the permission clause into a host query builder.
   *
   * @example
   * ```ts
   * const q = await me.applyTo(db.selectFrom('rg_contact as c').select('c.id').orderBy('c.sort_name').limit(50), 'view', { alias: 'c' });
   * const page = await q.execute();
   * ```
   */
  async applyTo<DB, TB extends keyof DB, O>(
    query: SelectQueryBuilder<DB, TB, O>,
    operation: Operation,
    options: ClauseOptions = {},
  ): Promise<SelectQueryBuilder<DB, TB, O>> {
    return query.where(await this.clause(operation, options));
  }

  /**
   * Decides many contacts at once with one SQL query (per 500 ids): returns the allowed ids.
   *
   * @example
   * ```ts
   * const allowed = await me.checkMany('view', [1, 2, 3]); // Set { 1, 3 }
   * ```
   */
  async checkMany(operation: Operation, contactIds: readonly number[]): Promise<Set<number>> {
    const allowed = new Set<number>();
    try {
      const ids = [...new Set(idsSchema.parse(contactIds))];
      const op = operationSchema.parse(operation);
      const found = await this.#timed('checkMany', async () => {
        const { snapshot, plan } = await this.#plan(op);
        const { db, contacts } = this.#engine.store;
        const alias = 'rg_c';
        const clause = this.#compile(plan, snapshot, alias);
        const out: number[] = [];
        for (let i = 0; i < ids.length; i += 500) {
          const part = ids.slice(i, i + 500);
          const { rows } = await sql<{ id: unknown }>`select ${sql.ref(`${alias}.${contacts.columns.id}`)} as ${sql.id('id')} from ${sql.table(
            this.#engine.contactTable,
          )} as ${sql.id(alias)} where ${sql.ref(`${alias}.${contacts.columns.id}`)} in (${sql.join(part)}) and ${clause}`.execute(db);
          for (const r of rows) out.push(Number(r.id));
        }
        return out;
      });
      for (const id of found) allowed.add(id);
      return allowed;
    } catch (error) {
      this.#fail('checkMany', error);
      return new Set();
    }
  }

  /**
   * Lists the ids of the contacts the subject may act on, ordered by id, one page at a time (through the SQL
   * clause).
   *
   * @example
   * ```ts
   * const firstPage = await me.listIds('view', { limit: 50 });
   * const next = await me.listIds('view', { limit: 50, afterId: firstPage.at(-1) });
   * ```
   */
  async listIds(operation: Operation, page: { limit?: number; afterId?: number | undefined } = {}): Promise<number[]> {
    try {
      const limit = z.number().int().min(1).max(10_000).parse(page.limit ?? 100);
      const after = z.number().int().min(0).parse(page.afterId ?? 0);
      const { contacts, db } = this.#engine.store;
      const alias = 'rg_c';
      const id = sql.ref(`${alias}.${contacts.columns.id}`);
      const rows = await this.#timed('listIds', async () => {
        const { clause } = await this.#shapedClause(operation, { alias, purpose: 'page' });
        const result = await sql<{ id: unknown }>`select ${id} as ${sql.id('id')} from ${sql.table(this.#engine.contactTable)} as ${sql.id(
          alias,
        )} where ${id} > ${after} and ${clause} order by ${id} limit ${limit}`.execute(db);
        return result.rows;
      });
      return rows.map((r) => Number(r.id));
    } catch (error) {
      this.#fail('listIds', error);
      return [];
    }
  }

  /**
   * Checks a candidate contact against the subject's `create` entries (see {@link decideCreate}). Nothing is
   * written; use `domain.createContactAs` to create.
   *
   * @example
   * ```ts
   * const d = await me.checkCreate({ contactType: 'Individual', subTypes: ['sales'], attributes: { country: 'VN' } });
   * d.allowed; d.addToGroups; d.explanation.summary;
   * ```
   */
  async checkCreate(candidate: CandidateInput): Promise<CreateDecision> {
    try {
      const c = candidateSchema.parse(candidate);
      const { snapshot, plan } = await this.#timed('checkCreate', () => this.#plan('create'));
      return decideCreate(plan, snapshot, c, this.#engine.store.fields);
    } catch (error) {
      this.#fail('checkCreate', error);
      const detail: DecisionDetail = { ...ERROR_DETAIL };
      return { allowed: false, addToGroups: [], failedCriteria: [], explanation: toExplanation(detail, this.#resolved?.subject ?? null, 'create', 0, error) };
    }
  }

  async #entityPermission(entity: string, operation: Operation): Promise<{ permission: EntityPermission; plan: AccessPlan }> {
    const type = entityTypeSchema.parse(entity);
    if (!this.#engine.entityTypes.has(type)) throw new PolicyError('invalid_input', `unknown object type '${type}'`, { entity: type });
    const op = operationSchema.parse(operation);
    const { plan, snapshot } = await this.#plan(op);
    const permission = await this.#engine.adjustEntities(plan.subject, type, op, permittedEntities(plan, type), snapshot);
    return { permission, plan };
  }

  /**
   * The ids of a non-contact type (group, custom_group, profile or a host type) the subject may act on:
   * `{ mode: 'only', ids }` or `{ mode: 'all-except', ids }`.
   *
   * @example
   * ```ts
   * await me.permittedEntityIds('custom_group', 'view'); // { mode: 'all-except', ids: [7] }
   * ```
   */
  async permittedEntityIds(entity: string, operation: Operation): Promise<EntityPermission> {
    try {
      return (await this.#timed('permittedEntityIds', () => this.#entityPermission(entity, operation))).permission;
    } catch (error) {
      this.#fail('permittedEntityIds', error);
      return NO_ENTITY;
    }
  }

  /**
   * Decides one id of a non-contact type. When an extension adds conditions on the host's table, pass the
   * table (and id column) so the row can be checked too; without it such a check denies.
   *
   * @example
   * ```ts
   * await me.checkEntity('profile', 'edit', 3);
   * ```
   */
  async checkEntity(entity: string, operation: Operation, id: number, options: { table?: string; idColumn?: string } = {}): Promise<boolean> {
    try {
      return await this.#timed('checkEntity', async () => {
        const entityId = contactIdSchema.parse(id);
        const { permission, plan } = await this.#entityPermission(entity, operation);
        if (!entityAllowed(permission, entityId)) return false;
        const conditions = await this.#engine.entityConditions(plan.subject, entity, operation);
        if (conditions.length === 0) return true;
        if (!options.table) throw new PolicyError('invalid_input', `conditions apply to '${entity}': pass its table to check one id`, { entity });
        const table = identifierSchema.parse(options.table);
        const idColumn = identifierSchema.parse(options.idColumn ?? 'id');
        const { rows } = await sql<Record<string, unknown>>`select * from ${sql.table(table)} where ${sql.ref(idColumn)} = ${entityId}`.execute(
          this.#engine.store.db,
        );
        const row = rows[0];
        if (!row) return false;
        const values: Record<string, FieldValue> = {};
        for (const [k, v] of Object.entries(row)) values[k] = v === null || v === undefined ? null : typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : String(v);
        return conditionsHold(conditions, values);
      });
    } catch (error) {
      this.#fail('checkEntity', error);
      return false;
    }
  }

  /**
   * The SQL form for a non-contact type: a predicate over the host table alias holding its ids, with any
   * extension conditions ANDed in.
   *
   * @example
   * ```ts
   * const where = await me.entityClause('custom_group', 'view', { alias: 'cg', idColumn: 'id' });
   * await db.selectFrom('custom_group as cg').selectAll().where(where).execute();
   * ```
   */
  async entityClause(entity: string, operation: Operation, options: { alias: string; idColumn?: string }): Promise<Expression<SqlBool>> {
    try {
      const alias = identifierSchema.parse(options.alias);
      const idColumn = identifierSchema.parse(options.idColumn ?? 'id');
      return await this.#timed('entityClause', async () => {
        const { permission, plan } = await this.#entityPermission(entity, operation);
        const conditions = await this.#engine.entityConditions(plan.subject, entity, operation);
        return entityClauseSql(permission, conditions, alias, idColumn);
      });
    } catch (error) {
      this.#fail('entityClause', error);
      return SQL_FALSE;
    }
  }

  /**
   * Whether the subject holds a functional permission (directly, through a role, from the host, or implied).
   *
   * @example
   * ```ts
   * await me.hasPermission('access deleted contacts');
   * ```
   */
  async hasPermission(name: string): Promise<boolean> {
    try {
      return (await this.#timed('hasPermission', () => this.#current())).subject.permissions.has(name);
    } catch (error) {
      this.#fail('hasPermission', error);
      return false;
    }
  }
}
