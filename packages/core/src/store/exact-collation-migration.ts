import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { DialectKind } from '../model/dialect-kind.js';
import type { SchemaStep } from './schema-steps.js';
import type { TableNames } from './table-names.js';

/** One text column of the engine's tables: its type, whether it is NOT NULL, and its default if any. */
interface TextColumn {
  readonly table: keyof TableNames;
  readonly column: string;
  readonly type: `varchar(${number})`;
  readonly notNull: boolean;
  readonly defaultValue?: string;
}

/**
 * Every `varchar` column of the engine's own tables. Names (domain, group, role, relationship type,
 * permission), keys, user ids, entity and sub-types and the short codes the SQL compares with literals
 * (`status = 'Added'`, `kind = 'smart'`, ...) all compare exactly; the audit columns too, so that a search of
 * the log finds what was written and nothing else. (`text` columns hold JSON and are never compared.)
 */
export const ENGINE_TEXT_COLUMNS: readonly TextColumn[] = [
  { table: 'domain', column: 'name', type: 'varchar(128)', notNull: true },
  { table: 'contact', column: 'contact_key', type: 'varchar(191)', notNull: false },
  { table: 'contact', column: 'contact_type', type: 'varchar(64)', notNull: true },
  { table: 'contact', column: 'sort_name', type: 'varchar(255)', notNull: false },
  { table: 'contactSubType', column: 'sub_type', type: 'varchar(64)', notNull: true },
  { table: 'userLink', column: 'user_id', type: 'varchar(191)', notNull: true },
  { table: 'group', column: 'name', type: 'varchar(128)', notNull: true },
  { table: 'group', column: 'kind', type: 'varchar(16)', notNull: true },
  { table: 'groupContact', column: 'status', type: 'varchar(16)', notNull: true },
  { table: 'role', column: 'name', type: 'varchar(128)', notNull: true },
  { table: 'roleAssignment', column: 'assignee_type', type: 'varchar(16)', notNull: true },
  { table: 'rolePermission', column: 'permission', type: 'varchar(128)', notNull: true },
  { table: 'entry', column: 'entry_key', type: 'varchar(191)', notNull: false },
  { table: 'entry', column: 'effect', type: 'varchar(8)', notNull: true },
  { table: 'entry', column: 'operation', type: 'varchar(16)', notNull: true },
  { table: 'entry', column: 'owner_type', type: 'varchar(16)', notNull: true },
  { table: 'entry', column: 'object_type', type: 'varchar(32)', notNull: true },
  { table: 'entry', column: 'object_entity', type: 'varchar(64)', notNull: false },
  { table: 'audit', column: 'actor', type: 'varchar(191)', notNull: true },
  { table: 'audit', column: 'action', type: 'varchar(64)', notNull: true },
  { table: 'audit', column: 'target_type', type: 'varchar(32)', notNull: true },
  { table: 'audit', column: 'target_id', type: 'varchar(64)', notNull: false },
  { table: 'audit', column: 'created_at', type: 'varchar(32)', notNull: true },
  { table: 'relationshipType', column: 'name', type: 'varchar(128)', notNull: true },
  { table: 'relationshipType', column: 'name_b_a', type: 'varchar(128)', notNull: false },
  { table: 'relationshipType', column: 'permission_a_b', type: 'varchar(8)', notNull: true, defaultValue: 'none' },
  { table: 'relationshipType', column: 'permission_b_a', type: 'varchar(8)', notNull: true, defaultValue: 'none' },
  { table: 'relationship', column: 'start_date', type: 'varchar(10)', notNull: false },
  { table: 'relationship', column: 'end_date', type: 'varchar(10)', notNull: false },
];

/** The collation each server dialect compares exactly with; SQLite's default BINARY already does. */
const EXACT_COLLATION = { mysql: 'utf8mb4_nopad_bin', postgres: 'C' } as const;

/** The current collation of each column of a table (`null`: the database default). */
async function collations(db: Kysely<any>, dialect: 'mysql' | 'postgres', table: string): Promise<Map<string, string | null>> {
  const schema = dialect === 'mysql' ? sql`database()` : sql`current_schema()`;
  const { rows } = await sql<{ name: string; coll: string | null }>`
    select column_name as name, collation_name as coll from information_schema.columns
    where table_schema = ${schema} and table_name = ${table}`.execute(db);
  return new Map(rows.map((r) => [String(r.name), r.coll === null ? null : String(r.coll)]));
}

/** The `alter table` clause that gives one column the exact collation, keeping its type, nullability and default. */
function alterClause(dialect: 'mysql' | 'postgres', c: TextColumn): RawBuilder<unknown> {
  if (dialect === 'postgres') return sql`alter column ${sql.ref(c.column)} type ${sql.raw(c.type)} collate "C"`;
  return sql.join(
    [
      sql`modify column ${sql.ref(c.column)} ${sql.raw(c.type)} character set utf8mb4 collate utf8mb4_nopad_bin`,
      c.notNull ? sql`not null` : sql`null`,
      ...(c.defaultValue === undefined ? [] : [sql`default ${sql.lit(c.defaultValue)}`]),
    ],
    sql` `,
  );
}

/**
 * The steps of migration `0003_exact_text`: on MariaDB/MySQL and PostgreSQL, every engine text column that
 * does not have the exact collation yet gets it (one `alter table` per table; a column already exact is left
 * alone, so the steps are idempotent). Databases made before it had `rg_domain.name` and the short code
 * columns in the server's default collation, where `ACME`, `acme `, `Acme` and `acmé` are one domain on
 * MariaDB. SQLite's columns are already BINARY (exact), so there it has nothing to do.
 *
 * No two existing values can collide: exact comparison only splits values the old collations held equal
 * (case, accents, trailing spaces), it never makes two different values equal, so every unique index that
 * held before still holds, and no new unique index is added.
 *
 * @example
 * ```ts
 * const steps = exactTextSteps(tableNames('rg_'), 'mysql');
 * ```
 */
export function exactTextSteps(t: TableNames, dialect: DialectKind): SchemaStep[] {
  if (dialect === 'sqlite') return [];
  const byTable = new Map<keyof TableNames, TextColumn[]>();
  for (const c of ENGINE_TEXT_COLUMNS) byTable.set(c.table, [...(byTable.get(c.table) ?? []), c]);
  return [...byTable].map(([key, columns]) => ({
    name: `exact text ${t[key]}`,
    run: async (db) => {
      const current = await collations(db, dialect, t[key]);
      const pending = columns.filter((c) => current.has(c.column) && current.get(c.column) !== EXACT_COLLATION[dialect]);
      if (pending.length === 0) return;
      await sql`alter table ${sql.table(t[key])} ${sql.join(pending.map((c) => alterClause(dialect, c)))}`.execute(db);
    },
  }));
}
