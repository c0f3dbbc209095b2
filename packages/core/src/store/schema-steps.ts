import { sql, type ColumnDefinitionBuilder, type CreateTableBuilder, type Kysely, type Migration } from 'kysely';
import type { DialectKind } from '../model/dialect-kind.js';
import { StorageError } from '../model/engine-errors.js';

/**
 * One idempotent piece of a migration: creating a table or an index, adding a column, changing a collation.
 * Running a step whose effect is already there does nothing, so a migration interrupted part-way (MariaDB
 * commits every DDL statement on its own) completes when it is run again.
 */
export interface SchemaStep {
  /** What the step does: `table rg_domain`, `index rg_entry_owner_ix`. */
  readonly name: string;
  run(db: Kysely<any>): Promise<void>;
}

/**
 * Column modifier that makes a text column compare exactly (case-sensitive, trailing spaces significant,
 * code-point order) on every dialect: `utf8mb4_nopad_bin` on MariaDB/MySQL, `"C"` on PostgreSQL, SQLite's
 * default BINARY collation.
 *
 * @example
 * ```ts
 * db.schema.createTable('t').addColumn('name', 'varchar(64)', exactText('mysql'));
 * ```
 */
export function exactText(dialect: DialectKind): (col: ColumnDefinitionBuilder) => ColumnDefinitionBuilder {
  return (col) => {
    if (dialect === 'mysql') return col.modifyEnd(sql`collate utf8mb4_nopad_bin`);
    if (dialect === 'postgres') return col.modifyEnd(sql`collate "C"`);
    return col;
  };
}

/**
 * Adds the integer auto-increment primary key `id` (a `serial` on PostgreSQL).
 *
 * @example
 * ```ts
 * withId(db.schema.createTable('rg_role'), 'sqlite').addColumn('name', 'varchar(128)');
 * ```
 */
export function withId<T extends string>(builder: CreateTableBuilder<T, never>, dialect: DialectKind): CreateTableBuilder<T, 'id'> {
  if (dialect === 'postgres') return builder.addColumn('id', 'serial', (c) => c.primaryKey());
  return builder.addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement());
}

/**
 * Step that creates a table unless it exists (`create table if not exists`, InnoDB/utf8mb4 on MariaDB).
 *
 * @example
 * ```ts
 * tableStep('mysql', 'rg_x', (db) => db.schema.createTable('rg_x').addColumn('a', 'integer'));
 * ```
 */
export function tableStep(dialect: DialectKind, table: string, build: (db: Kysely<any>) => CreateTableBuilder<string, string>): SchemaStep {
  return {
    name: `table ${table}`,
    run: async (db) => {
      const builder = build(db).ifNotExists();
      await (dialect === 'mysql' ? builder.modifyEnd(sql`engine=InnoDB default charset=utf8mb4`) : builder).execute();
    },
  };
}

/**
 * Whether an index of this name exists on the table (in the current schema / database).
 *
 * @example
 * ```ts
 * await indexExists(db, 'postgres', 'rg_entry', 'rg_entry_owner_ix'); // true
 * ```
 */
export async function indexExists(db: Kysely<any>, dialect: DialectKind, table: string, index: string): Promise<boolean> {
  const query =
    dialect === 'sqlite'
      ? sql<{ n: unknown }>`select 1 as n from sqlite_master where type = 'index' and tbl_name = ${table} and name = ${index}`
      : dialect === 'mysql'
        ? sql<{ n: unknown }>`select 1 as n from information_schema.statistics where table_schema = database() and table_name = ${table} and index_name = ${index}`
        : sql<{ n: unknown }>`select 1 as n from pg_indexes where schemaname = current_schema() and tablename = ${table} and indexname = ${index}`;
  return (await query.execute(db)).rows.length > 0;
}

/**
 * The column names of a table (empty when the table does not exist).
 *
 * @example
 * ```ts
 * (await existingColumns(db, 'sqlite', 'rg_contact')).has('country');
 * ```
 */
export async function existingColumns(db: Kysely<any>, dialect: DialectKind, table: string): Promise<Set<string>> {
  const query =
    dialect === 'sqlite'
      ? sql<{ name: string }>`select name from pragma_table_info(${table})`
      : dialect === 'mysql'
        ? sql<{ name: string }>`select column_name as name from information_schema.columns where table_schema = database() and table_name = ${table}`
        : sql<{ name: string }>`select column_name as name from information_schema.columns where table_schema = current_schema() and table_name = ${table}`;
  const { rows } = await query.execute(db);
  return new Set(rows.map((r) => String(r.name)));
}

/** Runs `create`, and when it fails, succeeds anyway if `exists` now holds (another process did it first). */
async function createUnlessPresent(exists: () => Promise<boolean>, create: () => Promise<void>): Promise<void> {
  if (await exists()) return;
  try {
    await create();
  } catch (err) {
    if (!(await exists())) throw err;
  }
}

/**
 * Step that creates an index unless one of that name exists (checked in the catalog, so it works where
 * `create index if not exists` is not supported).
 *
 * @example
 * ```ts
 * indexStep('mysql', 'rg_entry', 'rg_entry_owner_ix', ['domain_id', 'owner_type', 'owner_id']);
 * ```
 */
export function indexStep(dialect: DialectKind, table: string, index: string, columns: readonly string[]): SchemaStep {
  return {
    name: `index ${index}`,
    run: (db) =>
      createUnlessPresent(
        () => indexExists(db, dialect, table, index),
        () => db.schema.createIndex(index).on(table).columns([...columns]).execute(),
      ),
  };
}

/**
 * Step that adds a column unless the table has one of that name.
 *
 * @example
 * ```ts
 * columnStep('sqlite', 'rg_entry', 'granted_by', 'integer');
 * ```
 */
export function columnStep(
  dialect: DialectKind,
  table: string,
  column: string,
  type: 'integer' | 'varchar(32)' | 'varchar(64)' | 'varchar(255)',
  modify: (col: ColumnDefinitionBuilder) => ColumnDefinitionBuilder = (c) => c,
): SchemaStep {
  return {
    name: `column ${table}.${column}`,
    run: (db) =>
      createUnlessPresent(
        async () => (await existingColumns(db, dialect, table)).has(column),
        () => db.schema.alterTable(table).addColumn(column, type, modify).execute(),
      ),
  };
}

/**
 * A Kysely migration made of idempotent steps, run in order. A failing step is reported by its name (a
 * `StorageError` whose `cause` is the driver's error).
 *
 * @example
 * ```ts
 * const m = stepMigration([tableStep('sqlite', 'rg_x', (db) => db.schema.createTable('rg_x').addColumn('a', 'integer'))]);
 * ```
 */
export function stepMigration(steps: readonly SchemaStep[]): Migration {
  return {
    up: async (db) => {
      for (const step of steps) {
        try {
          await step.run(db);
        } catch (err) {
          throw new StorageError(`migration step '${step.name}'`, err);
        }
      }
    },
  };
}
