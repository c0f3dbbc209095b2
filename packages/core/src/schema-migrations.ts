import {
  Migrator,
  sql,
  type ColumnDefinitionBuilder,
  type CreateTableBuilder,
  type Kysely,
  type Migration,
  type MigrationProvider,
} from 'kysely';
import type { DialectKind } from './dialect-kind.js';
import type { EngineConfig } from './engine-config.js';
import { StorageError } from './engine-errors.js';
import { tableNames, type TableNames } from './table-names.js';

/**
 * Column modifier that makes a text column compare exactly (case-sensitive, trailing spaces significant,
 * code-point order) on every dialect: `utf8mb4_nopad_bin` on MariaDB/MySQL, `"C"` on PostgreSQL, SQLite's
 * default BINARY collation.
 */
function exactText(dialect: DialectKind): (col: ColumnDefinitionBuilder) => ColumnDefinitionBuilder {
  return (col) => {
    if (dialect === 'mysql') return col.modifyEnd(sql`collate utf8mb4_nopad_bin`);
    if (dialect === 'postgres') return col.modifyEnd(sql`collate "C"`);
    return col;
  };
}

function withId<T extends string>(
  builder: CreateTableBuilder<T, never>,
  dialect: DialectKind,
): CreateTableBuilder<T, 'id'> {
  if (dialect === 'postgres') return builder.addColumn('id', 'serial', (c) => c.primaryKey());
  return builder.addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement());
}

function tableOptions<T extends string, C extends string>(
  builder: CreateTableBuilder<T, C>,
  dialect: DialectKind,
): CreateTableBuilder<T, C> {
  return dialect === 'mysql' ? builder.modifyEnd(sql`engine=InnoDB default charset=utf8mb4`) : builder;
}

