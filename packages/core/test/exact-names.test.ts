import { Migrator, sql, type Kysely } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { createRowguard, PolicyError, type DialectKind, type Rowguard } from '../src/index.js';
import { engineMigrations, tableNames } from '../src/extension.js';
import { ENGINE_TEXT_COLUMNS } from '../src/store/exact-collation-migration.js';
import { openTestDatabase, testDialects, type TestDatabase } from './support/test-databases.js';

const dialects = await testDialects();
/** Names that differ from `acme` only by case, a trailing space or an accent: each is a tenant of its own. */
const LOOKALIKES = ['ACME', 'Acme', 'acme ', 'acmé'];

/** Builds the schema exactly as releases before migration 0003 did (only 0001 and 0002 run). */
async function oldSchema(db: Kysely<any>, dialect: DialectKind): Promise<void> {
  const all = engineMigrations('rg_', dialect);
  const old = Object.fromEntries(Object.entries(all).filter(([name]) => name < '0003'));
  expect(Object.keys(old)).toEqual(['0001_initial', '0002_relationships_delegation']);
  const schema = dialect === 'postgres' ? String((await sql<{ s: string }>`select current_schema() as s`.execute(db)).rows[0]?.s) : undefined;
  const migrator = new Migrator({
    db,
    provider: { getMigrations: () => Promise.resolve(old) },
    migrationTableName: 'rg_migration',
    migrationLockTableName: 'rg_migration_lock',
    ...(schema ? { migrationTableSchema: schema } : {}),
  });
  const { error } = await migrator.migrateToLatest();
  if (error) throw error;
}

/** Tenant `acme` with one contact every visitor may view, a role holding `view all contacts`, user `bob`. */
async function seedAcme(engine: Rowguard): Promise<{ domainId: number; contact: number; role: number }> {
  const acme = await engine.domain('acme');
  const admin = acme.admin('exact-names-test');
  const contact = await admin.createContact({ key: 'c1', contactType: 'Individual' });
  await admin.createEntry({ effect: 'allow', operation: 'view', owner: { type: 'everyone' }, object: { type: 'all-contacts' } });
  const role = await admin.createRole({ name: 'Viewers' });
  await admin.grantPermission({ roleId: role, permission: 'view all contacts' });
  await admin.linkUser({ userId: 'bob', contactId: contact });
  return { domainId: acme.id, contact, role };
}

/** Every check of exact names on a migrated engine whose tenant `acme` was seeded by {@link seedAcme}. */
async function expectExactNames(t: TestDatabase, engine: Rowguard, seeded: { domainId: number; contact: number; role: number }): Promise<void> {
  const acme = await engine.domain('acme');
  expect(acme.id).toBe(seeded.domainId);
  expect(await acme.subject({}).listIds('view')).toEqual([seeded.contact]);

  const ids = new Set<number>([acme.id]);
  for (const name of LOOKALIKES) {
    const other = await engine.domain(name);
    ids.add(other.id);
    // An anonymous visitor of the lookalike tenant sees nothing of acme's.
    expect(await other.subject({}).listIds('view'), name).toEqual([]);
    expect(await other.subject({}).check('view', seeded.contact), name).toBe(false);
    expect(await other.subject({ userId: 'bob' }).check('view', seeded.contact), name).toBe(false);
  }
  expect(ids.size, 'acme and its lookalikes are five domains').toBe(1 + LOOKALIKES.length);
  expect((await engine.domains()).map((d) => d.name).sort()).toEqual(['acme', ...LOOKALIKES].sort());

  // Other identifying names compare exactly too: a user id, a permission name.
  expect((await acme.subject({ userId: 'BOB' }).resolve())?.contactId ?? null).toBeNull();
  await acme.admin('exact-names-test').revokePermission({ roleId: seeded.role, permission: 'View All Contacts' });
  const { rows } = await sql<{ n: unknown }>`select count(*) as n from rg_role_permission where role_id = ${seeded.role}`.execute(t.db);
  expect(Number(rows[0]?.n), 'revoking "View All Contacts" leaves "view all contacts"').toBe(1);

  if (t.dialect !== 'sqlite') {
    const exact = t.dialect === 'mysql' ? 'utf8mb4_nopad_bin' : 'C';
    const names = tableNames('rg_');
    const schema = t.dialect === 'mysql' ? sql`database()` : sql`current_schema()`;
    for (const c of ENGINE_TEXT_COLUMNS) {
      const found = await sql<{ coll: string | null }>`select collation_name as coll from information_schema.columns
        where table_schema = ${schema} and table_name = ${names[c.table]} and column_name = ${c.column}`.execute(t.db);
      expect(found.rows[0]?.coll, `${names[c.table]}.${c.column}`).toBe(exact);
    }
  }
}

describe.each(dialects)('identifying names compare exactly, on %s', (dialect) => {
  let t: TestDatabase | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  it('a new database: ACME, Acme, "acme " and acmé are tenants of their own, and see nothing of acme', async () => {
    t = await openTestDatabase(dialect, 'exact_names_new');
    const engine = createRowguard({ db: t.db, onError: () => undefined });
    await engine.migrate();
    await expectExactNames(t, engine, await seedAcme(engine));
  });

  it('a database made with the old schema is migrated to exact names, keeping its data', async () => {
    t = await openTestDatabase(dialect, 'exact_names_old');
    await oldSchema(t.db, dialect);
    const engine = createRowguard({ db: t.db, onError: () => undefined });
    const seeded = await seedAcme(engine);
    await engine.migrate();
    await engine.migrate(); // idempotent
    await expectExactNames(t, engine, seeded);
  });

  it('domain names with control characters or lone surrogates are refused with a typed error, and nothing is written', async () => {
    t = await openTestDatabase(dialect, 'exact_names_bad');
    const engine = createRowguard({ db: t.db, onError: () => undefined });
    await engine.migrate();
    await engine.domain('acme');
    for (const bad of ['acme\u0000', '\u0000', 'ac\nme', 'acme\t', 'acme\u007f', 'acme\u0085', 'acme\ud800', '\udc00acme', '', 'x'.repeat(129)]) {
      const err = await engine.domain(bad).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err, JSON.stringify(bad)).toBeInstanceOf(PolicyError);
      expect((err as PolicyError).code).toBe('invalid_input');
      expect((err as PolicyError).details.name).toBe(bad);
    }
    expect((await engine.domains()).map((d) => d.name)).toEqual(['acme']);
    // Ordinary non-ASCII names, emoji (a surrogate pair) included, are fine.
    for (const good of ['acmé', 'ＡＣＭＥ', 'acme 😀', 'x'.repeat(128)]) expect((await engine.domain(good)).name).toBe(good);
  });
});
