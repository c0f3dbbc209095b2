import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterPossible, clusters, ensureCluster, freshGaleraDatabase, lockClusterSuite } from './support/cluster-servers.js';
import { applyOn, CLI, storedPolicy, writePolicyFiles } from './support/cluster-policy-files.js';

// A Galera node SIGKILLed in the middle of `rowguard apply` on it, again and again: after each kill, the policy
// on every surviving node is the old one or the new one, never a mix; the killed node rejoins (state transfer)
// and holds the same policy as the others.
const up = await clusterPossible('galera');
const KILLS = Number(process.env.ROWGUARD_CLUSTER_KILLS ?? 20);

describe.runIf(up)('a Galera node killed in the middle of rowguard apply on it', () => {
  let release: () => void;
  let database: string;
  let files: Record<'A' | 'B', string>;

  beforeAll(async () => {
    if (!existsSync(CLI)) throw new Error(`the CLI is not built (${CLI}): run pnpm build`);
    release = await lockClusterSuite();
    await ensureCluster('galera');
    database = await freshGaleraDatabase('galkill');
    files = writePolicyFiles();
  }, 600_000);
  afterAll(async () => {
    // Leave the cluster whole for later runs.
    if (up) await clusters('start', 'galera');
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
    const tally = { kills: 0, mid: 0, old: 0, new: 0, cliFailed: 0, rejoinMs: [] as number[] };
    for (let i = 0; i < KILLS; i++) {
      const node = (i % 3) + 1;
      const target = current === 'A' ? 'B' : 'A';
      // Once the apply's transaction is writing, plus 0-900 ms: kills land inside it, around its commit and
      // after it.
      const delay = [0, 40, 120, 250, 400, 600, 900][(i * 3) % 7] as number;
      const result = await applyOn(node, database, files[target], { extraMs: delay });
      tally.kills++;
      if (result.code !== 0) tally.cliFailed++;
      if (result.beforeExit) tally.mid++;
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
      `[cluster galera kill] ${tally.kills} kills survived (apply ${timed.ms} ms uninterrupted; killed 0-900 ms after its transaction began writing, ${tally.mid} before the apply process ended): ` +
        `${tally.old} left the old policy, ${tally.new} the new one, 0 mixed; the CLI was cut off (connection lost) ${tally.cliFailed} times; ` +
        `rejoin median ${rejoin[Math.floor(rejoin.length / 2)]} ms, max ${rejoin[rejoin.length - 1]} ms`,
    );
    expect(tally.kills).toBe(KILLS);
  }, 900_000);
});
