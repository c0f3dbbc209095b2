import { sql, type RawBuilder, type SqlBool } from 'kysely';
import { z } from 'zod';
import type { AccessPlan } from '../decide/access-plan.js';
import {
  chooseShape,
  pageWalkWins,
  PREFETCH_MAX_IDS,
  clauseShapeSettingSchema,
  clauseFormSettingSchema,
  shapeReason,
  SMALL_GRANT_SHARE,
  type ClauseForm,
  type ClauseFormSetting,
  type ClausePurpose,
  type ClauseShape,
  type ClauseShapeSetting,
  type ShapeChoice,
} from '../sql/clause-shape.js';
import { parseIdentifier } from '../model/engine-config.js';
import type { EngineInternals } from './engine-internals.js';
import type { SqlContext } from '../sql/membership-sql.js';
import { operationSchema, type Operation } from '../model/operation-model.js';
import { compileClause, unionSelect } from '../sql/permission-clause.js';
import { memberUnionSelect, memberUnionTerms } from '../sql/member-union.js';
import type { PolicySnapshot } from '../model/policy-model.js';
import type { SessionPlans } from './session-plans.js';

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
  /** Force one form of the whole clause (see `CLAUSE_FORMS`; default `auto`). It never changes the answer. */
  readonly form?: ClauseFormSetting;
}

/** The SQL form with the shape choices behind it (see `SubjectSession.explainClause`). */
export interface ClauseExplanation {
  readonly operation: Operation;
  readonly purpose: ClausePurpose;
  readonly shapes: readonly ShapeChoice[];
  /** The form of the whole clause, and why. */
  readonly form?: { readonly form: ClauseForm; readonly why: string };
  /** `select <id> from <contact table> as <alias> where <clause>`, compiled for this dialect. */
  readonly sql: string;
  readonly parameters: readonly unknown[];
  /** The smart groups the clause reads from their materialised rows, and how fresh those rows are. */
  readonly materialised?: readonly MaterialisedReport[];
  /** Problems worth fixing: an attribute inlined criteria compare without an index on the contact table. */
  readonly warnings?: readonly string[];
  readonly error?: string;
}

/** How fresh a materialised group's rows are (see `domain.refreshGroups()`). */
export interface MaterialisedReport {
  readonly groupId: number;
  /** When the rows were last computed in full. */
  readonly membersAt: string;
  /**
   * `exact`: the engine's own contact table, maintained in every write's transaction. `since-refresh`: the
   * host's contact table, exact as of `membersAt` plus the contact and membership writes made through the write
   * API since; direct writes to the host table show after the next `refreshGroups()`.
   */
  readonly freshness: 'exact' | 'since-refresh';
  /** Milliseconds since `membersAt` (the staleness bound of host-written rows). */
  readonly stalenessMs: number;
}

/** A compiled clause with the shape chosen for each static-group set it tests, and the alias it is over. */
export interface ShapedClause {
  readonly clause: RawBuilder<SqlBool>;
  readonly choices: ShapeChoice[];
  /** The form of the whole clause, and why. */
  readonly form: { readonly form: ClauseForm; readonly why: string };
  readonly alias: string;
  /** Every test key the clause holds (`m:` materialised, `t:` inlined smart groups, `s:` sub-types, static sets). */
  readonly seen: ReadonlySet<string>;
  readonly snapshot: PolicySnapshot;
}

/**
 * Compiles a plan to the permission clause over `alias`. With `seen`, it also collects the static-group sets the
 * clause tests; with `shapes`, each such test takes the shape given for its set.
 *
 * @example
 * ```ts
 * const { snapshot, plan } = await plans.plan('view');
 * const where = compilePlanClause(engine, plan, snapshot, 'c');
 * ```
 */
export function compilePlanClause(
  engine: EngineInternals,
  plan: AccessPlan,
  snapshot: PolicySnapshot,
  alias: string,
  shapes?: ReadonlyMap<string, ClauseShape>,
  seen?: Set<string>,
  prefetched?: ReadonlyMap<string, readonly number[]>,
  form: ClauseForm = 'or',
): RawBuilder<SqlBool> {
  return compileClause(
    plan,
    engine.store.contacts,
    contextFor(engine, plan, snapshot, alias, {
      ...(shapes ? { shapes } : {}),
      ...(seen ? { seen } : {}),
      ...(prefetched ? { prefetched } : {}),
      ...(form === 'or' ? {} : { unionOf: unionAlias(engine, alias), unionForm: form === 'member-union' ? ('members' as const) : ('disjuncts' as const) }),
    }),
  );
}

