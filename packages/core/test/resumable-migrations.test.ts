import type { Kysely } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { connectDatabase, createRowguard, StorageError, type DialectKind } from '../src/index.js';
import { ddlWatcher, freshUrl, killMigrationAfterTables } from './support/migration-interrupt.js';
import { engineTables, schemaCatalog } from './support/schema-catalog.js';
import { openTestDatabase, testDialects } from './support/test-databases.js';

const dialects = await testDialects();
const ATTRIBUTES = { country: { type: 'text' }, age: { type: 'integer' } } as const;
/** The engine's own tables once fully migrated (without the migrator's two). */
const ENGINE_TABLE_COUNT = 14; // 13, plus the materialised group members of 0004

const engineOn = (db: Kysely<any>, dialect: DialectKind) => createRowguard({ db, dialect, contacts: { attributes: ATTRIBUTES }, onError: () => undefined });

/** A decision runs on the repaired schema: a domain, a contact, an entry, a check, a list, an audit record. */
async function expectDecisionRuns(db: Kysely<any>, dialect: DialectKind): Promise<void> {
  const domain = await engineOn(db, dialect).domain('after-repair');
  const admin = domain.admin('resume-test');
  const contact = await admin.createContact({ contactType: 'Individual', attributes: { country: 'FR', age: 40 } });
  await admin.createEntry({ effect: 'allow', operation: 'view', owner: { type: 'everyone' }, object: { type: 'all-contacts' } });
  expect(await domain.subject({}).check('view', contact)).toBe(true);
  expect(await domain.subject({}).listIds('view')).toEqual([contact]);
  expect(await domain.subject({}).check('edit', contact)).toBe(false);
  expect((await domain.auditLog({ limit: 5 })).length).toBeGreaterThan(0);
}

describe.each(dialects)('a migration cut off part-way is completed by the next migrate, on %s', (dialect) => {
  let reference: string[];
  let ddl: string[];

  beforeAll(async () => {
    const t = await openTestDatabase(dialect, 'resume_ref');
    try {
      const seen: string[] = [];
      await engineOn(t.db.withPlugin(ddlWatcher((d) => seen.push(d))), dialect).migrate();
      reference = await schemaCatalog(t.db, dialect);
      ddl = seen;
      expect((await engineTables(t.db, dialect)).length).toBe(ENGINE_TABLE_COUNT + 2);
    } finally {
      await t.close();
    }
  });

  /** Where to cut: after the 1st table, after 9 tables (the reported case), inside 0002, at 0003, the very last statement. */
  const cutPoints = (): { label: string; after: number }[] => {
    const tablesBefore = (n: number) => ddl.findIndex((d, i) => d.startsWith('CreateTableNode') && ddl.slice(0, i).filter((x) => x.startsWith('CreateTableNode')).length === n);
    const points = [
      { label: 'after the first table', after: 1 },
      { label: 'after 9 of the tables', after: tablesBefore(9) },
      { label: 'after the relationship tables, before the entry column', after: ddl.findIndex((d) => d.startsWith('AlterTableNode rg_entry')) },
      { label: 'at the exact-text step', after: ddl.findIndex((d) => d.startsWith('RawAlter')) },
      { label: 'between an attribute column and its index', after: ddl.length - 1 },
    ];
    return points.filter((p) => p.after > 0);
  };

  it('an injected failure at each cut point, then migrate: the same schema as one clean run, and decisions run', async () => {
    expect(ddl.length).toBeGreaterThan(ENGINE_TABLE_COUNT);
    const report: string[] = [];
    for (const { label, after } of cutPoints()) {
      const t = await openTestDatabase(dialect, 'resume_cut');
      try {
        const failing = t.db.withPlugin(
          ddlWatcher((d, i) => {
            if (i === after) throw new Error(`injected failure before ${d}`);
          }),
        );
        const err = await engineOn(failing, dialect).migrate().then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(err, label).toBeDefined();
        const left = (await engineTables(t.db, dialect)).filter((n) => !n.startsWith('rg_migration'));
        report.push(`${label}: statement ${after + 1}/${ddl.length} failed, ${left.length}/${ENGINE_TABLE_COUNT} tables left`);
        // On MariaDB and SQLite every table created before the cut stays; PostgreSQL rolls the migrations back
        // (its DDL is transactional), but not the attribute columns added after them. Either way the schema is
        // left incomplete.
        const createdBefore = ddl.slice(0, after).filter((d) => d.startsWith('CreateTableNode')).length;
        const rolledBack = dialect === 'postgres' && after < ddl.findIndex((d) => d.startsWith('AlterTableNode rg_contact'));
        expect(left.length, label).toBe(rolledBack ? 0 : createdBefore);
        expect(await schemaCatalog(t.db, dialect), label).not.toEqual(reference);

        await engineOn(t.db, dialect).migrate();
        expect(await schemaCatalog(t.db, dialect), label).toEqual(reference);
        await engineOn(t.db, dialect).migrate(); // and again: nothing left to do
        expect(await schemaCatalog(t.db, dialect), label).toEqual(reference);
        await expectDecisionRuns(t.db, dialect);
      } finally {
        await t.close();
      }
    }
    console.log(`[resumable migrations, ${dialect}]\n  ${report.join('\n  ')}`);
    expect(report.length).toBeGreaterThanOrEqual(4);
  }, 120_000);

  it('a migrating process killed (SIGKILL) after 9 of the tables: migrate repairs the database', async () => {
    const url = await freshUrl(dialect, 'resume_kill');
    const output = await killMigrationAfterTables(url, 9, ATTRIBUTES);
    expect(output, 'the child was stopped part-way and killed').toMatch(/STALLED before rg_\w+[\s\S]*SIGKILL/);
    expect(output).not.toContain('FINISHED');
    const { db, close } = await connectDatabase(url, { poolSize: 2 });
    try {
      const left = (await engineTables(db, dialect)).filter((n) => !n.startsWith('rg_migration'));
      // MariaDB and SQLite keep the 9 tables made before the kill; PostgreSQL rolled the migration back.
      expect(left.length).toBe(dialect === 'postgres' ? 0 : 9);
      await engineOn(db, dialect).migrate();
      expect(await schemaCatalog(db, dialect)).toEqual(reference);
      await expectDecisionRuns(db, dialect);
    } finally {
      await close();
    }
  }, 120_000);

  it('a failing step is reported as a StorageError naming the step', async () => {
    const t = await openTestDatabase(dialect, 'resume_err');
    try {
      const failing = t.db.withPlugin(
        ddlWatcher((d) => {
          if (d === 'CreateTableNode rg_role') throw new Error('server went away');
        }),
      );
      const err = await engineOn(failing, dialect).migrate().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(StorageError);
      expect((err as Error).message).toContain("migration step 'table rg_role'");
      expect((err as Error).message).toContain('server went away');
    } finally {
      await t.close();
    }
  });
});
