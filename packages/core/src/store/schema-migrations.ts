import { Migrator, sql, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import type { DialectKind } from '../model/dialect-kind.js';
import type { EngineConfig } from '../model/engine-config.js';
import { StorageError } from '../model/engine-errors.js';
import { exactTextSteps } from './exact-collation-migration.js';
import { columnStep, exactText, existingColumns, indexStep, stepMigration, tableStep, withId, type SchemaStep } from './schema-steps.js';
import { schemaScopedIntrospection } from './schema-scoped-introspection.js';
import { isMigrationConflict, leasedMigrationLock } from './migration-lease.js';
import { tableNames, type TableNames } from './table-names.js';

/** The steps of `0001_initial`: the core tables and their indexes, each created only if missing. */
function initialSteps(t: TableNames, dialect: DialectKind): SchemaStep[] {
  const text = exactText(dialect);
  const index = (table: string, name: string, columns: readonly string[]) => indexStep(dialect, table, name, columns);
  return [
    tableStep(dialect, t.domain, (db) =>
      withId(db.schema.createTable(t.domain), dialect)
        .addColumn('name', 'varchar(128)', (c) => c.notNull().unique())
        .addColumn('version', 'bigint', (c) => c.notNull().defaultTo(0)),
    ),
    tableStep(dialect, t.contact, (db) =>
      withId(db.schema.createTable(t.contact), dialect)
        .addColumn('domain_id', 'integer', (c) => c.notNull())
        .addColumn('contact_key', 'varchar(191)', text)
        .addColumn('contact_type', 'varchar(64)', (c) => text(c.notNull()))
        .addColumn('sort_name', 'varchar(255)', text)
        .addColumn('is_deleted', 'integer', (c) => c.notNull().defaultTo(0))
        .addUniqueConstraint(`${t.contact}_key_uq`, ['domain_id', 'contact_key']),
    ),
    index(t.contact, `${t.contact}_sort_ix`, ['domain_id', 'sort_name', 'id']),
    index(t.contact, `${t.contact}_type_ix`, ['domain_id', 'contact_type']),
    tableStep(dialect, t.contactSubType, (db) =>
      db.schema
        .createTable(t.contactSubType)
        .addColumn('contact_id', 'integer', (c) => c.notNull())
        .addColumn('sub_type', 'varchar(64)', (c) => text(c.notNull()))
        .addPrimaryKeyConstraint(`${t.contactSubType}_pk`, ['contact_id', 'sub_type']),
    ),
    index(t.contactSubType, `${t.contactSubType}_ix`, ['sub_type', 'contact_id']),
    tableStep(dialect, t.userLink, (db) =>
      db.schema
        .createTable(t.userLink)
        .addColumn('domain_id', 'integer', (c) => c.notNull())
        .addColumn('user_id', 'varchar(191)', (c) => text(c.notNull()))
        .addColumn('contact_id', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint(`${t.userLink}_pk`, ['domain_id', 'user_id'])
        .addUniqueConstraint(`${t.userLink}_contact_uq`, ['domain_id', 'contact_id']),
    ),
    tableStep(dialect, t.group, (db) =>
      withId(db.schema.createTable(t.group), dialect)
        .addColumn('domain_id', 'integer', (c) => c.notNull())
        .addColumn('name', 'varchar(128)', (c) => text(c.notNull()))
        .addColumn('kind', 'varchar(16)', (c) => c.notNull())
        .addColumn('criteria', 'text')
        .addColumn('is_active', 'integer', (c) => c.notNull().defaultTo(1))
        .addUniqueConstraint(`${t.group}_name_uq`, ['domain_id', 'name']),
    ),
    tableStep(dialect, t.groupContact, (db) =>
      db.schema
        .createTable(t.groupContact)
        .addColumn('group_id', 'integer', (c) => c.notNull())
        .addColumn('contact_id', 'integer', (c) => c.notNull())
        .addColumn('status', 'varchar(16)', (c) => c.notNull())
        .addPrimaryKeyConstraint(`${t.groupContact}_pk`, ['group_id', 'contact_id']),
    ),
    index(t.groupContact, `${t.groupContact}_contact_ix`, ['contact_id', 'status', 'group_id']),
    index(t.groupContact, `${t.groupContact}_group_ix`, ['group_id', 'status', 'contact_id']),
    tableStep(dialect, t.role, (db) =>
      withId(db.schema.createTable(t.role), dialect)
        .addColumn('domain_id', 'integer', (c) => c.notNull())
        .addColumn('name', 'varchar(128)', (c) => text(c.notNull()))
        .addColumn('is_administrator', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('is_active', 'integer', (c) => c.notNull().defaultTo(1))
        .addUniqueConstraint(`${t.role}_name_uq`, ['domain_id', 'name']),
    ),
    tableStep(dialect, t.roleAssignment, (db) =>
      withId(db.schema.createTable(t.roleAssignment), dialect)
        .addColumn('domain_id', 'integer', (c) => c.notNull())
        .addColumn('role_id', 'integer', (c) => c.notNull())
        .addColumn('assignee_type', 'varchar(16)', (c) => c.notNull())
        .addColumn('assignee_id', 'integer', (c) => c.notNull())
        .addColumn('is_active', 'integer', (c) => c.notNull().defaultTo(1))
        .addUniqueConstraint(`${t.roleAssignment}_uq`, ['role_id', 'assignee_type', 'assignee_id']),
    ),
    index(t.roleAssignment, `${t.roleAssignment}_assignee_ix`, ['domain_id', 'assignee_type', 'assignee_id']),
    tableStep(dialect, t.rolePermission, (db) =>
      db.schema
        .createTable(t.rolePermission)
        .addColumn('role_id', 'integer', (c) => c.notNull())
        .addColumn('permission', 'varchar(128)', (c) => c.notNull())
        .addPrimaryKeyConstraint(`${t.rolePermission}_pk`, ['role_id', 'permission']),
    ),
    tableStep(dialect, t.entry, (db) =>
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
    ),
    index(t.entry, `${t.entry}_owner_ix`, ['domain_id', 'owner_type', 'owner_id']),
    index(t.entry, `${t.entry}_object_ix`, ['domain_id', 'object_type', 'object_id']),
    tableStep(dialect, t.audit, (db) =>
      withId(db.schema.createTable(t.audit), dialect)
        .addColumn('domain_id', 'integer', (c) => c.notNull())
        .addColumn('actor', 'varchar(191)', (c) => c.notNull())
        .addColumn('action', 'varchar(64)', (c) => c.notNull())
        .addColumn('target_type', 'varchar(32)', (c) => c.notNull())
        .addColumn('target_id', 'varchar(64)')
        .addColumn('before_json', 'text')
        .addColumn('after_json', 'text')
        .addColumn('created_at', 'varchar(32)', (c) => c.notNull()),
    ),
    index(t.audit, `${t.audit}_target_ix`, ['domain_id', 'target_type', 'target_id']),
  ];
}

/** The steps of `0002_relationships_delegation`: relationship tables, and the delegation column of entries. */
function relationshipSteps(t: TableNames, dialect: DialectKind): SchemaStep[] {
  const text = exactText(dialect);
  return [
    tableStep(dialect, t.relationshipType, (db) =>
      withId(db.schema.createTable(t.relationshipType), dialect)
        .addColumn('domain_id', 'integer', (c) => c.notNull())
        .addColumn('name', 'varchar(128)', (c) => text(c.notNull()))
        .addColumn('name_b_a', 'varchar(128)', text)
        .addColumn('permission_a_b', 'varchar(8)', (c) => c.notNull().defaultTo('none'))
        .addColumn('permission_b_a', 'varchar(8)', (c) => c.notNull().defaultTo('none'))
        .addColumn('is_active', 'integer', (c) => c.notNull().defaultTo(1))
        .addUniqueConstraint(`${t.relationshipType}_name_uq`, ['domain_id', 'name']),
    ),
    tableStep(dialect, t.relationship, (db) =>
      withId(db.schema.createTable(t.relationship), dialect)
        .addColumn('domain_id', 'integer', (c) => c.notNull())
        .addColumn('type_id', 'integer', (c) => c.notNull())
        .addColumn('contact_a', 'integer', (c) => c.notNull())
        .addColumn('contact_b', 'integer', (c) => c.notNull())
        .addColumn('is_active', 'integer', (c) => c.notNull().defaultTo(1))
        .addColumn('start_date', 'varchar(10)')
        .addColumn('end_date', 'varchar(10)'),
    ),
    indexStep(dialect, t.relationship, `${t.relationship}_a_ix`, ['contact_a', 'contact_b']),
    indexStep(dialect, t.relationship, `${t.relationship}_b_ix`, ['contact_b', 'contact_a']),
    columnStep(dialect, t.entry, 'granted_by', 'integer'),
    indexStep(dialect, t.entry, `${t.entry}_parent_ix`, ['parent_entry_id']),
  ];
}

/**
 * The steps of `0005_user_sync`: the provenance of a membership (`source`: null for a membership made by hand,
 * or the name of the sync that made it) and the suspended flag of a user link (a blocked host user keeps its
 * link, which then resolves to no contact). The link's one-contact-per-user and one-user-per-contact rules are
 * the primary key and unique constraint of `0001_initial`; the index steps below make sure they exist.
 */
function userSyncSteps(t: TableNames, dialect: DialectKind): SchemaStep[] {
  return [
    columnStep(dialect, t.groupContact, 'source', 'varchar(64)', exactText(dialect)),
    indexStep(dialect, t.groupContact, `${t.groupContact}_source_ix`, ['source', 'group_id', 'contact_id']),
    columnStep(dialect, t.userLink, 'suspended', 'integer', (c) => c.notNull().defaultTo(0)),
  ];
}

/**
 * The steps of `0004_group_members`: the table of materialised smart-group members (one row per group and member
 * contact, read by the clause like a static group's memberships), and the time of each group's last full refresh
 * (`members_at`, null while the group is not materialised: the clause then inlines its criteria).
 */
function groupMemberSteps(t: TableNames, dialect: DialectKind): SchemaStep[] {
  return [
    tableStep(dialect, t.groupMember, (db) =>
      db.schema
        .createTable(t.groupMember)
        .addColumn('group_id', 'integer', (c) => c.notNull())
        .addColumn('contact_id', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint(`${t.groupMember}_pk`, ['group_id', 'contact_id']),
    ),
    indexStep(dialect, t.groupMember, `${t.groupMember}_contact_ix`, ['contact_id', 'group_id']),
    columnStep(dialect, t.group, 'members_at', 'varchar(32)'),
  ];
}

/**
 * The steps of `0006_group_member_fingerprint`: the fingerprint of the definition each smart group's materialised
 * members were computed for (`members_of`, see `groupFingerprints`). Rows computed for another definition (criteria
 * changed behind the write API) are ignored: the clause inlines the criteria until the group is refreshed.
 */
function groupMemberFingerprintSteps(t: TableNames, dialect: DialectKind): SchemaStep[] {
  return [columnStep(dialect, t.group, 'members_of', 'varchar(64)')];
}

/**
 * The engine's migrations, in order. Migrations are code, keyed by a sortable name; each is a list of
 * idempotent steps (see `schema-steps.ts`), so a migration cut off part-way completes when it runs again.
 *
 * @example
 * ```ts
 * Object.keys(engineMigrations('rg_', 'sqlite')); // ['0001_initial', ..., '0005_user_sync', '0006_group_member_fingerprint']
 * ```
 */
export function engineMigrations(prefix: string, dialect: DialectKind): Record<string, Migration> {
  const t = tableNames(prefix);
  return {
    '0001_initial': stepMigration(initialSteps(t, dialect)),
    '0002_relationships_delegation': stepMigration(relationshipSteps(t, dialect)),
    '0003_exact_text': stepMigration(exactTextSteps(t, dialect)),
    '0004_group_members': stepMigration(groupMemberSteps(t, dialect)),
    '0005_user_sync': stepMigration(userSyncSteps(t, dialect)),
    '0006_group_member_fingerprint': stepMigration(groupMemberFingerprintSteps(t, dialect)),
  };
}

/**
 * Creates or upgrades the engine's tables, then adds a column (and an index) to the reference contact table for
 * every declared attribute it does not have yet. Safe to run repeatedly and from several processes, and it
 * repairs a schema whose creation was cut off part-way: every step skips what already exists.
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
  // On MariaDB/MySQL, with everything applied already (the usual case at start-up), no lease is taken and
  // nothing is written: a process killed at start-up leaves no lease behind to wait for.
  if (dialect === 'mysql' && (await allApplied(db, t.migration, Object.keys(migrations)))) {
    await addAttributeColumns(db, dialect, config);
    return;
  }
  // On PostgreSQL the migrator must look in the schema the tables go to (the first on the search path), not in
  // any schema that happens to hold a table of the same name.
  const schema =
    dialect === 'postgres' ? String((await sql<{ s: string }>`select current_schema() as s`.execute(db)).rows[0]?.s) : undefined;
  const migrator = new Migrator({
    // On PostgreSQL the migrator looks for its tables in the current schema only (see the file it comes from).
    // On MariaDB/MySQL the lock is a lease on a row of the lock table, not GET_LOCK(), which a Galera cluster
    // does not replicate (see migration-lease.ts).
    db: dialect === 'postgres' ? schemaScopedIntrospection(db) : dialect === 'mysql' ? leasedMigrationLock(db) : db,
    provider,
    migrationTableName: t.migration,
    migrationLockTableName: t.migrationLock,
    ...(schema ? { migrationTableSchema: schema } : {}),
  });
  // On Galera, processes migrating through several nodes at once may collide on the migrator's own rows (its
  // lock row, its table of applied migrations): a certification conflict. Every step is idempotent, so the
  // whole run is repeated, a bounded number of times.
  for (let attempt = 1; ; attempt++) {
    const { error } = await migrator.migrateToLatest();
    if (!error) break;
    if (attempt >= 5 || !isMigrationConflict(error)) throw new StorageError('migrating the schema', error);
    await new Promise((done) => setTimeout(done, 50 * attempt));
  }

  await addAttributeColumns(db, dialect, config);
}

/** Whether the migration table lists every one of `names` (false when it does not exist yet). */
async function allApplied(db: Kysely<any>, table: string, names: readonly string[]): Promise<boolean> {
  try {
    const rows = await db.selectFrom(table).select('name').execute();
    const done = new Set(rows.map((r) => String(r.name)));
    return names.every((n) => done.has(n));
  } catch {
    return false;
  }
}

/**
 * Adds a column (and its index) to the reference contact table for every declared attribute that lacks one, and
 * returns the names of the columns it added. `db` may be a transaction: on SQLite and PostgreSQL the columns then appear and
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
    const steps = [
      columnStep(dialect, t.contact, name, attr.type === 'integer' ? 'integer' : 'varchar(255)', attr.type === 'text' ? text : undefined),
      indexStep(dialect, t.contact, `${t.contact}_${name}_ix`, ['domain_id', name]),
    ];
    // Every step runs (each skips what exists), so a column whose index was cut off gets it now.
    for (const step of steps) await step.run(db);
    if (!present.has(name)) added.push(name);
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
