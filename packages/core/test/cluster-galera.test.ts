import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { sql, type Kysely, type KyselyPlugin } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRowguard, WriteConflictError, type Domain, type Rowguard, type RowguardOptions } from '../src/index.js';
import { engineMigrations } from '../src/extension.js';
import { clusterDifferential } from './support/cluster-differential.js';
import { bulkContacts } from './support/bulk-contacts.js';
import { clusterPossible, ensureCluster, freshGaleraDatabase, galeraDb, galeraUrl, lockClusterSuite } from './support/cluster-servers.js';
import { startEntryWriter } from './support/cluster-writer-process.js';
import { applyOn, storedPolicy, writePolicyFiles } from './support/cluster-policy-files.js';

// A three-node MariaDB Galera cluster (scripts/clusters.sh, started here when it is not running): rowguard's
// schema suits Galera, the differential property holds on a node other than the one written, decisions on
// nodes B and C see every commit made on node A, and writers on two nodes lose nothing.
const up = await clusterPossible('galera');
const ATTRIBUTES = { country: { type: 'text' }, state: { type: 'text' }, age: { type: 'integer' } } as const;
const DIFFERENTIAL_BUDGET_MS = Number(process.env.ROWGUARD_CLUSTER_DIFF_MS ?? 15_000);
const FRESHNESS_MS = Number(process.env.ROWGUARD_CLUSTER_FRESHNESS_MS ?? 12_000);

/** Fails any statement that takes a lock Galera does not replicate (GET_LOCK, LOCK TABLES). */
const forbidLocalLocks: KyselyPlugin = {
  transformQuery: ({ node }) => {
    const text = node.kind === 'RawNode' ? (node as { sqlFragments: readonly string[] }).sqlFragments.join('?') : '';
    if (/get_lock\s*\(|lock\s+tables/i.test(text)) throw new Error(`a statement Galera does not replicate: ${text}`);
    return node;
  },
  transformResult: ({ result }) => Promise.resolve(result),
};

function engineOn(node: number, database: string, extra: Partial<RowguardOptions> = {}): { engine: Rowguard; db: Kysely<any>; close: () => Promise<void> } {
  const { db } = galeraDb(node, database);
  const guarded = db.withPlugin(forbidLocalLocks);
  const engine = createRowguard({ db: guarded, cluster: { kind: 'galera' }, contacts: { attributes: ATTRIBUTES }, onError: () => undefined, ...extra });
  return { engine, db: guarded, close: () => db.destroy() };
}

/** Source lines (comments left out) of every package's src that take a lock Galera does not replicate. */
function localLockStatements(): string[] {
  const root = resolve(import.meta.dirname, '../..');
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) {
        if (name !== 'node_modules' && name !== 'dist') walk(path);
      } else if (/\.(ts|mts|js|mjs)$/.test(name)) {
        readFileSync(path, 'utf8')
          .split('\n')
          .forEach((line, i) => {
            const code = line.trim();
            if (code.startsWith('*') || code.startsWith('//') || code.startsWith('/*')) return;
            if (/get_lock\s*\(|lock\s+tables?\b|release_lock\s*\(/i.test(code)) found.push(`${path}:${i + 1}: ${code}`);
          });
      }
    }
  };
  for (const pkg of readdirSync(root)) if (statSync(join(root, pkg, 'src'), { throwIfNoEntry: false })?.isDirectory()) walk(join(root, pkg, 'src'));
  return found;
}

