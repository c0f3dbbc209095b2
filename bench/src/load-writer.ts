import { setTimeout as sleep } from 'node:timers/promises';
import type { DialectKind } from '@rowguard/core';
import { openBenchDatabase } from './bench-connections.js';
import { createBenchEngine } from './bench-engine.js';
import { DOMAIN_NAME, SIZES, SUBJECT_CONTACTS, type SizeName } from './dataset-plan.js';
import { isLockError, type ProbeSetup, type ProbeState } from './load-probes.js';
import { RandomSource } from './random-source.js';
import { describeError } from './timing-stats.js';

/** What the parent sends the writer process. */
export interface WriterStart {
  readonly dialect: DialectKind;
  readonly size: SizeName;
  readonly out: string;
  readonly seconds: number;
  readonly probes: ProbeSetup;
}

/** A committed probe change, with when its write started and when its commit returned (ms, shared clock). */
export interface ProbeCommit extends ProbeState {
  readonly startedAt: number;
  readonly committedAt: number;
}

/** What the writer reports at the end. */
export interface WriterSummary {
  readonly type: 'summary';
  readonly writes: number;
  readonly probeWrites: number;
  readonly errors: number;
  readonly lockErrors: number;
  readonly firstErrors: readonly string[];
  readonly commits: readonly ProbeCommit[];
}

/**
 * A clock shared by the processes of one machine: wall-clock time origin plus the monotonic timer (ms).
 *
 * @example
 * ```ts
 * const t = sharedClock();
 * ```
 */
export function sharedClock(): number {
  return performance.timeOrigin + performance.now();
}

/** Sends a message to the parent and resolves once it is handed to the channel (before disconnecting). */
function send(message: WriterSummary | { type: 'ready' }): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send) resolve();
    else process.send(message, undefined, {}, () => resolve());
  });
}

async function main(start: WriterStart): Promise<void> {
  const bench = await openBenchDatabase(start.dialect, start.size, start.out, { fresh: false });
  const db = bench.openPool(4);
  const { engine } = createBenchEngine(db, start.dialect);
  const domain = await engine.domain(DOMAIN_NAME);
  const admin = domain.admin('bench-load-writer');
  const p = start.probes;
  const random = new RandomSource(99);
  const n = SIZES[start.size];
  const deadline = Date.now() + start.seconds * 1000;
  const stats = { writes: 0, probeWrites: 0, errors: 0, lockErrors: 0, firstErrors: [] as string[], commits: [] as ProbeCommit[] };
  const state = new Map<string, { seq: number; allowed: boolean }>();
  const flip = (key: string): boolean => {
    const s = state.get(key) ?? { seq: 0, allowed: true };
    return !s.allowed;
  };
  const probe = async (key: string, allowed: boolean, write: () => Promise<void>): Promise<void> => {
    const startedAt = sharedClock();
    await write();
    const committedAt = sharedClock();
    const seq = (state.get(key)?.seq ?? 0) + 1;
    state.set(key, { seq, allowed });
    stats.commits.push({ key, seq, allowed, startedAt, committedAt });
  };
  const attempt = async (fn: () => Promise<void>, probe: boolean): Promise<void> => {
    try {
      await fn();
      stats.writes += 1;
      if (probe) stats.probeWrites += 1;
    } catch (error) {
      stats.errors += 1;
      if (isLockError(error)) stats.lockErrors += 1;
      if (stats.firstErrors.length < 5) stats.firstErrors.push(describeError(error));
    }
  };

  await send({ type: 'ready' });
  const memberships = async (): Promise<void> => {
    let i = 0;
    while (Date.now() < deadline) {
      const step = i % 6;
      i += 1;
      if (step < 4) {
        const target = p.targetsA[step] as number;
        const key = `A:${target}`;
        const allowed = flip(key);
        await attempt(() => probe(key, allowed, () => admin.setMembership({ groupId: p.groupA, contactId: target, status: allowed ? 'Added' : 'Removed' })), true);
      } else if (step === 4) {
        const allowed = flip('C');
        await attempt(() => probe('C', allowed, () => admin.setMembership({ groupId: p.groupC, contactId: p.contactC, status: allowed ? 'Added' : 'Removed' })), true);
      } else {
        const group = random.pick(p.noiseGroups);
        const contact = random.int(SUBJECT_CONTACTS + 1, n);
        await attempt(() => admin.setMembership({ groupId: group, contactId: contact, status: random.chance(0.7) ? 'Added' : 'Removed' }), false);
      }
      await sleep(random.int(10, 60));
    }
  };
  const entries = async (): Promise<void> => {
    let i = 0;
    while (Date.now() < deadline) {
      i += 1;
      if (i % 2 === 0) {
        const allowed = flip('B');
        await attempt(() => probe('B', allowed, () => admin.updateEntry(p.entryB, { active: allowed })), true);
      } else {
        const entry = random.pick(p.noiseEntries);
        await attempt(() => admin.updateEntry(entry, { active: random.chance(0.5), priority: random.int(0, 3) }), false);
      }
      await sleep(random.int(10, 60));
    }
  };
  await Promise.all([memberships(), entries()]);
  // Leave every probe visible again, so the next run starts from the same state.
  for (const c of p.targetsA) await attempt(() => probe(`A:${c}`, true, () => admin.setMembership({ groupId: p.groupA, contactId: c, status: 'Added' })), true);
  await attempt(() => probe('C', true, () => admin.setMembership({ groupId: p.groupC, contactId: p.contactC, status: 'Added' })), true);
  await attempt(() => probe('B', true, () => admin.updateEntry(p.entryB, { active: true })), true);
  await send({ type: 'summary', ...stats });
  await db.destroy();
  await bench.close();
}

process.once('message', (message: WriterStart) => {
  main(message)
    .catch((error: unknown) =>
      send({ type: 'summary', writes: 0, probeWrites: 0, errors: 1, lockErrors: isLockError(error) ? 1 : 0, firstErrors: [describeError(error)], commits: [] }),
    )
    .finally(() => process.disconnect?.());
});
