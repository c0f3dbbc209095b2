import { sql, type RawBuilder, type SqlBool } from 'kysely';
import type { AccessPlan } from '../decide/access-plan.js';
import { identifierSchema } from '../model/engine-config.js';
import { PolicyError } from '../model/engine-errors.js';
import { conditionsHold, entityAllowed, permittedEntities, type EntityPermission } from '../decide/entity-permissions.js';
import { entityClauseSql } from '../sql/entity-clause.js';
import { operationSchema, type Operation } from '../model/operation-model.js';
import { entityTypeSchema } from '../admin/admin-schemas.js';
import type { FieldValue } from '../model/policy-model.js';
import type { SessionPlans } from './session-plans.js';

/**
 * The ids of a non-contact type the subject may act on for one operation, after the extension's adjustment.
 * An unknown type is refused with `PolicyError('invalid_input')`.
 *
 * @example
 * ```ts
 * const { permission } = await entityPermissionFor(plans, 'custom_group', 'view'); // { mode: 'all-except', ids: [7] }
 * ```
 */
export async function entityPermissionFor(
  plans: SessionPlans,
  entity: string,
  operation: Operation,
): Promise<{ permission: EntityPermission; plan: AccessPlan }> {
  const engine = plans.engine;
  const type = entityTypeSchema.parse(entity);
  if (!engine.entityTypes.has(type)) throw new PolicyError('invalid_input', `unknown object type '${type}'`, { entity: type });
  const op = operationSchema.parse(operation);
  const { plan, snapshot } = await plans.plan(op);
  const permission = await engine.adjustEntities(plan.subject, type, op, permittedEntities(plan, type), snapshot);
  return { permission, plan };
}

/** A host row's values as conditions compare them (numbers stay numbers, bigints become numbers, the rest text). */
function rowValues(row: Record<string, unknown>): Record<string, FieldValue> {
  const values: Record<string, FieldValue> = {};
  for (const [k, v] of Object.entries(row)) values[k] = v === null || v === undefined ? null : typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : String(v);
  return values;
}

/**
 * Decides one id of a non-contact type: the permitted ids first, then any extension conditions against the
 * host's row (read from `options.table`; without a table such conditions refuse with `PolicyError`).
 *
 * @example
 * ```ts
 * await entityIdAllowed(plans, 'profile', 'edit', 3, {}); // true or false
 * ```
 */
export async function entityIdAllowed(
  plans: SessionPlans,
  entity: string,
  operation: Operation,
  entityId: number,
  options: { table?: string; idColumn?: string },
): Promise<boolean> {
  const { permission, plan } = await entityPermissionFor(plans, entity, operation);
  if (!entityAllowed(permission, entityId)) return false;
  const conditions = await plans.engine.entityConditions(plan.subject, entity, operation);
  if (conditions.length === 0) return true;
  if (!options.table) throw new PolicyError('invalid_input', `conditions apply to '${entity}': pass its table to check one id`, { entity });
  const table = identifierSchema.parse(options.table);
  const idColumn = identifierSchema.parse(options.idColumn ?? 'id');
  const { rows } = await sql<Record<string, unknown>>`select * from ${sql.table(table)} where ${sql.ref(idColumn)} = ${entityId}`.execute(
    plans.engine.store.db,
  );
  const row = rows[0];
  if (!row) return false;
  return conditionsHold(conditions, rowValues(row));
}

/**
 * The SQL form for a non-contact type over a host table alias: its permitted ids, with any extension
 * conditions ANDed in.
 *
 * @example
 * ```ts
 * const where = await entityClauseFor(plans, 'custom_group', 'view', 'cg', 'id');
 * ```
 */
export async function entityClauseFor(
  plans: SessionPlans,
  entity: string,
  operation: Operation,
  alias: string,
  idColumn: string,
): Promise<RawBuilder<SqlBool>> {
  const { permission, plan } = await entityPermissionFor(plans, entity, operation);
  const conditions = await plans.engine.entityConditions(plan.subject, entity, operation);
  return entityClauseSql(permission, conditions, alias, idColumn);
}
