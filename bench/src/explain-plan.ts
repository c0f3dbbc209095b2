import { CompiledQuery, type Kysely } from 'kysely';
import type { DialectKind } from '@rowguard/core';

/**
 * The optimizer's plan for a compiled statement, as text: MariaDB `EXPLAIN` rows (table, type, key, rows,
 * extra), PostgreSQL `EXPLAIN` lines, SQLite `EXPLAIN QUERY PLAN` details. Parameters stay bound.
 *
 * @example
 * ```ts
 * const plan = await explainPlan(db, 'postgres', query.compile());
 * ```
 */
export async function explainPlan(db: Kysely<any>, dialect: DialectKind, compiled: { sql: string; parameters: readonly unknown[] }): Promise<string> {
  const keyword = dialect === 'sqlite' ? 'explain query plan ' : 'explain ';
  // MariaDB `set statement ... for <select>`: the EXPLAIN goes after `for`.
  const statement = /^set statement .+? for /is.exec(compiled.sql);
  const text = statement ? `${statement[0]}${keyword}${compiled.sql.slice(statement[0].length)}` : keyword + compiled.sql;
  const { rows } = await db.executeQuery(CompiledQuery.raw(text, [...compiled.parameters]));
  const list = rows as Record<string, unknown>[];
  if (dialect === 'postgres') return list.map((r) => String(r['QUERY PLAN'])).join('\n');
  if (dialect === 'sqlite') return list.map((r) => String(r.detail)).join('\n');
  return list
    .map((r) => `${String(r.select_type)} ${String(r.table)} type=${String(r.type)} key=${String(r.key)} rows=${String(r.rows)} ${String(r.Extra ?? '')}`.trim())
    .join('\n');
}
