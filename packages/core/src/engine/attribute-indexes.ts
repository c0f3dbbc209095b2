import { sql, type Kysely } from 'kysely';
import type { DialectKind } from '../model/dialect-kind.js';

/**
 * The columns of a table that an index can search by: the first column of each index, and the second when the
 * first is the domain column (the engine's attribute indexes are `(domain_id, attribute)`). Read from the
 * catalogue of the current database / schema.
 *
 * @example
 * ```ts
 * (await searchableColumns(db, 'postgres', 'crm_person', 'domain_id')).has('country'); // true when indexed
 * ```
 */
export async function searchableColumns(db: Kysely<any>, dialect: DialectKind, table: string, domainColumn: string | null): Promise<Set<string>> {
  const indexes = new Map<string, string[]>();
  const add = (index: string, position: number, column: string): void => {
    const cols = indexes.get(index) ?? [];
    cols[position] = column;
    indexes.set(index, cols);
  };
  if (dialect === 'sqlite') {
    const { rows } = await sql<{ name: string }>`select name from pragma_index_list(${table})`.execute(db);
    for (const r of rows) {
      const info = await sql<{ seqno: number; name: string }>`select seqno, name from pragma_index_info(${r.name})`.execute(db);
      for (const c of info.rows) add(r.name, Number(c.seqno), String(c.name));
    }
  } else if (dialect === 'mysql') {
    const { rows } = await sql<{ i: string; p: number; c: string }>`select index_name as i, seq_in_index as p, column_name as c from information_schema.statistics
      where table_schema = database() and table_name = ${table}`.execute(db);
    for (const r of rows) add(String(r.i), Number(r.p) - 1, String(r.c));
  } else {
    const { rows } = await sql<{ i: string; p: number; c: string }>`select i.relname as i, k.n as p, a.attname as c
      from pg_index x join pg_class t on t.oid = x.indrelid join pg_class i on i.oid = x.indexrelid
      join pg_namespace s on s.oid = t.relnamespace
      cross join lateral unnest(x.indkey::int2[]) with ordinality as k(attnum, n)
      join pg_attribute a on a.attrelid = t.oid and a.attnum = k.attnum
      where t.relname = ${table} and s.nspname = current_schema()`.execute(db);
    for (const r of rows) add(String(r.i), Number(r.p) - 1, String(r.c));
  }
  const out = new Set<string>();
  for (const cols of indexes.values()) {
    const [first, second] = cols;
    if (first) out.add(first);
    if (first !== undefined && first === domainColumn && second) out.add(second);
  }
  return out;
}
