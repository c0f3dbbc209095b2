import Database from 'better-sqlite3';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kysely, SqliteDialect } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRowguard, type ContactFacts, type Criteria, type GroupDef, type MembershipStatus } from '../src/index.js';
import { isGroupMember } from '../src/extension.js';
import { openTestDatabase, testDatabaseName, testDialects, TEST_SERVERS, type TestDatabase } from './support/test-databases.js';
import { visible } from './support/test-world.js';

const dialects = await testDialects();
const WRITER = join(dirname(fileURLToPath(import.meta.url)), 'support', 'member-writer.mjs');
const BUILT = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'index.js');
/** Time budget of the concurrent phase, per dialect. */
const BUDGET_MS = Number(process.env.ROWGUARD_MATERIALISED_MS ?? 8_000);
const CONTACTS = { attributes: { country: { type: 'text' }, state: { type: 'text' }, age: { type: 'integer' } } } as const;
const CRITERIA_A: Criteria = { all: [{ field: 'country', op: '=', value: 'VN' }, { subType: 'customer' }] };
const CRITERIA_B: Criteria = { any: [{ field: 'age', op: '>=', value: 45 }, { not: { subType: 'sales' } }] };

interface Fixture {
  readonly contacts: number[];
  readonly groups: number[];
  readonly switchable: number;
  readonly viewer: number;
}

/** Static and smart groups (nested through static groups, smart groups and sub-types), entries on them. */
async function seed(db: Kysely<any>): Promise<Fixture> {
  const engine = createRowguard({ db, contacts: CONTACTS, onError: () => undefined });
  await engine.migrate();
  const domain = await engine.domain('test');
  return domain.admin('seed').transaction(async (admin) => {
    const contacts: number[] = [];
    for (let i = 0; i < 24; i++) {
      contacts.push(
        await admin.createContact({
          contactType: 'Individual',
          attributes: { country: ['VN', 'FR', 'DE'][i % 3] as string, age: 15 * (i % 5), state: i % 2 ? 'S1' : 'S2' },
          subTypes: i % 4 === 0 ? ['customer'] : i % 4 === 1 ? ['sales'] : [],
        }),
      );
    }
    const keyAccounts = await admin.createGroup({ name: 'key-accounts', kind: 'static' });
    const switchable = await admin.createGroup({ name: 'switchable', kind: 'smart', criteria: CRITERIA_A });
    const vnCustomers = await admin.createGroup({ name: 'vn-customers', kind: 'smart', criteria: { all: [{ field: 'country', op: '=', value: 'VN' }, { subType: 'customer' }] } });
    const nested = await admin.createGroup({
      name: 'nested',
      kind: 'smart',
      criteria: { any: [{ inGroup: vnCustomers }, { all: [{ inGroup: keyAccounts }, { not: { inGroup: switchable } }] }] },
    });
    const top = await admin.createGroup({ name: 'top', kind: 'smart', criteria: { all: [{ inGroup: nested }, { field: 'age', op: '<', value: 50 }] } });
    const mine = await admin.createGroup({ name: 'my-state', kind: 'smart', criteria: { all: [{ field: 'state', op: '=', value: { $subject: 'state' } }, { inGroup: nested }] } });
    // Simple groups most writes move contacts in or out of.
    const simple = [
      await admin.createGroup({ name: 'vn', kind: 'smart', criteria: { field: 'country', op: '=', value: 'VN' } }),
      await admin.createGroup({ name: 'older', kind: 'smart', criteria: { field: 'age', op: '>=', value: 30 } }),
      await admin.createGroup({ name: 'customers', kind: 'smart', criteria: { subType: 'customer' } }),
      await admin.createGroup({ name: 'key-or-s1', kind: 'smart', criteria: { any: [{ inGroup: keyAccounts }, { field: 'state', op: '=', value: 'S1' }] } }),
    ];
    for (const id of contacts.slice(0, 6)) await admin.setMembership({ groupId: keyAccounts, contactId: id, status: 'Added' });
    const viewer = contacts[1] as number;
    const owner = { type: 'contact', id: viewer } as const;
    await admin.createEntry({ effect: 'allow', operation: 'view', owner, object: { type: 'group-members', groupId: nested } });
    await admin.createEntry({ effect: 'allow', operation: 'view', owner, object: { type: 'group-members', groupId: switchable }, priority: 1 });
    await admin.createEntry({ effect: 'deny', operation: 'view', owner, object: { type: 'group-members', groupId: top }, priority: 1 });
    await admin.createEntry({ effect: 'allow', operation: 'edit', owner, object: { type: 'group-members', groupId: mine } });
    await admin.createEntry({ effect: 'allow', operation: 'edit', owner: { type: 'everyone' }, object: { type: 'group-members', groupId: top } });
    return { contacts, groups: [keyAccounts, switchable, vnCustomers, nested, top, mine, ...simple], switchable, viewer };
  });
}

