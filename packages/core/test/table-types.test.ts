import { sql, type Kysely, type SelectType } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRowguard, type DialectKind, type RowguardTableRows, type RowguardTables, type RowguardTablesWith } from '../src/index.js';
import { openTestDatabase, testDialects, type TestDatabase } from './support/test-databases.js';

// The exported table types, column by column, with each column's nullability as the types say it. The annotation
// makes the compiler check this literal against the types: a column missing here, one the types do not have, or a
// nullability that differs is a type error (`pnpm typecheck`). The test then compares it with the migrated schema.
type Nullability<Row> = { [K in keyof Row]-?: null extends SelectType<Row[K]> ? 'null' : 'not null' };
type Expected = { [T in keyof RowguardTableRows]: Nullability<RowguardTableRows[T]> };

const N = 'null' as const;
const R = 'not null' as const;
const EXPECTED: Expected = {
  domain: { id: R, name: R, version: R },
  contact: { id: R, domain_id: R, contact_key: N, contact_type: R, sort_name: N, is_deleted: R },
  contact_sub_type: { contact_id: R, sub_type: R },
  user_link: { domain_id: R, user_id: R, contact_id: R, suspended: R },
  group: { id: R, domain_id: R, name: R, kind: R, criteria: N, is_active: R, members_at: N, members_of: N },
  group_contact: { group_id: R, contact_id: R, status: R, source: N },
  group_member: { group_id: R, contact_id: R },
  role: { id: R, domain_id: R, name: R, is_administrator: R, is_active: R },
  role_assignment: { id: R, domain_id: R, role_id: R, assignee_type: R, assignee_id: R, is_active: R },
  role_permission: { role_id: R, permission: R },
  entry: {
    id: R,
    domain_id: R,
    entry_key: N,
    effect: R,
    operation: R,
    owner_type: R,
    owner_id: N,
    object_type: R,
    object_entity: N,
    object_id: N,
    priority: R,
    is_active: R,
    parent_entry_id: N,
    criteria: N,
    granted_by: N,
  },
  audit_log: { id: R, domain_id: R, actor: R, action: R, target_type: R, target_id: N, before_json: N, after_json: N, created_at: R },
  relationship_type: { id: R, domain_id: R, name: R, name_b_a: N, permission_a_b: R, permission_b_a: R, is_active: R },
  relationship: { id: R, domain_id: R, type_id: R, contact_a: R, contact_b: R, is_active: R, start_date: N, end_date: N },
};

// `RowguardTables` is `RowguardTablesWith` under the default prefix, without attributes.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? ([keyof A] extends [keyof B] ? ([keyof B] extends [keyof A] ? true : false) : false) : false) : false;
const defaultPrefixIsTheSame: Same<RowguardTables, RowguardTablesWith<'rg_'>> = true;

/** Every column of the engine's tables in the database, with whether it may hold NULL (migrator tables left out). */
async function migratedColumns(db: Kysely<any>, dialect: DialectKind): Promise<Record<string, Record<string, 'null' | 'not null'>>> {
  const out: Record<string, Record<string, 'null' | 'not null'>> = {};
  const add = (table: string, column: string, nullable: boolean) => {
    if (table === 'rg_migration' || table === 'rg_migration_lock') return;
    (out[table.slice('rg_'.length)] ??= {})[column] = nullable ? 'null' : 'not null';
  };
  if (dialect === 'sqlite') {
    const tables = await sql<{ name: string }>`select name from sqlite_master where type = 'table' and name like 'rg\\_%' escape '\\'`.execute(db);
    for (const t of tables.rows) {
      const cols = await sql<{ name: string; notnull: number; pk: number }>`select name, "notnull", pk from pragma_table_info(${t.name})`.execute(db);
      // A primary key column of SQLite is NOT NULL in effect (an integer one is the rowid), whatever pragma says.
      for (const c of cols.rows) add(t.name, c.name, Number(c.notnull) === 0 && Number(c.pk) === 0);
    }
  } else {
    const schema = dialect === 'mysql' ? sql`database()` : sql`current_schema()`;
    const cols = await sql<{ t: string; c: string; n: string }>`
      select table_name as t, column_name as c, is_nullable as n from information_schema.columns
      where table_schema = ${schema} and table_name like 'rg\\_%'`.execute(db);
    for (const c of cols.rows) add(String(c.t), String(c.c), String(c.n) === 'YES');
  }
  return out;
}

const dialects = await testDialects();

describe.each(dialects)('exported table types match the migrated schema (%s)', (dialect) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await openTestDatabase(dialect, 'table_types');
    await createRowguard({ db: t.db, dialect }).migrate();
  });
  afterAll(async () => t?.close());

  it('every table and column, and its nullability, is the same in the types and in the database', async () => {
    expect(defaultPrefixIsTheSame).toBe(true);
    const actual = await migratedColumns(t.db, dialect);
    const sorted = (o: Record<string, Record<string, string>>) =>
      Object.fromEntries(Object.keys(o).sort().map((k) => [k, Object.fromEntries(Object.entries(o[k] ?? {}).sort(([a], [b]) => a.localeCompare(b)))]));
    expect(sorted(actual)).toEqual(sorted(EXPECTED));
  });

  it('a Kysely typed with RowguardTables inserts and reads the engine tables', async () => {
    const typed = t.db as unknown as Kysely<RowguardTables>;
    await typed.insertInto('rg_domain').values({ name: 'typed' }).execute();
    const domain = await typed.selectFrom('rg_domain').select(['id', 'name', 'version']).where('name', '=', 'typed').executeTakeFirstOrThrow();
    await typed.insertInto('rg_contact').values({ domain_id: domain.id, contact_type: 'Individual', contact_key: 'typed-1', sort_name: null }).execute();
    const contact = await typed.selectFrom('rg_contact').select(['contact_key', 'is_deleted', 'sort_name']).where('domain_id', '=', domain.id).executeTakeFirstOrThrow();
    expect({ name: domain.name, version: Number(domain.version), contact: { ...contact, is_deleted: Number(contact.is_deleted) } }).toEqual({
      name: 'typed',
      version: 0,
      contact: { contact_key: 'typed-1', is_deleted: 0, sort_name: null },
    });
  });
});