/** The most ids all `ids` shapes of one clause bind together. */
const PREFETCH_BUDGET = 30_000;

/** A visible set under this share of the contacts is counted through the union form on PostgreSQL. */
const UNION_SHARE = 0.1;

function unionAlias(engine: EngineInternals, alias: string): { table: string; alias: string } {
  return { table: engine.contactTable, alias: alias === 'rg_u' ? 'rg_u2' : 'rg_u' };
}

function contextFor(engine: EngineInternals, plan: AccessPlan, snapshot: PolicySnapshot, alias: string, extra: Partial<SqlContext>): SqlContext {
  return {
    dialect: engine.dialect,
    tables: engine.store.tables,
    fields: engine.store.fields,
    alias,
    idColumn: engine.store.contacts.columns.id,
    groups: snapshot.groups,
    subjectValues: plan.subject.values,
    counter: { n: 0 },
    compiled: new WeakMap(),
    subjectContactId: plan.subject.contactId,
    today: engine.today(),
    secondDegree: engine.secondDegree,
    ...(engine.grantSizes.knownContactIdType ? { pgIdType: engine.grantSizes.knownContactIdType } : {}),
    ...extra,
  };
}

/**
 * One shape for each static-group set (keys as the compiler collects them: comma-joined group ids), and why:
 * forced by the setting, fixed on SQLite, or chosen from the grant's size, the purpose and the dialect.
 *
 * @example
 * ```ts
 * const { shapes, choices } = await chooseShapes(engine, plan, new Set(['3,4']), 'page', 'auto');
 * ```
 */
export async function chooseShapes(
  engine: EngineInternals,
  plan: AccessPlan,
  seen: ReadonlySet<string>,
  purpose: ClausePurpose,
  setting: ClauseShapeSetting,
  underOr = false,
): Promise<{ shapes: Map<string, ClauseShape>; choices: ShapeChoice[]; prefetched: Map<string, number[]> }> {
  const shapes = new Map<string, ClauseShape>();
  const prefetched = new Map<string, number[]>();
  // Ids bound by `ids` shapes so far: the whole clause stays far below MariaDB's 65,535 placeholders.
  let bound = 0;
  const choices: ShapeChoice[] = [];
  const dialect = engine.dialect;
  for (const key of seen) {
    // An inlined smart group: nothing to shape (reported by `explainClause`).
    if (key.startsWith('t:')) continue;
    if (key.startsWith('e:')) {
      // A smart group's explicit Added / Removed rows (always under OR/NOT, usually few): bound as a list when they
      // fit, else a subquery.
      const [, status = 'Added', list = ''] = key.split(':');
      const groups = list.split(',').map(Number);
      if (setting !== 'auto') {
        const shape = forcedShape(setting, dialect);
        shapes.set(key, shape);
        choices.push({ groups, explicit: status, shape, grant: 'forced', why: `forced by the clause shape setting '${setting}'` });
        continue;
      }
      if (dialect !== 'sqlite' && purpose === 'count' && bound < PREFETCH_BUDGET) {
        // For a count: read them once and bind them, so the OR around them keeps an index range (MariaDB) or a
        // hashed array (PostgreSQL) instead of a subquery per row. (A first page keeps `exists`: both servers hash
        // or materialise so few rows once, which measured faster than a bound list or a probe per walked row.)
        const ids = await engine.grantSizes.members(groups, Math.min(PREFETCH_MAX_IDS, PREFETCH_BUDGET - bound), status);
        if (ids) {
          bound += ids.length;
          shapes.set(key, 'ids');
          prefetched.set(key, ids);
          choices.push({ groups, explicit: status, shape: 'ids', grant: 'small', why: `the ${ids.length} explicit ${status} rows read when the clause is built and bound as a list` });
          continue;
        }
      }
      shapes.set(key, 'exists');
      choices.push({
        groups,
        explicit: status,
        shape: 'exists',
        grant: 'fixed',
        why: `explicit ${status} rows: a correlated exists (${purpose === 'page' ? 'the few rows hashed or materialised once' : 'too many rows to bind'})`,
      });
      continue;
    }
    if (key.startsWith('s:')) {
      // A sub-type test: `exists`, except a scalar probe under OR/NOT on MariaDB/MySQL (where `exists_to_in`
      // would otherwise materialise every contact of the sub-type on each query) and for PostgreSQL pages.
      const forced = setting === 'probe' || setting === 'exists' ? setting : undefined;
      // On PostgreSQL, for a first page: a probe rather than a hashed subplan built from every contact of the sub-type.
      const probe = underOr && (dialect === 'mysql' || (dialect === 'postgres' && purpose === 'page'));
      const shape: ClauseShape = forced ?? (probe ? 'probe' : 'exists');
      shapes.set(key, shape);
      const why = forced
        ? `forced by the clause shape setting '${setting}'`
        : shape === 'probe'
          ? dialect === 'mysql'
            ? 'a sub-type test under OR/NOT on MariaDB/MySQL: a scalar probe, which the optimizer cannot turn into a materialised IN'
            : 'a sub-type test under OR/NOT, for a first page: a scalar probe per row in index order, not a hashed subplan of every contact of the sub-type'
          : 'a sub-type test: a correlated exists';
      choices.push({ groups: [], subType: key.slice(2), shape, grant: forced ? 'forced' : 'fixed', why });
      continue;
    }
    const materialised = key.startsWith('m:');
    const groups = (materialised ? key.slice(2) : key).split(',').map(Number);
    if (setting !== 'auto') {
      const shape = forcedShape(setting, dialect);
      shapes.set(key, shape);
      choices.push({ groups, materialised, shape, grant: 'forced', why: `forced by the clause shape setting '${setting}'` });
    } else if (dialect === 'sqlite') {
      shapes.set(key, 'exists');
      choices.push({ groups, materialised, shape: 'exists', grant: 'fixed', why: shapeReason(dialect, purpose, 'large', 'exists') });
    } else {
      const size = await engine.grantSizes.grant(plan.subject.domainId, groups, materialised);
      const grant = size.small ? 'small' : 'large';
      if (dialect === 'mysql' && purpose === 'count' && grant === 'small' && underOr && !materialised && bound < PREFETCH_BUDGET) {
        // A small static grant under OR, for a count: its members bound as a list let MariaDB merge index ranges.
        const ids = await engine.grantSizes.members(groups, Math.min(PREFETCH_MAX_IDS, PREFETCH_BUDGET - bound));
        if (ids) {
          bound += ids.length;
          shapes.set(key, 'ids');
          prefetched.set(key, ids);
          choices.push({ groups, materialised, shape: 'ids', grant, why: shapeReason(dialect, purpose, grant, 'ids', underOr) });
          continue;
        }
      }
      const shape = chooseShape(dialect, purpose, grant, underOr, pageWalkWins(size.rows, size.contacts));
      shapes.set(key, shape);
      choices.push({ groups, materialised, shape, grant, why: shapeReason(dialect, purpose, grant, shape, underOr) });
    }
  }
  return { shapes, choices, prefetched };
}