function initialSchema(t: TableNames, dialect: DialectKind): Migration {
  const text = exactText(dialect);
  return {
    async up(db: Kysely<any>): Promise<void> {
      await tableOptions(
        withId(db.schema.createTable(t.domain), dialect)
          .addColumn('name', 'varchar(128)', (c) => c.notNull().unique())
          .addColumn('version', 'bigint', (c) => c.notNull().defaultTo(0)),
        dialect,
      ).execute();

      await tableOptions(
        withId(db.schema.createTable(t.contact), dialect)
          .addColumn('domain_id', 'integer', (c) => c.notNull())
          .addColumn('contact_key', 'varchar(191)', text)
          .addColumn('contact_type', 'varchar(64)', (c) => text(c.notNull()))
          .addColumn('sort_name', 'varchar(255)', text)
          .addColumn('is_deleted', 'integer', (c) => c.notNull().defaultTo(0))
          .addUniqueConstraint(`${t.contact}_key_uq`, ['domain_id', 'contact_key']),
        dialect,
      ).execute();
      await db.schema.createIndex(`${t.contact}_sort_ix`).on(t.contact).columns(['domain_id', 'sort_name', 'id']).execute();
      await db.schema.createIndex(`${t.contact}_type_ix`).on(t.contact).columns(['domain_id', 'contact_type']).execute();

      await tableOptions(
        db.schema
          .createTable(t.contactSubType)
          .addColumn('contact_id', 'integer', (c) => c.notNull())
          .addColumn('sub_type', 'varchar(64)', (c) => text(c.notNull()))
          .addPrimaryKeyConstraint(`${t.contactSubType}_pk`, ['contact_id', 'sub_type']),
        dialect,
      ).execute();
      await db.schema.createIndex(`${t.contactSubType}_ix`).on(t.contactSubType).columns(['sub_type', 'contact_id']).execute();

      await tableOptions(
        db.schema
          .createTable(t.userLink)
          .addColumn('domain_id', 'integer', (c) => c.notNull())
          .addColumn('user_id', 'varchar(191)', (c) => text(c.notNull()))
          .addColumn('contact_id', 'integer', (c) => c.notNull())
          .addPrimaryKeyConstraint(`${t.userLink}_pk`, ['domain_id', 'user_id'])
          .addUniqueConstraint(`${t.userLink}_contact_uq`, ['domain_id', 'contact_id']),
        dialect,
      ).execute();

      await tableOptions(
        withId(db.schema.createTable(t.group), dialect)
          .addColumn('domain_id', 'integer', (c) => c.notNull())
          .addColumn('name', 'varchar(128)', (c) => text(c.notNull()))
          .addColumn('kind', 'varchar(16)', (c) => c.notNull())
          .addColumn('criteria', 'text')
          .addColumn('is_active', 'integer', (c) => c.notNull().defaultTo(1))
          .addUniqueConstraint(`${t.group}_name_uq`, ['domain_id', 'name']),
        dialect,
      ).execute();

      await tableOptions(
        db.schema
          .createTable(t.groupContact)
          .addColumn('group_id', 'integer', (c) => c.notNull())
          .addColumn('contact_id', 'integer', (c) => c.notNull())
          .addColumn('status', 'varchar(16)', (c) => c.notNull())
          .addPrimaryKeyConstraint(`${t.groupContact}_pk`, ['group_id', 'contact_id']),
        dialect,
      ).execute();
      await db.schema
        .createIndex(`${t.groupContact}_contact_ix`)
        .on(t.groupContact)
        .columns(['contact_id', 'status', 'group_id'])
        .execute();
      await db.schema
        .createIndex(`${t.groupContact}_group_ix`)
        .on(t.groupContact)
        .columns(['group_id', 'status', 'contact_id'])
        .execute();

      await tableOptions(
        withId(db.schema.createTable(t.role), dialect)
          .addColumn('domain_id', 'integer', (c) => c.notNull())
          .addColumn('name', 'varchar(128)', (c) => text(c.notNull()))
          .addColumn('is_administrator', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('is_active', 'integer', (c) => c.notNull().defaultTo(1))
          .addUniqueConstraint(`${t.role}_name_uq`, ['domain_id', 'name']),
        dialect,
      ).execute();

      await tableOptions(
        withId(db.schema.createTable(t.roleAssignment), dialect)
          .addColumn('domain_id', 'integer', (c) => c.notNull())
          .addColumn('role_id', 'integer', (c) => c.notNull())
          .addColumn('assignee_type', 'varchar(16)', (c) => c.notNull())
          .addColumn('assignee_id', 'integer', (c) => c.notNull())
          .addColumn('is_active', 'integer', (c) => c.notNull().defaultTo(1))
          .addUniqueConstraint(`${t.roleAssignment}_uq`, ['role_id', 'assignee_type', 'assignee_id']),
        dialect,
      ).execute();
      await db.schema
        .createIndex(`${t.roleAssignment}_assignee_ix`)
        .on(t.roleAssignment)
        .columns(['domain_id', 'assignee_type', 'assignee_id'])
        .execute();

      await tableOptions(
        db.schema
          .createTable(t.rolePermission)
          .addColumn('role_id', 'integer', (c) => c.notNull())
          .addColumn('permission', 'varchar(128)', (c) => c.notNull())
          .addPrimaryKeyConstraint(`${t.rolePermission}_pk`, ['role_id', 'permission']),
        dialect,
      ).execute();

      await tableOptions(
        withId(db.schema.createTable(t.entry), dialect)
          .addColumn('domain_id', 'integer', (c) => c.notNull())
          .addColumn('entry_key', 'varchar(191)', text)
          .addColumn('effect', 'varchar(8)', (c) => c.notNull())
          .addColumn('operation', 'varchar(16)', (c) => c.notNull())
          .addColumn('owner_type', 'varchar(16)', (c) => c.notNull())
          .addColumn('owner_id', 'integer')
          .addColumn('object_type', 'varchar(32)', (c) => c.notNull())
          .addColumn('object_entity', 'varchar(64)')
          .addColumn('object_id', 'integer')
          .addColumn('priority', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('is_active', 'integer', (c) => c.notNull().defaultTo(1))
          .addColumn('parent_entry_id', 'integer')
          .addColumn('criteria', 'text')
          .addUniqueConstraint(`${t.entry}_key_uq`, ['domain_id', 'entry_key']),
        dialect,
      ).execute();
      await db.schema.createIndex(`${t.entry}_owner_ix`).on(t.entry).columns(['domain_id', 'owner_type', 'owner_id']).execute();
      await db.schema.createIndex(`${t.entry}_object_ix`).on(t.entry).columns(['domain_id', 'object_type', 'object_id']).execute();

      await tableOptions(
        withId(db.schema.createTable(t.audit), dialect)
          .addColumn('domain_id', 'integer', (c) => c.notNull())
          .addColumn('actor', 'varchar(191)', (c) => c.notNull())
          .addColumn('action', 'varchar(64)', (c) => c.notNull())
          .addColumn('target_type', 'varchar(32)', (c) => c.notNull())
          .addColumn('target_id', 'varchar(64)')
          .addColumn('before_json', 'text')
          .addColumn('after_json', 'text')
          .addColumn('created_at', 'varchar(32)', (c) => c.notNull()),
        dialect,
      ).execute();
      await db.schema.createIndex(`${t.audit}_target_ix`).on(t.audit).columns(['domain_id', 'target_type', 'target_id']).execute();
    },
  };
}

function relationshipsAndDelegation(t: TableNames, dialect: DialectKind): Migration {
  const text = exactText(dialect);
  return {
    async up(db: Kysely<any>): Promise<void> {
      await tableOptions(
        withId(db.schema.createTable(t.relationshipType), dialect)
          .addColumn('domain_id', 'integer', (c) => c.notNull())
          .addColumn('name', 'varchar(128)', (c) => text(c.notNull()))
          .addColumn('name_b_a', 'varchar(128)', text)
          .addColumn('permission_a_b', 'varchar(8)', (c) => c.notNull().defaultTo('none'))
          .addColumn('permission_b_a', 'varchar(8)', (c) => c.notNull().defaultTo('none'))
          .addColumn('is_active', 'integer', (c) => c.notNull().defaultTo(1))
          .addUniqueConstraint(`${t.relationshipType}_name_uq`, ['domain_id', 'name']),
        dialect,
      ).execute();
      await tableOptions(
        withId(db.schema.createTable(t.relationship), dialect)
          .addColumn('domain_id', 'integer', (c) => c.notNull())
          .addColumn('type_id', 'integer', (c) => c.notNull())
          .addColumn('contact_a', 'integer', (c) => c.notNull())
          .addColumn('contact_b', 'integer', (c) => c.notNull())
          .addColumn('is_active', 'integer', (c) => c.notNull().defaultTo(1))
          .addColumn('start_date', 'varchar(10)')
          .addColumn('end_date', 'varchar(10)'),
        dialect,
      ).execute();
      await db.schema.createIndex(`${t.relationship}_a_ix`).on(t.relationship).columns(['contact_a', 'contact_b']).execute();
      await db.schema.createIndex(`${t.relationship}_b_ix`).on(t.relationship).columns(['contact_b', 'contact_a']).execute();
      await db.schema.alterTable(t.entry).addColumn('granted_by', 'integer').execute();
      await db.schema.createIndex(`${t.entry}_parent_ix`).on(t.entry).columns(['parent_entry_id']).execute();
    },
  };
}

/**
 * The engine's migrations, in order. Migrations are code, keyed by a sortable name.
 *
 * @example
 * ```ts
 * Object.keys(engineMigrations('rg_', 'sqlite')); // ['0001_initial', '0002_relationships_delegation']
 * ```
 */
export function engineMigrations(prefix: string, dialect: DialectKind): Record<string, Migration> {
  const t = tableNames(prefix);
  return { '0001_initial': initialSchema(t, dialect), '0002_relationships_delegation': relationshipsAndDelegation(t, dialect) };
}

async function existingColumns(db: Kysely<any>, dialect: DialectKind, table: string): Promise<Set<string>> {
  const query =
    dialect === 'sqlite'
      ? sql<{ name: string }>`select name from pragma_table_info(${table})`
      : dialect === 'mysql'
        ? sql<{ name: string }>`select column_name as name from information_schema.columns where table_schema = database() and table_name = ${table}`
        : sql<{ name: string }>`select column_name as name from information_schema.columns where table_schema = current_schema() and table_name = ${table}`;
  const { rows } = await query.execute(db);
  return new Set(rows.map((r) => String(r.name)));
}

/**
 * Creates or upgrades the engine's tables, then adds a column (and an index) to the reference contact table for
 * every declared attribute it does not have yet. Safe to run repeatedly and from several processes.
 *
 * @example
 * ```ts
 * await migrateSchema(db, 'sqlite', config);
 * ```
 */
export async function migrateSchema(db: Kysely<any>, dialect: DialectKind, config: EngineConfig): Promise<void> {
  const t = tableNames(config.tablePrefix);
  const migrations = engineMigrations(config.tablePrefix, dialect);
  const provider: MigrationProvider = { getMigrations: () => Promise.resolve(migrations) };
  // On PostgreSQL the migrator must look in the schema the tables go to (the first on the search path), not in
  // any schema that happens to hold a table of the same name.
  const schema =
    dialect === 'postgres' ? String((await sql<{ s: string }>`select current_schema() as s`.execute(db)).rows[0]?.s) : undefined;
  const migrator = new Migrator({
    db,
    provider,
    migrationTableName: t.migration,
    migrationLockTableName: t.migrationLock,
    ...(schema ? { migrationTableSchema: schema } : {}),
  });
  const { error } = await migrator.migrateToLatest();
  if (error) throw new StorageError('migrating the schema', error);

  await addAttributeColumns(db, dialect, config);
}

/**
 * Adds a column (and its index) to the reference contact table for every declared attribute it does not have yet,
 * and returns the names it added. `db` may be a transaction: on SQLite and PostgreSQL the columns then appear and
 * disappear with it (MariaDB commits a schema change at once).
 *
 * @example
 * ```ts
 * await db.transaction().execute((trx) => addAttributeColumns(trx, 'postgres', config)); // ['country']
 * ```
 */
export async function addAttributeColumns(db: Kysely<any>, dialect: DialectKind, config: EngineConfig): Promise<string[]> {
  const t = tableNames(config.tablePrefix);
  const present = await existingColumns(db, dialect, t.contact);
  const text = exactText(dialect);
  const added: string[] = [];
  for (const [name, attr] of Object.entries(config.contacts.attributes)) {
    if (present.has(name)) continue;
    await db.schema
      .alterTable(t.contact)
      .addColumn(name, attr.type === 'integer' ? 'integer' : 'varchar(255)', (c) => (attr.type === 'text' ? text(c) : c))
      .execute();
    await db.schema.createIndex(`${t.contact}_${name}_ix`).on(t.contact).columns(['domain_id', name]).execute();
    added.push(name);
  }
  return added;
}

/**
 * Removes attribute columns (and their indexes) that {@link addAttributeColumns} added, for undoing a schema change
 * whose writes were refused where the database cannot roll schema changes back (MariaDB).
 *
 * @example
 * ```ts
 * await dropAttributeColumns(db, 'mysql', config, ['country']);
 * ```
 */
export async function dropAttributeColumns(db: Kysely<any>, dialect: DialectKind, config: EngineConfig, names: readonly string[]): Promise<void> {
  const t = tableNames(config.tablePrefix);
  const present = await existingColumns(db, dialect, t.contact);
  for (const name of names) {
    if (!present.has(name)) continue;
    const index = db.schema.dropIndex(`${t.contact}_${name}_ix`).ifExists();
    await (dialect === 'mysql' ? index.on(t.contact) : index).execute();
    await db.schema.alterTable(t.contact).dropColumn(name).execute();
  }
}
