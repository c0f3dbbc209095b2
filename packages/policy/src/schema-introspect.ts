import { sql, type Kysely } from 'kysely';
import type { AttributeType, DialectKind } from '@rowguard/core';

/** Columns of the engine's reference contact table that are not attributes. */
const BASE_COLUMNS: ReadonlySet<string> = new Set(['id', 'domain_id', 'contact_key', 'contact_type', 'sort_name', 'is_deleted']);

async function columns(db: Kysely<any>, dialect: DialectKind, table: string): Promise<{ name: string; type: string }[]> {
  const query =
    dialect === 'sqlite'
      ? sql<{ name: string; type: string }>`select name, type from pragma_table_info(${table})`
      : dialect === 'mysql'
        ? sql<{ name: string; type: string }>`select column_name as name, data_type as type from information_schema.columns where table_schema = database() and table_name = ${table} order by ordinal_position`
        : sql<{ name: string; type: string }>`select column_name as name, data_type as type from information_schema.columns where table_schema = current_schema() and table_name = ${table} order by ordinal_position`;
  const { rows } = await query.execute(db);
  return rows.map((r) => ({ name: String(r.name), type: String(r.type) }));
}

/**
 * Whether the engine's schema exists in this database (its domain table is there).
 *
 * @example
 * ```ts
 * await schemaPresent(db, 'sqlite', 'rg_domain'); // false on an empty file
 * ```
 */
export async function schemaPresent(db: Kysely<any>, dialect: DialectKind, domainTable: string): Promise<boolean> {
  return (await columns(db, dialect, domainTable)).length > 0;
}

/**
 * The attributes already present as columns of the engine's contact table (added by earlier migrations), with
 * their types: integer columns are `integer`, everything else `text`.
 *
 * @example
 * ```ts
 * await existingAttributes(db, 'mysql', 'rg_contact'); // Map { 'country' => 'text' }
 * ```
 */
export async function existingAttributes(db: Kysely<any>, dialect: DialectKind, contactTable: string): Promise<Map<string, AttributeType>> {
  const out = new Map<string, AttributeType>();
  for (const col of await columns(db, dialect, contactTable)) {
    if (BASE_COLUMNS.has(col.name)) continue;
    out.set(col.name, /int/i.test(col.type) ? 'integer' : 'text');
  }
  return out;
}

/**
 * The non-contact object types that stored entries govern (so an engine opened without a policy file still
 * knows the host types the policy uses).
 *
 * @example
 * ```ts
 * await storedEntityTypes(db, 'rg_entry'); // ['invoice']
 * ```
 */
export async function storedEntityTypes(db: Kysely<any>, entryTable: string): Promise<string[]> {
  const rows = await db.selectFrom(entryTable).select('object_entity').distinct().where('object_type', '=', 'entity').execute();
  return rows.map((r) => String(r.object_entity)).filter((e) => /^[a-z][a-z0-9_]{0,63}$/.test(e));
}
