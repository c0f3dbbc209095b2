import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusters, ensureCluster, freshGaleraDatabase, galeraDb, galeraUrl, lockClusterSuite } from './support/cluster-servers.js';

// A Galera node SIGKILLed in the middle of `rowguard apply` on it, again and again: after each kill, the policy
// on every surviving node is the old one or the new one, never a mix; the killed node rejoins (state transfer)
// and holds the same policy as the others.
const up = await ensureCluster('galera');
const KILLS = Number(process.env.ROWGUARD_CLUSTER_KILLS ?? 20);
const CLI = resolve(import.meta.dirname, '../../cli/dist/rowguard-bin.js');
const ENTRIES = 80;

/** Two versions of one policy: the same keys, every entry and membership different. */
function policyFile(version: 'A' | 'B'): object {
  const groups = Array.from({ length: 10 }, (_, g) => ({
    name: `G${g}`,
    kind: 'static',
    members: Array.from({ length: 30 }, (_, c) => `k${c}`).filter((_, c) => (c + g + (version === 'A' ? 0 : 1)) % 3 === 0),
  }));
  return {
    version: 1,
    domain: 'kill',
    attributes: { country: { type: 'text' } },
    contacts: Array.from({ length: 30 }, (_, c) => ({ key: `k${c}`, name: `Contact ${c}`, attributes: { country: c % 2 === 0 ? 'FR' : 'VN' } })),
    groups,
    entries: Array.from({ length: ENTRIES }, (_, i) => ({
      key: `e${i}`,
      effect: 'allow',
      operation: version === 'A' ? 'view' : 'edit',
      owner: { group: `G${i % 10}` },
      object: { members: `G${(i + 1) % 10}` },
      priority: version === 'A' ? i : i + 100,
    })),
  };
}

/** The stored policy on node `node` (a causal read, on a new connection), as one comparable text. */
async function storedPolicy(node: number, database: string): Promise<string> {
  const { db } = galeraDb(node, database, 1);
  try {
    return await readPolicy(db);
  } finally {
    await db.destroy();
  }
}

async function readPolicy(db: Kysely<any>): Promise<string> {
  const entries = await sql<{ k: string; o: string; p: number }>`set statement wsrep_sync_wait = 1 for
    select e.entry_key as k, e.operation as o, e.priority as p from rg_entry e join rg_domain d on d.id = e.domain_id
    where d.name = 'kill' order by e.entry_key`.execute(db);
  const members = await sql<{ g: string; c: string }>`set statement wsrep_sync_wait = 1 for
    select g.name as g, c.contact_key as c from rg_group_contact m join rg_group g on g.id = m.group_id join rg_contact c on c.id = m.contact_id
    join rg_domain d on d.id = g.domain_id where d.name = 'kill' and m.status = 'Added' order by g.name, c.contact_key`.execute(db);
  return JSON.stringify([entries.rows.map((r) => [r.k, r.o, Number(r.p)]), members.rows.map((r) => [r.g, r.c])]);
}

/** Runs `rowguard apply --prune` against a node (so memberships the file drops go too); `killAfterMs` SIGKILLs that node's server meanwhile. */
async function applyOn(node: number, database: string, file: string, killAfterMs?: number): Promise<{ code: number | null; ms: number; output: string }> {
  const started = Date.now();
  const child = spawn(process.execPath, [CLI, 'apply', file, '--db', galeraUrl(node, database), '--prune', '--force', '--quiet', '--connect-timeout', '3000'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
  if (killAfterMs !== undefined) {
    await new Promise((done) => setTimeout(done, killAfterMs));
    await clusters('kill', 'galera', String(node));
  }
  const code = await exited;
  return { code, ms: Date.now() - started, output };
}

describe.runIf(up)('a Galera node killed in the middle of rowguard apply on it', () => {
  let release: () => void;
  let database: string;
  let files: Record<'A' | 'B', string>;

  beforeAll(async () => {
    if (!existsSync(CLI)) throw new Error(`the CLI is not built (${CLI}): run pnpm build`);
    release = await lockClusterSuite();
    await ensureCluster('galera');
    database = await freshGaleraDatabase('galkill');
    const dir = mkdtempSync(join(tmpdir(), 'rowguard-kill-'));
    files = { A: join(dir, 'policy-a.json'), B: join(dir, 'policy-b.json') };
    writeFileSync(files.A, JSON.stringify(policyFile('A')));
    writeFileSync(files.B, JSON.stringify(policyFile('B')));
  }, 600_000);
  afterAll(async () => {
    // Leave the cluster whole for later runs.
    if (up) await clusters('start', 'galera').catch(() => undefined);
    release?.();
  }, 300_000);

  it(`old or new policy on every surviving node after ${KILLS} kills, never a mix; the killed node rejoins and converges`, async () => {
    // The two versions as stored, and how long an uninterrupted apply takes (to aim the kills inside it).
    const first = await applyOn(1, database, files.A);
    expect(first.code, first.output).toBe(0);
    const stateA = await storedPolicy(2, database);
    const timed = await applyOn(2, database, files.B);
    expect(timed.code, timed.output).toBe(0);
    const stateB = await storedPolicy(3, database);
    expect(stateB).not.toBe(stateA);
    const names = new Map([
      [stateA, 'A'],
      [stateB, 'B'],
    ]);
    let current: 'A' | 'B' = 'B';
    const tally = { kills: 0, old: 0, new: 0, cliFailed: 0, rejoinMs: [] as number[] };
    for (let i = 0; i < KILLS; i++) {
      const node = (i % 3) + 1;
      const target = current === 'A' ? 'B' : 'A';
      // Spread over the apply: some kills land before the commit, some after.
      const delay = Math.round(timed.ms * (0.4 + 0.9 * ((i * 7) % 10) / 10));
      const result = await applyOn(node, database, files[target], delay);
      tally.kills++;
      if (result.code !== 0) tally.cliFailed++;
      const survivors = [1, 2, 3].filter((n) => n !== node);
      const states = await Promise.all(survivors.map((n) => storedPolicy(n, database)));
      const seen = states.map((s) => names.get(s) ?? 'mix');
      expect(seen, `kill ${i + 1} (node ${node}, after ${delay} ms, cli exit ${result.code})`).toEqual([seen[0], seen[0]]);
      expect(['A', 'B']).toContain(seen[0]);
      if (seen[0] === target) tally.new++;
      else tally.old++;
      current = seen[0] as 'A' | 'B';
      const rejoin = Date.now();
      await clusters('start-node', 'galera', String(node));
      tally.rejoinMs.push(Date.now() - rejoin);
      expect(await storedPolicy(node, database), `node ${node} after rejoining`).toBe(states[0]);
    }
    const rejoin = [...tally.rejoinMs].sort((a, b) => a - b);
    console.log(
      `[cluster galera kill] ${tally.kills} kills survived (apply ${timed.ms} ms uninterrupted; kills at 40-130% of it): ` +
        `${tally.old} left the old policy, ${tally.new} the new one, 0 mixed; the CLI reported failure ${tally.cliFailed} times; ` +
        `rejoin median ${rejoin[Math.floor(rejoin.length / 2)]} ms, max ${rejoin[rejoin.length - 1]} ms`,
    );
    expect(tally.kills).toBe(KILLS);
  }, 900_000);
});