describe.runIf(up)('rowguard on a three-node MariaDB Galera cluster', () => {
  let release: () => void;
  let database: string;
  const open: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    release = await lockClusterSuite();
    await ensureCluster('galera');
    database = await freshGaleraDatabase('galera');
  }, 600_000);
  afterAll(async () => {
    await Promise.all(open.map((close) => close()));
    release?.();
  });

  it('migrates from three nodes at once without GET_LOCK; every rowguard table is InnoDB with a primary key', async () => {
    const engines = [1, 2, 3].map((node) => engineOn(node, database));
    open.push(...engines.map((e) => e.close));
    await Promise.all(engines.map((e) => e.engine.migrate()));
    const applied = await engines[1]!.db.selectFrom('rg_migration').select('name').execute();
    expect(applied.map((r) => r.name).sort()).toEqual(Object.keys(engineMigrations('rg_', 'mysql')).sort());
    for (const { db } of engines) {
      const { rows } = await sql<{ name: string; engine: string; pk: number }>`set statement wsrep_sync_wait = 1 for
        select t.table_name as name, t.engine as engine,
          (select count(*) from information_schema.table_constraints c
            where c.table_schema = t.table_schema and c.table_name = t.table_name and c.constraint_type = 'PRIMARY KEY') as pk
        from information_schema.tables t where t.table_schema = ${database}`.execute(db);
      expect(rows.length).toBeGreaterThanOrEqual(15);
      expect(rows.filter((r) => Number(r.pk) !== 1 || r.engine !== 'InnoDB').map((r) => `${r.name} (${r.engine}, ${r.pk} primary key)`)).toEqual([]);
      expect(rows.map((r) => r.name)).toEqual(expect.arrayContaining(['rg_migration', 'rg_migration_lock', 'rg_domain', 'rg_entry']));
    }
    // Only the lease's own row in the lock table, and free again.
    expect(await engines[2]!.db.selectFrom('rg_migration_lock').select(['id', 'is_locked']).execute()).toEqual([{ id: expect.any(String), is_locked: 0 }]);
    expect(localLockStatements()).toEqual([]);
  });

  it('differential: worlds written on node 1, decisions and clause rows on node 2 agree (time-budgeted)', async () => {
    const writer = engineOn(1, database);
    const reader = engineOn(2, database);
    open.push(writer.close, reader.close);
    const writerDomain = await writer.engine.domain('test');
    const readerDomain: Domain = await reader.engine.domain('test');
    const counts = { worlds: 0, comparisons: 0 };
    const started = Date.now();
    await clusterDifferential(
      { writer: writerDomain, writeDb: writer.db, readDb: reader.db, session: (input) => Promise.resolve(readerDomain.subject(input)) },
      DIFFERENTIAL_BUDGET_MS,
      20261126,
      counts,
    );
    console.log(`[cluster galera] differential: ${counts.worlds} worlds, ${counts.comparisons} decisions compared (written on node 1, read on node 2) in ${Date.now() - started} ms`);
    expect(counts.worlds).toBeGreaterThan(0);
  }, 120_000);

  it('freshness under load: a writer process on node 1, readers on nodes 2 and 3 never miss a committed grant', async () => {
    const setup = engineOn(1, database);
    open.push(setup.close);
    const domain = await setup.engine.domain('freshness');
    const admin = domain.admin('setup');
    const subject = await admin.createContact({ contactType: 'Individual', attributes: { country: 'FR' } });
    const contacts = await bulkContacts(setup.db, domain.id, 8000, 'fresh-');
    const readers = [2, 3].map((node) => engineOn(node, database));
    // The control: node 3 without causal reads (what the setting prevents); counted, not asserted.
    const control = engineOn(3, database, { cluster: { kind: 'single' } });
    open.push(...readers.map((r) => r.close), control.close);
    const readerDomains = await Promise.all(readers.map((r) => r.engine.domain('freshness')));
    const controlDomain = await control.engine.domain('freshness');

    const writer = startEntryWriter({ url: galeraUrl(1, database), domain: 'freshness', subject, contacts, durationMs: FRESHNESS_MS });
    let running = true;
    const written = writer.done.finally(() => (running = false));
    const tally = { checked: 0, stale: 0, controlChecked: 0, controlStale: 0 };
    const reader = async (domain: Domain, control: boolean) => {
      while (running) {
        const { k } = writer.last();
        if (k === 0) {
          await new Promise((done) => setTimeout(done, 5));
          continue;
        }
        // Committed (and reported) before this decision began: the decision must see it.
        const allowed = await domain.subject({ contactId: subject }).check('view', contacts[k - 1]!);
        if (control) {
          tally.controlChecked++;
          if (!allowed) tally.controlStale++;
        } else {
          tally.checked++;
          if (!allowed) tally.stale++;
        }
      }
    };
    await Promise.all([...readerDomains.flatMap((d) => [reader(d, false), reader(d, false)]), reader(controlDomain, true), written]);
    const { steps, retries } = await written;
    console.log(
      `[cluster galera] freshness: ${steps} commits on node 1 (${retries} retries); ${tally.checked} decisions on nodes 2 and 3 checked against the last commit, ${tally.stale} stale; ` +
        `control without causal reads on node 3: ${tally.controlChecked} decisions, ${tally.controlStale} stale`,
    );
    expect(steps).toBeGreaterThan(20);
    expect(tally.checked).toBeGreaterThan(100);
    expect(tally.stale).toBe(0);
  }, 120_000);

  it('conflicting writers on nodes 1 and 2: no write lost, every abort retried or reported as WriteConflictError', async () => {
    const nodes = [1, 2].map((node) => {
      const counters = { retries: 0 };
      const e = engineOn(node, database, { onWriteRetry: () => counters.retries++ });
      open.push(e.close);
      return { ...e, counters };
    });
    const domains = await Promise.all(nodes.map((n) => n.engine.domain('conflicts')));
    const [first] = domains;
    const before = Number((await nodes[0]!.db.selectFrom('rg_domain').select('version').where('id', '=', first!.id).executeTakeFirstOrThrow()).version);
    // Aborted local transactions the clients saw: certification failures and brute-force aborts, less those
    // the server replayed itself (a transaction aborted after certification is replayed, not reported).
    const aborts = async () => {
      let sum = 0;
      for (const n of nodes) {
        const { rows } = await sql<{ Variable_name: string; Value: string }>`show global status
          where variable_name in ('wsrep_local_cert_failures', 'wsrep_local_bf_aborts', 'wsrep_local_replays')`.execute(n.db);
        for (const r of rows) sum += r.Variable_name.toLowerCase() === 'wsrep_local_replays' ? -Number(r.Value) : Number(r.Value);
      }
      return sum;
    };
    const abortsBefore = await aborts();
    const succeeded: string[] = [];
    const refused: string[] = [];
    const other: unknown[] = [];
    const PER_LOOP = 40;
    const loop = async (node: number, lane: number) => {
      const admin = domains[node]!.admin(`writer-${node}`);
      for (let i = 0; i < PER_LOOP; i++) {
        const key = `n${node}-l${lane}-${i}`;
        try {
          await admin.createEntry({ key, effect: 'allow', operation: 'view', owner: { type: 'everyone' }, object: { type: 'all-contacts' }, priority: i });
          succeeded.push(key);
        } catch (error) {
          if (error instanceof WriteConflictError) refused.push(key);
          else other.push(error);
        }
      }
    };
    await Promise.all([loop(0, 0), loop(0, 1), loop(1, 0), loop(1, 1)]);
    const retries = nodes.reduce((s, n) => s + n.counters.retries, 0);
    const abortsSeen = (await aborts()) - abortsBefore;
    const stored = async (db: Kysely<any>) =>
      (await sql<{ entry_key: string }>`set statement wsrep_sync_wait = 1 for select entry_key from rg_entry where domain_id = ${first!.id}`.execute(db)).rows
        .map((r) => r.entry_key)
        .sort();
    const on1 = await stored(nodes[0]!.db);
    const on2 = await stored(nodes[1]!.db);
    const after = Number((await nodes[1]!.db.selectFrom('rg_domain').select('version').where('id', '=', first!.id).executeTakeFirstOrThrow()).version);
    console.log(
      `[cluster galera] conflicting writers: ${4 * PER_LOOP} writes on 2 nodes, ${succeeded.length} committed, ${refused.length} refused with WriteConflictError, ` +
        `${retries} retries; servers counted ${abortsSeen} aborted transactions (certification failures + brute-force aborts - replays)`,
    );
    expect(other).toEqual([]);
    expect(succeeded.length + refused.length).toBe(4 * PER_LOOP);
    // Nothing lost, nothing half-written: exactly the committed writes are stored, on both nodes.
    expect(on1).toEqual([...succeeded].sort());
    expect(on2).toEqual(on1);
    expect(after - before).toBe(succeeded.length);
    // Every abort a writer saw was retried, or was the last attempt of a refused write (which used every
    // attempt); each is one the servers counted (their counters may count one abort twice, so at least).
    expect(retries).toBeGreaterThan(0);
    expect(retries).toBeGreaterThanOrEqual(3 * refused.length);
    expect(abortsSeen).toBeGreaterThanOrEqual(retries + refused.length);
  }, 120_000);

  it('rowguard apply of two policies on nodes 1 and 2 at once: each commits whole (after retries) or fails typed; every node holds one of them', async () => {
    const files = writePolicyFiles();
    const certFailures = async () => {
      const { db } = galeraDb(1, database, 1);
      try {
        const { rows } = await sql<{ Value: string }>`show global status like 'wsrep_local_cert_failures'`.execute(db);
        return Number(rows[0]?.Value ?? 0);
      } finally {
        await db.destroy();
      }
    };
    // The first apply creates everything; the versions as stored are the reference.
    expect((await applyOn(1, database, files.A)).code).toBe(0);
    const stateA = await storedPolicy(1, database);
    expect((await applyOn(1, database, files.B)).code).toBe(0);
    const stateB = await storedPolicy(2, database);
    const tally = { rounds: 0, committed: 0, refused: 0 };
    const conflictsBefore = await certFailures();
    for (let round = 0; round < 4; round++) {
      const [a, b] = await Promise.all([applyOn(1, database, files.A), applyOn(2, database, files.B)]);
      for (const r of [a, b]) {
        // 0: applied; 3 with WriteConflictError: refused after its retries. Anything else fails the test.
        if (r.code === 0) tally.committed++;
        else if (r.code === 3 && /WriteConflictError|aborted by a conflict/.test(r.output)) tally.refused++;
        else throw new Error(`rowguard apply failed: exit ${r.code}: ${r.output}`);
      }
      const states = await Promise.all([1, 2, 3].map((n) => storedPolicy(n, database)));
      expect(new Set(states).size, `round ${round}: the nodes agree`).toBe(1);
      expect([stateA, stateB]).toContain(states[0]);
      tally.rounds++;
    }
    console.log(
      `[cluster galera] concurrent applies: ${tally.rounds} rounds of two applies on two nodes, ${tally.committed} committed, ${tally.refused} refused (WriteConflictError); ` +
        `node 1 counted ${(await certFailures()) - conflictsBefore} certification failures`,
    );
    expect(tally.committed).toBeGreaterThanOrEqual(tally.rounds);
  }, 180_000);
});
