import { fork } from 'node:child_process';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { sql, type Expression, type SqlBool } from 'kysely';
import type { BenchDatabase } from './bench-connections.js';
import { createBenchEngine } from './bench-engine.js';
import { DOMAIN_NAME, SCENARIOS, SIZES } from './dataset-plan.js';
import { initialStates, isLockError, probeTarget, setUpProbes } from './load-probes.js';
import { sharedClock, type WriterStart, type WriterSummary } from './load-writer.js';
import { classifyDecisions, type ProbeDecision } from './staleness-check.js';
import { describeError, median } from './timing-stats.js';

/** Commits that returned less than this before a decision started count as concurrent with it (clock skew between processes). */
const CLOCK_MARGIN_MS = 2;

/** The outcome of the concurrent-load test. */
export interface LoadResult {
  readonly dialect: string;
  readonly size: string;
  readonly seconds: number;
  readonly readers: number;
  readonly startedAt: string;
  readonly loadAverage: readonly number[];
  /** The control: a clause compiled once per reader and reused; the check must find it stale. */
  readonly control: { readonly checked: number; readonly stale: number };
  /** Probe changes the writer committed. */
  readonly probeCommits: number;
  /** Decisions checked against the latest committed state (no change committed while they ran). */
  readonly checked: number;
  /** Decisions that overlapped a commit of the same probe (either answer is right; not counted as checked). */
  readonly overlapping: number;
  /** Checked decisions that still reflected the state before a change committed before they started. */
  readonly stale: number;
  readonly staleExamples: readonly string[];
  /** Checked decisions per kind: check, checkMany, clause. */
  readonly byKind: Readonly<Record<string, number>>;
  /** First pages read as background work. */
  readonly pages: number;
  readonly readerErrors: number;
  readonly readerLockErrors: number;
  readonly readerFirstErrors: readonly string[];
  /** The writer's counts (its commit log is left out of the results file). */
  readonly writer: WriterSummary;
  /** Median and p99 latency of the probe decisions (ms). */
  readonly decisionMedianMs: number;
  readonly decisionP99Ms: number;
}

/**
 * The concurrent-load test: readers in separate connection pools (each with its own engine instance, as
 * separate processes would be) decide on probe contacts for a bounded time while a writer process changes
 * memberships and entries through the engine's write API. Afterwards every decision is compared with the
 * writer's commit log (see {@link classifyDecisions}): one that started after a change was committed must
 * reflect it. Deadlocks and errors are counted on both sides.
 *
 * @example
 * ```ts
 * const result = await runLoadTest(bench, { seconds: 30, readers: 8, out: 'bench/results', log: console.log });
 * ```
 */