/** A forced shape on this dialect: `array` is PostgreSQL syntax, elsewhere its equivalent is `in` (`hashed` is portable SQL). */
function forcedShape(setting: Exclude<ClauseShapeSetting, 'auto'>, dialect: EngineInternals['dialect']): ClauseShape {
  return setting === 'array' && dialect !== 'postgres' ? 'in' : setting;
}

/** Whether a compiled clause holds an OR or a NOT (as `sqlOr` / `sqlNot` write them), so its tests may sit under one. */
function hasDisjunction(engine: EngineInternals, clause: RawBuilder<SqlBool>): boolean {
  const text = clause.compile(engine.store.db).sql;
  return / or |not \(/.test(text);
}

/**
 * The session's permission clause for one operation, with options validated and a shape chosen for each
 * static-group membership test: a first pass collects the sets the clause tests, then the clause is compiled
 * with one shape for each.
 *
 * @example
 * ```ts
 * const { clause, choices } = await shapedClause(plans, 'view', { alias: 'c', purpose: 'count' });
 * ```
 */
export async function shapedClause(plans: SessionPlans, operation: Operation, options: ClauseOptions): Promise<ShapedClause> {
  const engine = plans.engine;
  const op = operationSchema.parse(operation);
  const alias = parseIdentifier(options.alias ?? engine.contactTable, 'alias');
  const purpose = z.enum(['page', 'count']).parse(options.purpose ?? 'page');
  const setting = clauseShapeSettingSchema.parse(options.shape ?? engine.clauseShape);
  const { snapshot, plan } = await plans.plan(op);
  if (engine.dialect === 'postgres') await engine.grantSizes.contactIdType(engine.store.contacts.columns.id);
  const { form, why } = await chooseForm(engine, plan, snapshot, alias, purpose, setting, clauseFormSettingSchema.parse(options.form ?? 'auto'));
  const seen = new Set<string>();
  const first = compilePlanClause(engine, plan, snapshot, alias, undefined, seen, undefined, form);
  const { shapes, choices, prefetched } = await chooseShapes(engine, plan, seen, purpose, setting, hasDisjunction(engine, first));
  return { clause: compilePlanClause(engine, plan, snapshot, alias, shapes, undefined, prefetched, form), choices, form: { form, why }, alias, seen, snapshot };
}

/**
 * The form of the whole clause (see `CLAUSE_FORMS`), and why: the setting when forced, else
 * - PostgreSQL counts of a small visible set (under UNION_SHARE of the contacts, counted with a bound):
 *   `disjunct-union`, each top-level disjunct driven from its own index. A large set counts faster with the OR
 *   tested on one scan than with the union joined back to the contacts;
 * - MariaDB/MySQL and PostgreSQL counts (not chosen above) with a large member set (3% of the contacts or more)
 *   among two or more terms: `member-union`. Tested under the OR, each such set costs a subquery per contact row;
 *   read from the membership index once, it costs a pass over its own rows;
 * - `or` otherwise.
 */
async function chooseForm(
  engine: EngineInternals,
  plan: AccessPlan,
  snapshot: PolicySnapshot,
  alias: string,
  purpose: ClausePurpose,
  setting: ClauseShapeSetting,
  forced: ClauseFormSetting,
): Promise<{ form: ClauseForm; why: string }> {
  if (forced !== 'auto') {
    if (forced === 'or') return { form: forced, why: `forced by the clause form setting '${forced}'` };
    const ctx = contextFor(engine, plan, snapshot, alias, { unionOf: unionAlias(engine, alias), counter: { n: 0 } });
    const select = forced === 'member-union' ? memberUnionSelect(plan, engine.store.contacts, ctx) : unionSelect(plan, engine.store.contacts, ctx);
    if (select) return { form: forced, why: `forced by the clause form setting '${forced}'` };
    return { form: 'or', why: `'${forced}' was forced, but the clause has fewer than two ${forced === 'member-union' ? 'terms' : 'disjuncts'} to unite: the tiers as one predicate` };
  }
  if (purpose !== 'count' || setting !== 'auto' || plan.administrator) return { form: 'or', why: 'the tiers as one predicate on each row' };
  if (engine.dialect === 'sqlite') return { form: 'or', why: 'SQLite tests the tiers as one predicate on each row' };
  const ctx = contextFor(engine, plan, snapshot, alias, { unionOf: unionAlias(engine, alias), counter: { n: 0 } });
  if (engine.dialect === 'postgres') {
    const select = unionSelect(plan, engine.store.contacts, ctx);
    if (select) {
      const limit = Math.max(1, Math.ceil(UNION_SHARE * (await engine.grantSizes.contacts(plan.subject.domainId))));
      if ((await engine.grantSizes.boundedRows(select, limit)) < limit) {
        return { form: 'disjunct-union', why: `a count of fewer than ${UNION_SHARE * 100}% of the contacts: the union of the top-level disjuncts, each driven from its own index` };
      }
    }
  }
  const terms = memberUnionTerms(plan, ctx);
  if (terms.length >= 2) {
    for (const term of terms) {
      if (!term.members) continue;
      const size = await engine.grantSizes.grant(plan.subject.domainId, term.members.groups, term.members.materialised);
      if (!size.small) {
        return {
          form: 'member-union',
          why: `a count with a member set of ${SMALL_GRANT_SHARE * 100}% of the contacts or more among ${terms.length} terms: each member set read once from the membership index, not probed per contact row`,
        };
      }
    }
  }
  return { form: 'or', why: 'the tiers as one predicate on each row' };
}

/**
 * `select <id> from <contact table> as <alias> where <clause>`, compiled for the engine's dialect (what
 * `explainClause` shows).
 *
 * @example
 * ```ts
 * const { sql, parameters } = clauseQuerySql(engine, clause, 'c');
 * ```
 */
export function clauseQuerySql(
  engine: EngineInternals,
  clause: RawBuilder<SqlBool>,
  alias: string,
): { sql: string; parameters: readonly unknown[] } {
  const id = sql.ref(`${alias}.${engine.store.contacts.columns.id}`);
  const compiled = sql`select ${id} from ${sql.table(engine.contactTable)} as ${sql.id(alias)} where ${clause}`.compile(engine.store.db);
  return { sql: compiled.sql, parameters: compiled.parameters };
}
