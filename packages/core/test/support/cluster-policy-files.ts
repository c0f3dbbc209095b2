import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { sql, type Kysely } from 'kysely';
import { clusters, galeraDb, galeraUrl } from './cluster-servers.js';

/** The built CLI. */
export const CLI = resolve(import.meta.dirname, '../../../cli/dist/rowguard-bin.js');
const ENTRIES = 80;

/** Two versions of one policy: the same keys, every entry and membership different. */
export function policyFile(version: 'A' | 'B'): object {
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
export async function storedPolicy(node: number, database: string): Promise<string> {
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

/** When to kill the node during an apply: once the apply reports its first write, plus `extraMs`. */
export interface KillPlan {
  readonly extraMs: number;
}

/**
 * Runs `rowguard apply --prune` against a node (so memberships the file drops go too). With `kill`, the node's
 * server is SIGKILLed once the apply reports (progress output) that its transaction began writing, plus
 * `extraMs`; `beforeExit` tells whether the apply process was still running when the kill was sent.
 */
export async function applyOn(
  node: number,
  database: string,
  file: string,
  kill?: KillPlan,
): Promise<{ code: number | null; ms: number; output: string; beforeExit: boolean }> {
  const started = Date.now();
  const child = spawn(process.execPath, [CLI, 'apply', file, '--db', galeraUrl(node, database), '--prune', '--force', '--connect-timeout', '3000'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  let ended = false;
  let writing: () => void = () => undefined;
  const firstWrite = new Promise<void>((done) => (writing = done));
  const collect = (c: Buffer) => {
    output += c.toString();
    // The progress line of the first change: the transaction is open and writing.
    if (/applying .*: \d+\/\d+/.test(output)) writing();
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const exited = new Promise<number | null>((done) => child.on('exit', (code) => ((ended = true), writing(), done(code))));
  let beforeExit = false;
  if (kill) {
    await firstWrite;
    if (kill.extraMs > 0) await new Promise((done) => setTimeout(done, kill.extraMs));
    beforeExit = !ended;
    await clusters('kill', 'galera', String(node));
  }
  const code = await exited;
  return { code, ms: Date.now() - started, output, beforeExit };
}

/** Writes the two policy versions to a temporary folder and returns their paths. */
export function writePolicyFiles(): Record<'A' | 'B', string> {
  const dir = mkdtempSync(join(tmpdir(), 'rowguard-cluster-policy-'));
  const files = { A: join(dir, 'policy-a.json'), B: join(dir, 'policy-b.json') };
  writeFileSync(files.A, JSON.stringify(policyFile('A')));
  writeFileSync(files.B, JSON.stringify(policyFile('B')));
  return files;
}
