import { sql, type RawBuilder, type SqlBool } from 'kysely';
import type { DialectKind } from '../model/dialect-kind.js';
import type { AttributeType } from '../model/engine-config.js';
import { MAX_INLINE_IDS } from '../model/policy-limits.js';

/**
 * `column in (values)` / `column not in (values)` for a criteria list, binding a bounded number of parameters
 * whatever the list's length: up to {@link MAX_INLINE_IDS} values are bound one by one; a longer list travels
 * as ONE parameter that the database unpacks (`json_each` on SQLite, a typed array on PostgreSQL,
 * `json_table` on MariaDB/MySQL). So a group with a 1,000-value list named by many entries stays far below
 * each dialect's parameter limit. The comparison keeps the column's own collation (MariaDB resolves the
 * unpacked values to it; PostgreSQL compares with the column's). Values must all be of the field's type and
 * non-null (the caller guards the column with `is not null`).
 *
 * @example
 * ```ts
 * valueListSql(sql.ref('c.country'), ['VN', 'FR'], 'text', 'in', 'postgres'); // "c"."country" in ($1, $2)
 * valueListSql(sql.ref('c.country'), manyCodes, 'text', 'in', 'postgres'); // "c"."country" = any(cast($1 as text[]))
 * ```
 */
export function valueListSql(
  column: RawBuilder<unknown>,
  values: readonly (string | number)[],
  type: AttributeType,
  op: 'in' | 'not in',
  dialect: DialectKind,
): RawBuilder<SqlBool> {
  const sameType = values.every((v) => (type === 'integer' ? Number.isSafeInteger(v) : typeof v === 'string'));
  if (values.length <= MAX_INLINE_IDS || !sameType) {
    return sql<SqlBool>`${column} ${sql.raw(op)} (${sql.join([...values])})`;
  }
  switch (dialect) {
    case 'postgres': {
      // An array literal parameter cast to a typed array: the planner folds it to a constant and hashes it.
      const literal = `{${values.map((v) => (typeof v === 'number' ? String(v) : `"${v.replace(/[\\"]/g, (ch) => `\\${ch}`)}"`)).join(',')}}`;
      const typed = sql`cast(${literal} as ${sql.raw(type === 'integer' ? 'bigint[]' : 'text[]')})`;
      return op === 'in' ? sql<SqlBool>`${column} = any(${typed})` : sql<SqlBool>`${column} <> all(${typed})`;
    }
    case 'mysql': {
      const columnType = type === 'integer' ? sql.raw('bigint') : sql.raw('varchar(255)');
      return sql<SqlBool>`${column} ${sql.raw(op)} (select rg_v.v from json_table(${JSON.stringify(values)}, '$[*]' columns (v ${columnType} path '$')) as rg_v)`;
    }
    default:
      return sql<SqlBool>`${column} ${sql.raw(op)} (select value from json_each(${JSON.stringify(values)}))`;
  }
}
