import { sql, type RawBuilder, type SqlBool } from 'kysely';
import type { EntityCondition, EntityPermission } from '../decide/entity-permissions.js';
import { SQL_FALSE, SQL_TRUE, sqlAnd } from './membership-sql.js';

const OPS: Readonly<Record<string, string>> = { '=': '=', '!=': '<>', '<': '<', '<=': '<=', '>': '>', '>=': '>=' };

/**
 * Compiles a permission and conditions to a predicate over a host table alias (`alias.idColumn in (...)` or
 * `not in`, each condition guarded so NULL compares false).
 *
 * @example
 * ```ts
 * entityClauseSql({ mode: 'only', ids: [1, 2] }, [], 'cg', 'id'); // "cg"."id" in ($1, $2)
 * ```
 */
export function entityClauseSql(
  permission: EntityPermission,
  conditions: readonly EntityCondition[],
  alias: string,
  idColumn: string,
): RawBuilder<SqlBool> {
  const id = sql.ref(`${alias}.${idColumn}`);
  const ids = [...permission.ids];
  const base =
    permission.mode === 'only'
      ? ids.length === 0
        ? SQL_FALSE
        : sql<SqlBool>`${id} in (${sql.join(ids)})`
      : ids.length === 0
        ? SQL_TRUE
        : sql<SqlBool>`${id} not in (${sql.join(ids)})`;
  const parts = conditions.map((c): RawBuilder<SqlBool> => {
    const col = sql.ref(`${alias}.${c.column}`);
    switch (c.op) {
      case 'is null':
        return sql<SqlBool>`${col} is null`;
      case 'is not null':
        return sql<SqlBool>`${col} is not null`;
      case 'in':
      case 'not in':
        if (c.value.length === 0) return c.op === 'in' ? SQL_FALSE : sql<SqlBool>`${col} is not null`;
        return sql<SqlBool>`(${col} is not null and ${col} ${sql.raw(c.op)} (${sql.join([...c.value])}))`;
      default:
        return sql<SqlBool>`(${col} is not null and ${col} ${sql.raw(OPS[c.op] as string)} ${c.value})`;
    }
  });
  return sqlAnd([base, ...parts]);
}