/**
 * One consistent read of contacts, memberships, groups and materialised rows; returns how many (group, contact)
 * pairs it compared and the pairs where the rows differ from evaluating the criteria in memory.
 */
async function checkRows(db: Kysely<any>): Promise<{ pairs: number; wrong: string[] }> {
  return db
    .transaction()
    .setIsolationLevel('repeatable read')
    .execute(async (trx) => {
      const contacts = await trx.selectFrom('rg_contact').selectAll().execute();
      const subTypes = await trx.selectFrom('rg_contact_sub_type').selectAll().execute();
      const memberships = await trx.selectFrom('rg_group_contact').selectAll().execute();
      const groupRows = await trx.selectFrom('rg_group').selectAll().execute();
      const rows = await trx.selectFrom('rg_group_member').selectAll().execute();
      const groups = new Map<number, GroupDef>(
        groupRows.map((r) => [
          Number(r.id),
          {
            id: Number(r.id),
            name: String(r.name),
            kind: r.kind === 'smart' ? 'smart' : 'static',
            criteria: r.criteria ? (JSON.parse(String(r.criteria)) as Criteria) : null,
            active: Number(r.is_active) === 1,
            membersAt: r.members_at === null ? null : String(r.members_at),
          },
        ]),
      );
      const stored = new Set(rows.map((r) => `${Number(r.group_id)}:${Number(r.contact_id)}`));
      let pairs = 0;
      const wrong: string[] = [];
      for (const g of groups.values()) {
        if (!g.membersAt) continue;
        // The rows hold the group's own members whatever its active flag (the clause tests that flag itself).
        const ctx = { groups: new Map(groups).set(g.id, { ...g, active: true }), subjectValues: {} };
        for (const c of contacts) {
          const id = Number(c.id);
          const facts: ContactFacts = {
            id,
            domainId: Number(c.domain_id),
            isDeleted: Number(c.is_deleted) === 1,
            values: { id, contact_type: String(c.contact_type), country: c.country ?? null, state: c.state ?? null, age: c.age === null ? null : Number(c.age) },
            subTypes: new Set(subTypes.filter((s) => Number(s.contact_id) === id).map((s) => String(s.sub_type))),
            statuses: new Map(memberships.filter((m) => Number(m.contact_id) === id).map((m) => [Number(m.group_id), String(m.status) as MembershipStatus])),
          };
          const expected = isGroupMember(g.id, facts, ctx);
          if (expected !== stored.has(`${g.id}:${id}`)) wrong.push(`group ${g.id} contact ${id}: expected ${expected}`);
          pairs += 1;
        }
      }
      return { pairs, wrong };
    });
}

function runWriter(settings: Record<string, unknown>): Promise<{ writes: Record<string, number>; contacts: number }> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [WRITER, JSON.stringify(settings)], { timeout: BUDGET_MS + 60_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`member writer failed: ${error.message}\n${stderr}`));
      else {
        if (stderr) console.log(`[materialised groups] writer errors: ${stderr.slice(0, 300)}`);
        resolve(JSON.parse(stdout) as { writes: Record<string, number>; contacts: number });
      }
    });
  });
}

