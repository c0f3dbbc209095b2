import { sql, type Kysely } from 'kysely';
import type { DialectKind } from '../../src/index.js';

/**
 * Everything the engine's schema consists of, as sorted lines: each column of each `rg_` table (type,
 * nullability, collation), each index (name, table, columns), and the recorded migrations. Two databases with
 * equal catalogs have the same schema.
 */
export async function schemaCatalog(db: Kysely<any>, dialect: DialectKind): Promise<string[]> {
  const lines: string[] = [];
  if (dialect === 'sqlite') {
    const objects = await sql<{ type: string; name: string; tbl: string }>`
      select type, name, tbl_name as tbl from sqlite_master where tbl_name like 'rg\\_%' escape '\\'`.execute(db);
    for (const o of objects.rows) {
      if (o.type === 'table') {
        const cols = await sql<{ name: string; type: string; notnull: number; dflt: unknown; pk: number }>`
          select name, type, "notnull", dflt_value as dflt, pk from pragma_table_info(${o.name})`.execute(db);
        for (const c of cols.rows) lines.push(`column ${o.name}.${c.name} ${c.type} notnull=${c.notnull} default=${String(c.dflt)} pk=${c.pk}`);
      } else {
        const cols = await sql<{ name: string }>`select name from pragma_index_info(${o.name}) order by seqno`.execute(db);
        lines.push(`index ${o.name} on ${o.tbl} (${cols.rows.map((c) => c.name).join(', ')})`);
      }
    }
  } else {
    const schema = dialect === 'mysql' ? sql`database()` : sql`current_schema()`;
    const cols = await sql<Record<string, unknown>>`
      select table_name as t, column_name as c, data_type as d, character_maximum_length as l, is_nullable as n,
             column_default as dflt, collation_name as coll
      from information_schema.columns where table_schema = ${schema} and table_name like 'rg\\_%'`.execute(db);
    for (const c of cols.rows) lines.push(`column ${String(c.t)}.${String(c.c)} ${String(c.d)}(${String(c.l)}) null=${String(c.n)} default=${String(c.dflt).replace(/rgt_\w+\./g, '')} ${String(c.coll)}`);
    const indexes =
      dialect === 'mysql'
        ? await sql<{ t: string; i: string; cols: string }>`
            select table_name as t, index_name as i, group_concat(column_name order by seq_in_index) as cols
            from information_schema.statistics where table_schema = database() and table_name like 'rg\\_%'
            group by table_name, index_name`.execute(db)
        : await sql<{ t: string; i: string; cols: string }>`
            select tablename as t, indexname as i, regexp_replace(indexdef, '^.* USING ', '') as cols
            from pg_indexes where schemaname = current_schema() and tablename like 'rg\\_%'`.execute(db);
    for (const i of indexes.rows) lines.push(`index ${i.i} on ${i.t} (${i.cols})`);
  }
  const migrations = await sql<{ name: string }>`select name from rg_migration`.execute(db).catch(() => ({ rows: [] }));
  for (const m of migrations.rows) lines.push(`migration ${m.name}`);
  return lines.sort();
}

/** The names of the `rg_` tables present (the migrator's own included). */
export async function engineTables(db: Kysely<any>, dialect: DialectKind): Promise<string[]> {
  const query =
    dialect === 'sqlite'
      ? sql<{ t: string }>`select name as t from sqlite_master where type = 'table' and name like 'rg\\_%' escape '\\'`
      : dialect === 'mysql'
        ? sql<{ t: string }>`select table_name as t from information_schema.tables where table_schema = database() and table_name like 'rg\\_%'`
        : sql<{ t: string }>`select table_name as t from information_schema.tables where table_schema = current_schema() and table_name like 'rg\\_%'`;
  return (await query.execute(db)).rows.map((r) => String(r.t)).sort();
}
