import Database from 'better-sqlite3';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kysely, SqliteDialect } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRowguard, type PolicySnapshot } from '../src/index.js';
import { openTestDatabase, testDatabaseName, testDialects, TEST_SERVERS, type TestDatabase } from './support/test-databases.js';

const dialects = await testDialects();
const FLIPPER = join(dirname(fileURLToPath(import.meta.url)), 'support', 'policy-flipper.mjs');
const DURATION_MS = Number(process.env.ROWGUARD_TORN_MS ?? 10_000);
const READERS = 4;
const CONTACTS = { attributes: { country: { type: 'text' } } } as const;

/** The policy both versions share; only assignment and group activity flip (see policy-flipper.mjs). */
interface Fixture {
  readonly domainId: number;
  readonly x: number;
  readonly s: number;
  readonly a1: number;
  readonly a2: number;
  readonly g1: number;
  readonly g2: number;
}

/**
 * X is a member of static groups G1 and G2. Entries: allow view S to role R1 and to group G1; deny view S to
 * group G2 and to role R2 (all group level, priority 0). Version A: R1 assigned to X, G2 active (R1's allow
 * meets G2's deny: deny). Version B: R2 assigned, G1 active (G1's allow meets R2's deny: deny). Only a
 * snapshot with A's assignments and B's groups allows X to view S.
 */
async function seed(db: Kysely<any>): Promise<Fixture> {
  const engine = createRowguard({ db, contacts: CONTACTS, onError: () => undefined });
  await engine.migrate();
  const domain = await engine.domain('test');
  return domain.admin('torn-test').transaction(async (admin) => {
    const x = await admin.createContact({ contactType: 'Individual', attributes: { country: 'FR' } });
    const s = await admin.createContact({ contactType: 'Individual', attributes: { country: 'VN' } });
    const g1 = await admin.createGroup({ name: 'g1', kind: 'static' });
    const g2 = await admin.createGroup({ name: 'g2', kind: 'static' });
    for (const g of [g1, g2]) await admin.setMembership({ groupId: g, contactId: x, status: 'Added' });
    const r1 = await admin.createRole({ name: 'r1' });
    const r2 = await admin.createRole({ name: 'r2' });
    const a1 = await admin.assignRole({ roleId: r1, assignee: { type: 'contact', id: x } });
    const a2 = await admin.assignRole({ roleId: r2, assignee: { type: 'contact', id: x } });
    const view = (effect: 'allow' | 'deny', owner: { type: 'group' | 'role'; id: number }) =>
      admin.createEntry({ effect, operation: 'view', owner, object: { type: 'contact', id: s } });
    await view('allow', { type: 'role', id: r1 });
    await view('allow', { type: 'group', id: g1 });
    await view('deny', { type: 'group', id: g2 });
    await view('deny', { type: 'role', id: r2 });
    // Version A.
    await admin.updateGroup(g1, { active: false });
    return { domainId: domain.id, x, s, a1, a2, g1, g2 };
  });
}

/** Whether a snapshot is one of the two versions (A or B), not a mix. */
function consistent(snapshot: PolicySnapshot, f: Fixture): boolean {
  const active = (id: number) => snapshot.assignments.find((a) => a.id === id)?.active;
  const a1 = active(f.a1);
  const a2 = active(f.a2);
  const g1 = snapshot.groups.get(f.g1)?.active;
  const g2 = snapshot.groups.get(f.g2)?.active;
  return a1 === g2 && a2 === g1 && a1 !== a2;
}

async function versionOf(db: Kysely<any>, domainId: number): Promise<number> {
  const row = await db.selectFrom('rg_domain').select('version').where('id', '=', domainId).executeTakeFirstOrThrow();
  return Number(row.version);
}

function runFlipper(settings: Record<string, unknown>): Promise<number> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [FLIPPER, JSON.stringify(settings)], { timeout: DURATION_MS + 30_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`policy flipper failed: ${error.message}\n${stderr}`));
      else resolve(Number((JSON.parse(stdout) as { flips: number }).flips));
    });
  });
}

describe.each(dialects)('policy snapshots are one consistent read, on %s', (dialect) => {
  let t: TestDatabase | undefined;
  let dir: string | undefined;
  let db: Kysely<any>;
  let where: Record<string, unknown>;

  beforeAll(async () => {
    if (dialect === 'sqlite') {
      // Two connections to one file: this process reads, the flipper process writes.
      dir = mkdtempSync(join(tmpdir(), 'rowguard-torn-'));
      const file = join(dir, 'policy.db');
      db = new Kysely<any>({ dialect: new SqliteDialect({ database: new Database(file, { timeout: 10_000 }) }) });
      where = { file };
    } else {
      t = await openTestDatabase(dialect, 'torn_snapshot');
      db = t.db;
      where = dialect === 'mysql' ? { mysql: TEST_SERVERS.mysql, database: testDatabaseName('torn_snapshot') } : { postgresUrl: TEST_SERVERS.postgresUrl, database: testDatabaseName('torn_snapshot') };
    }
  });
  afterAll(async () => {
    if (t) await t.close();
    else await db.destroy();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('a writer process flips between two versions that both deny: readers never see a mix, never allow', async () => {
    const f = await seed(db);
    const seeded = await versionOf(db, f.domainId);
    const flipping = runFlipper({ dialect, ...where, domainId: f.domainId, a1: f.a1, a2: f.a2, g1: f.g1, g2: f.g2, durationMs: DURATION_MS });
    // Read from the first flip on (the seeded state is neither version).
    while ((await versionOf(db, f.domainId)) === seeded) await new Promise((resolve) => setTimeout(resolve, 5));
    const until = Date.now() + DURATION_MS - 1_000;
    const versions = new Set<number>();
    const seenA = { a: 0, b: 0 };
    let checks = 0;
    let forbidden = 0;
    let torn = 0;
    const reader = async () => {
      while (Date.now() < until) {
        // A fresh engine each time: every decision loads its own snapshot.
        const engine = createRowguard({ db, contacts: CONTACTS, onError: () => undefined });
        const domain = await engine.domain('test');
        const snapshot = await domain.policy();
        versions.add(snapshot.version);
        if (!consistent(snapshot, f)) torn += 1;
        else if (snapshot.assignments.find((a) => a.id === f.a1)?.active) seenA.a += 1;
        else seenA.b += 1;
        if (await domain.subject({ contactId: f.x }).check('view', f.s)) forbidden += 1;
        checks += 1;
      }
    };
    await Promise.all(Array.from({ length: READERS }, reader));
    const flips = await flipping;
    console.log(
      `[torn snapshots] ${dialect}: ${flips} flips, ${checks} checks, ${versions.size} versions seen (A ${seenA.a}, B ${seenA.b}), ` +
        `${torn} torn snapshots, ${forbidden} forbidden allows in ${DURATION_MS} ms`,
    );
    // Not vacuous: the writer flipped, the readers saw many versions, and both of them.
    expect(flips).toBeGreaterThan(50);
    expect(versions.size).toBeGreaterThan(20);
    expect(seenA.a).toBeGreaterThan(5);
    expect(seenA.b).toBeGreaterThan(5);
    expect(torn).toBe(0);
    expect(forbidden).toBe(0);
  }, DURATION_MS + 60_000);
});