export async function runLoadTest(
  bench: BenchDatabase,
  options: { seconds: number; readers: number; out: string; log: (line: string) => void },
): Promise<LoadResult> {
  const { engine } = createBenchEngine(bench.db, bench.dialect);
  const domain = await engine.domain(DOMAIN_NAME);
  const probes = await setUpProbes(domain, SIZES[bench.size]);
  const keys = [...initialStates(probes).keys()];

  const writer = fork(fileURLToPath(new URL('./load-writer.js', import.meta.url)), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  let summary: WriterSummary | null = null;
  const ready = new Promise<void>((resolve) => {
    writer.on('message', (m: WriterSummary | { type: 'ready' }) => {
      if (m.type === 'ready') resolve();
      else summary = m;
    });
  });
  const exited = new Promise<void>((resolve) => writer.on('exit', () => resolve()));
  const start: WriterStart = { dialect: bench.dialect, size: bench.size, out: options.out, seconds: options.seconds, probes };
  writer.send(start);
  await ready;
  options.log(`  writer process ${writer.pid} started; ${options.readers} readers for ${options.seconds} s`);

  const startedAt = new Date().toISOString();
  const deadline = Date.now() + options.seconds * 1000;
  const tally = { pages: 0, errors: 0, lockErrors: 0 };
  const firstErrors: string[] = [];
  const decisions: ProbeDecision[] = [];
  const controls: ProbeDecision[] = [];
  const latencies: number[] = [];
  const pageSubject = SCENARIOS.find((s) => s.key === 'g10')?.userId ?? '';

  const reader = async (index: number): Promise<void> => {
    const db = bench.openPool(2);
    // Errors the engine turned into a deny arrive through onError (collected in `reported`), thrown ones too.
    const { engine: mine, errors: reported } = createBenchEngine(db, bench.dialect);
    const own = await mine.domain(DOMAIN_NAME);
    const t = mine.tables;
    const sessions = new Map<string, ReturnType<typeof own.subject>>();
    const session = (userId: string): ReturnType<typeof own.subject> => {
      let s = sessions.get(userId);
      if (!s) {
        s = own.subject({ userId });
        sessions.set(userId, s);
      }
      return s;
    };
    const kinds = ['check', 'checkMany', 'clause'] as const;
    const frozen = new Map<string, Expression<SqlBool>>();
    let i = index;
    try {
      while (Date.now() < deadline) {
        i += 1;
        try {
          if (i % 5 === 0) {
            const q = db.selectFrom(`${t.contact} as c`).select(['c.id', 'c.sort_name']).orderBy('c.sort_name').orderBy('c.id').limit(50);
            await (await session(pageSubject).applyTo(q, 'view', { alias: 'c' })).execute();
            tally.pages += 1;
            continue;
          }
          const key = keys[i % keys.length] as string;
          const kind = kinds[Math.floor(i / keys.length) % kinds.length] as (typeof kinds)[number];
          const { userId, contactId } = probeTarget(probes, key);
          const errorsBefore = reported.length;
          const t0 = sharedClock();
          let allowed: boolean;
          if (kind === 'check') allowed = await session(userId).check('view', contactId);
          else if (kind === 'checkMany') allowed = (await session(userId).checkMany('view', [contactId, contactId + 1])).has(contactId);
          else {
            const clause = await session(userId).clause('view', { alias: 'c' });
            const { rows } = await sql<{ n: unknown }>`select count(*) as n from ${sql.table(t.contact)} as c where c.id = ${contactId} and ${clause}`.execute(db);
            allowed = Number(rows[0]?.n) === 1;
          }
          const t1 = sharedClock();
          latencies.push(t1 - t0);
          if (reported.length === errorsBefore) decisions.push({ key, kind, allowed, startedAt: t0, endedAt: t1 });
          if (key === 'B' || key === 'C') {
            // Control: a clause compiled once and reused (what a per-process cache would do) must be caught.
            let clause = frozen.get(userId);
            if (!clause) {
              clause = await session(userId).clause('view', { alias: 'c' });
              frozen.set(userId, clause);
            }
            const c0 = sharedClock();
            const { rows } = await sql<{ n: unknown }>`select count(*) as n from ${sql.table(t.contact)} as c where c.id = ${contactId} and ${clause}`.execute(db);
            controls.push({ key, kind: 'frozen clause', allowed: Number(rows[0]?.n) === 1, startedAt: c0, endedAt: sharedClock() });
          }
        } catch (error) {
          reported.push(error);
        }
      }
    } finally {
      for (const error of reported) {
        tally.errors += 1;
        if (isLockError(error)) tally.lockErrors += 1;
        if (firstErrors.length < 5) firstErrors.push(describeError(error));
      }
      await db.destroy();
    }
  };
  await Promise.all(Array.from({ length: options.readers }, (_, k) => reader(k)));
  await exited;
  const received: WriterSummary | null = summary;
  const writerSummary: WriterSummary = received ?? { type: 'summary', writes: 0, probeWrites: 0, errors: 1, lockErrors: 0, firstErrors: ['writer sent no summary'], commits: [] };
  // Without the writer's commit log nothing can be judged: report no checked decisions rather than false alarms.
  const report = classifyDecisions(received ? decisions : [], writerSummary.commits, CLOCK_MARGIN_MS);
  const control = classifyDecisions(received ? controls : [], writerSummary.commits, CLOCK_MARGIN_MS);
  const sorted = [...latencies].sort((a, b) => a - b);
  return {
    dialect: bench.dialect,
    size: bench.size,
    seconds: options.seconds,
    readers: options.readers,
    startedAt,
    loadAverage: os.loadavg().map((x) => Math.round(x * 100) / 100),
    checked: report.checked,
    overlapping: report.overlapping,
    stale: report.stale,
    staleExamples: report.staleExamples,
    byKind: report.byKind,
    probeCommits: writerSummary.commits.length,
    control: { checked: control.checked, stale: control.stale },
    pages: tally.pages,
    readerErrors: tally.errors,
    readerLockErrors: tally.lockErrors,
    readerFirstErrors: firstErrors,
    writer: { ...writerSummary, commits: [] },
    decisionMedianMs: Math.round(median(latencies) * 1000) / 1000,
    decisionP99Ms: Math.round((sorted[Math.floor(sorted.length * 0.99)] ?? Number.NaN) * 1000) / 1000,
  };
}
