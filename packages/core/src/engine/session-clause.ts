import { sql, type RawBuilder, type SqlBool } from 'kysely';
import { z } from 'zod';
import type { AccessPlan } from '../decide/access-plan.js';
import {
  chooseShape,
  clauseShapeSettingSchema,
  shapeReason,
  type ClausePurpose,
  type ClauseShape,
  type ClauseShapeSetting,
  type ShapeChoice,
} from '../sql/clause-shape.js';
import { parseIdentifier } from '../model/engine-config.js';
import type { EngineInternals } from './engine-internals.js';
import type { SqlContext } from '../sql/membership-sql.js';
import { operationSchema, type Operation } from '../model/operation-model.js';
import { compileClause } from '../sql/permission-clause.js';
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
}

/** The SQL form with the shape choices behind it (see `SubjectSession.explainClause`). */
export interface ClauseExplanation {
  readonly operation: Operation;
  readonly purpose: ClausePurpose;
  readonly shapes: readonly ShapeChoice[];
  /** `select <id> from <contact table> as <alias> where <clause>`, compiled for this dialect. */
  readonly sql: string;
  readonly parameters: readonly unknown[];
  readonly error?: string;
}

/** A compiled clause with the shape chosen for each static-group set it tests, and the alias it is over. */
export interface ShapedClause {
  readonly clause: RawBuilder<SqlBool>;
  readonly choices: ShapeChoice[];
  readonly alias: string;
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
): RawBuilder<SqlBool> {
  const ctx: SqlContext = {
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
    ...(shapes ? { shapes } : {}),
    ...(seen ? { seen } : {}),
  };
  return compileClause(plan, engine.store.contacts, ctx);
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
): Promise<{ shapes: Map<string, ClauseShape>; choices: ShapeChoice[] }> {
  const shapes = new Map<string, ClauseShape>();
  const choices: ShapeChoice[] = [];
  const dialect = engine.dialect;
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
      const grant = (await engine.grantSizes.isSmall(plan.subject.domainId, groups)) ? 'small' : 'large';
      const shape = chooseShape(dialect, purpose, grant);
      shapes.set(key, shape);
      choices.push({ groups, shape, grant, why: shapeReason(dialect, purpose, grant, shape) });
    }
  }
  return { shapes, choices };
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
  const seen = new Set<string>();
  compilePlanClause(engine, plan, snapshot, alias, undefined, seen);
  const { shapes, choices } = await chooseShapes(engine, plan, seen, purpose, setting);
  return { clause: compilePlanClause(engine, plan, snapshot, alias, shapes), choices, alias };
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