describe.each(dialects)('materialised smart-group members stay exact while another process writes, on %s', (dialect) => {
  let t: TestDatabase | undefined;
  let dir: string | undefined;
  let db: Kysely<any>;
  let where: Record<string, unknown>;

  beforeAll(async () => {
    if (!existsSync(BUILT)) throw new Error(`${BUILT} is missing: the writer process runs the built package (pnpm build)`);
    if (dialect === 'sqlite') {
      dir = mkdtempSync(join(tmpdir(), 'rowguard-members-'));
      const file = join(dir, 'members.db');
      db = new Kysely<any>({ dialect: new SqliteDialect({ database: new Database(file, { timeout: 10_000 }) }) });
      where = { file };
    } else {
      t = await openTestDatabase(dialect, 'materialised_members');
      db = t.db;
      const database = testDatabaseName('materialised_members');
      where = dialect === 'mysql' ? { mysql: TEST_SERVERS.mysql, database } : { postgresUrl: TEST_SERVERS.postgresUrl, database };
    }
  });
  afterAll(async () => {
    if (t) await t.close();
    else await db.destroy();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('random writes in a child process, decisions and row checks in this one; then memory, batch and SQL agree', async () => {
    const f = await seed(db);
    // The row check is sharp: one missing row is reported.
    const sample = await db.selectFrom('rg_group_member').selectAll().executeTakeFirstOrThrow();
    await db.deleteFrom('rg_group_member').where('group_id', '=', sample.group_id).where('contact_id', '=', sample.contact_id).execute();
    expect((await checkRows(db)).wrong).toEqual([`group ${Number(sample.group_id)} contact ${Number(sample.contact_id)}: expected true`]);
    await db.insertInto('rg_group_member').values(sample).execute();
    expect((await checkRows(db)).wrong).toEqual([]);
    const writing = runWriter({
      dialect,
      ...where,
      durationMs: BUDGET_MS,
      contacts: f.contacts,
      groups: f.groups,
      switchable: f.switchable,
      criteriaA: CRITERIA_A,
      criteriaB: CRITERIA_B,
      contactsConfig: CONTACTS,
      seed: Date.now() % 100_000,
    });
    const engine = createRowguard({ db, contacts: CONTACTS, onError: () => undefined });
    const domain = await engine.domain('test');
    const until = Date.now() + BUDGET_MS - 500;
    let checks = 0;
    let pairs = 0;
    let decisions = 0;
    const wrong: string[] = [];
    while (Date.now() < until) {
      const result = await checkRows(db);
      checks += 1;
      pairs += result.pairs;
      wrong.push(...result.wrong);
      // Decisions interleaved with the writes: the SQL form and the batch check run against the moving data.
      const s = domain.subject({ contactId: f.viewer });
      await s.listIds('view', { limit: 1000 });
      await s.checkMany('edit', f.contacts);
      decisions += 2;
    }
    const { writes, contacts } = await writing;
    const final = await checkRows(db);
    wrong.push(...final.wrong);
    expect(wrong.slice(0, 10)).toEqual([]);
    // With the data at rest: memory, batch and SQL agree for every operation, for two subjects.
    const all = (await db.selectFrom('rg_contact').select('id').orderBy('id').execute()).map((r) => Number(r.id));
    const covered: string[] = [];
    for (const subject of [{ contactId: f.viewer }, { contactId: f.contacts[4] as number }]) {
      for (const op of ['view', 'edit'] as const) covered.push(`${op} ${(await visible(domain.subject(subject), op, all)).length}`);
    }
    console.log(
      `[materialised groups] ${dialect}: ${BUDGET_MS} ms, writer ${JSON.stringify(writes)} (${contacts} contacts), ` +
        `${checks} consistent row checks (${pairs + final.pairs} group/contact pairs), ${decisions} interleaved decisions, final visible ${covered.join(', ')}`,
    );
    // Not vacuous: every kind of write happened, and the rows were compared many times.
    for (const kind of ['attributes', 'subTypes', 'created', 'membership', 'criteria', 'active']) expect(writes[kind], kind).toBeGreaterThan(0);
    expect(checks).toBeGreaterThan(3);
  }, BUDGET_MS + 120_000);
});
