import type { Expression, SelectQueryBuilder, SqlBool } from 'kysely';
import { z } from 'zod';
import type { DecisionDetail } from '../decide/decision-memory.js';
import { toExplanation, type Explanation } from '../decide/decision-explanation.js';
import { identifierSchema } from '../model/engine-config.js';
import { AccessDeniedError } from '../model/engine-errors.js';
import { SQL_FALSE } from '../sql/membership-sql.js';
import { operationSchema, type Operation } from '../model/operation-model.js';
import type { ResolvedSubject, SubjectInput } from '../model/subject-model.js';
import type { EngineInternals } from './engine-internals.js';
import { candidateSchema, decideCreate, type CandidateInput, type CreateDecision } from '../decide/create-check.js';
import { NO_ENTITY, type EntityPermission } from '../decide/entity-permissions.js';
import { withDeadline } from './decision-deadline.js';
import { SessionPlans } from './session-plans.js';
import { groupReports } from './clause-group-report.js';
import { clauseQuerySql, shapedClause, type ClauseExplanation, type ClauseOptions } from './session-clause.js';
import { allowedAmong, decideContact, FAILED_DETAIL, permittedIdsPage } from './session-contact-decisions.js';
import { entityClauseFor, entityIdAllowed, entityPermissionFor } from './session-entities.js';

export type { ClauseExplanation, ClauseOptions } from './session-clause.js';

const idsSchema = z.array(z.number().int().positive()).max(100_000);
const contactIdSchema = z.number().int().positive();

/**
 * Decisions for one subject in one domain. Cheap to create (per request); every call first reads the domain's
 * version (one indexed lookup) and re-resolves the subject when anything changed, so a committed change is seen
 * by the very next call in every process. Every method fails closed: an error yields deny (or a constant-false
 * clause) and is reported through the engine's `onError`.
 *
 * The class validates input, bounds each call by the decision timeout and turns errors into denials; the work
 * itself is in `session-plans.ts` (subject and plan cache), `session-contact-decisions.ts` (contacts, in memory
 * and through SQL), `session-clause.ts` (the SQL form and its shapes) and `session-entities.ts` (non-contact
 * types).
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
  readonly #plans: SessionPlans;

  constructor(engine: EngineInternals, domainId: number, input: SubjectInput) {
    this.#engine = engine;
    this.#domainId = domainId;
    // Frozen: observers (`onDecision`) receive it, and it must stay the subject this session decides for.
    this.#input = Object.freeze({ ...input });
    this.#plans = new SessionPlans(engine, domainId, this.#input);
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
      return (await this.#timed('resolve', () => this.#plans.current())).subject;
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
      const { detail, plan } = await this.#timed(action, () => decideContact(this.#plans, op, id));
      this.#engine.decided({ domainId: this.#domainId, subject: this.#input, operation: op, contactId: id, allowed: detail.allowed });
      return { detail, subject: plan.subject };
    } catch (error) {
      this.#fail(action, error);
      return { detail: { ...FAILED_DETAIL }, subject: this.#plans.lastSubject, error };
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
      return (await this.#timed('clause', () => shapedClause(this.#plans, operation, options))).clause;
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
      const { clause, choices, form, alias, seen, snapshot } = await this.#timed('explainClause', () => shapedClause(this.#plans, operation, options));
      const compiled = clauseQuerySql(this.#engine, clause, alias);
      const { materialised, warnings } = await groupReports(this.#engine, snapshot, seen);
      return { operation, purpose, shapes: choices, form, sql: compiled.sql, parameters: compiled.parameters, materialised, warnings };
    } catch (error) {
      this.#fail('explainClause', error);
      return { operation, purpose, shapes: [], sql: '', parameters: [], error: error instanceof Error ? error.message : String(error) };
    }
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
      const found = await this.#timed('checkMany', () => allowedAmong(this.#plans, op, ids));
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
      return await this.#timed('listIds', () => permittedIdsPage(this.#plans, operation, limit, after));
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
      const { snapshot, plan } = await this.#timed('checkCreate', () => this.#plans.plan('create'));
      return decideCreate(plan, snapshot, c, this.#engine.store.fields);
    } catch (error) {
      this.#fail('checkCreate', error);
      const detail: DecisionDetail = { ...FAILED_DETAIL };
      return { allowed: false, addToGroups: [], failedCriteria: [], explanation: toExplanation(detail, this.#plans.lastSubject, 'create', 0, error) };
    }
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
      return (await this.#timed('permittedEntityIds', () => entityPermissionFor(this.#plans, entity, operation))).permission;
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
      return await this.#timed('checkEntity', () => entityIdAllowed(this.#plans, entity, operation, contactIdSchema.parse(id), options));
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
      return await this.#timed('entityClause', () => entityClauseFor(this.#plans, entity, operation, alias, idColumn));
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
      return (await this.#timed('hasPermission', () => this.#plans.current())).subject.permissions.has(name);
    } catch (error) {
      this.#fail('hasPermission', error);
      return false;
    }
  }
}
