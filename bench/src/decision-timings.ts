import type { Kysely, LogEvent } from 'kysely';
import { type Domain, type Rowguard } from '@rowguard/core';
import { buildPlan, criteriaFields, decideInMemory, loadContactFacts } from '@rowguard/core/extension';
import type { BenchDatabase } from './bench-connections.js';
import { createBenchEngine } from './bench-engine.js';
import { DOMAIN_NAME, SCENARIOS, SIZES } from './dataset-plan.js';
import { RandomSource } from './random-source.js';
import { timeIt, type Timing } from './timing-stats.js';

/** A timing with the number of SQL statements one operation issued. */
export interface CountedTiming extends Timing {
  readonly queries: number;
}

/** Single decisions, subject resolution and in-memory throughput. */
export interface DecisionTimings {
  readonly subject: string;
  /** `check('view', id)` on a warm session. */
  readonly check: CountedTiming;
  /** `checkMany('view', 50 ids)` on a warm session. */
  readonly checkMany50: CountedTiming;
  /** `clause('view')` on a warm session (the freshness check only). */
  readonly clause: CountedTiming;
  /** A new session's first `resolve()` (policy snapshot already loaded). */
  readonly resolveCold: CountedTiming;
  /** `resolve()` again on the same session. */
  readonly resolveWarm: CountedTiming;
  /** A new engine instance: domain lookup, policy snapshot load, then resolve. */
  readonly engineCold: CountedTiming;
  /** In-memory decisions (plan + contact facts already loaded) per second, per subject. */
  readonly inMemory: readonly { readonly subject: string; readonly decisionsPerSecond: number; readonly contacts: number; readonly allowedShare: number }[];
}

function counter(): { log: (e: LogEvent) => void; take: () => number } {
  let n = 0;
  return {
    log: (e) => {
      if (e.level === 'query') n += 1;
    },
    take: () => {
      const v = n;
      n = 0;
      return v;
    },
  };
}

/** Times `fn`; `queries` is the number of statements one call issues (after one warm-up call when `warm`). */
async function counted(fn: () => Promise<unknown>, take: () => number, repeat: number, warm = true): Promise<CountedTiming> {
  if (warm) await fn();
  take();
  await fn();
  const queries = take();
  const timing = await timeIt(fn, { repeat, warmups: 3 });
  take();
  return { ...timing, queries };
}

/**
 * Measures single checks, batch checks, the clause's freshness check, cold and warm subject resolution, a cold
 * engine, and in-memory decisions per second, on an instrumented connection pool that counts statements.
 *
 * @example
 * ```ts
 * const micro = await measureDecisions(bench, 200);
 * micro.check.median; micro.check.queries;
 * ```
 */
export async function measureDecisions(bench: BenchDatabase, repeat: number): Promise<DecisionTimings> {
  const count = counter();
  const db: Kysely<any> = bench.openPool(4, count.log);
  try {
    const { engine } = createBenchEngine(db, bench.dialect);
    const domain = await engine.domain(DOMAIN_NAME);
    const subject = SCENARIOS.find((s) => s.key === 'g30') ?? SCENARIOS[0];
    if (!subject) throw new Error('no scenario');
    const n = SIZES[bench.size];
    const random = new RandomSource(7);
    const ids = Array.from({ length: 2000 }, () => random.int(1, n));
    let next = 0;
    const nextId = (): number => ids[next++ % ids.length] as number;
    const session = domain.subject({ userId: subject.userId });
    await session.check('view', 1);

    const check = await counted(() => session.check('view', nextId()), count.take, repeat);
    const checkMany50 = await counted(
      () => session.checkMany('view', Array.from({ length: 50 }, nextId)),
      count.take,
      Math.max(5, Math.round(repeat / 4)),
    );
    const clause = await counted(() => session.clause('view', { alias: 'c' }), count.take, repeat);
    const resolveCold = await counted(() => domain.subject({ userId: subject.userId }).resolve(), count.take, repeat, false);
    const resolveWarm = await counted(() => session.resolve(), count.take, repeat);
    const engineCold = await counted(
      async () => {
        const fresh = createBenchEngine(db, bench.dialect).engine;
        await (await fresh.domain(DOMAIN_NAME)).subject({ userId: subject.userId }).resolve();
      },
      count.take,
      Math.max(5, Math.round(repeat / 10)),
      false,
    );
    const inMemory = [];
    for (const key of ['g30', 'mixed']) {
      const s = SCENARIOS.find((x) => x.key === key);
      if (s) inMemory.push({ subject: key, ...(await inMemoryRate(engine, domain, s.userId, ids)) });
    }
    return { subject: subject.key, check, checkMany50, clause, resolveCold, resolveWarm, engineCold, inMemory };
  } finally {
    await db.destroy();
  }
}

async function inMemoryRate(engine: Rowguard, domain: Domain, userId: string, ids: readonly number[]): Promise<{ decisionsPerSecond: number; contacts: number; allowedShare: number }> {
  const snapshot = await domain.policy();
  const subject = await domain.subject({ userId }).resolve();
  if (!subject) throw new Error(`cannot resolve ${userId}`);
  const plan = buildPlan(snapshot, subject, 'view');
  const store = { db: engine.db, tables: engine.tables, contacts: engine.config.contacts, fields: criteriaFields(engine.config.contacts) };
  const facts = [...(await loadContactFacts(store, ids)).values()];
  let decisions = 0;
  let allowed = 0;
  const started = performance.now();
  while (performance.now() - started < 1000) {
    for (const f of facts) if (decideInMemory(plan, snapshot, f).allowed) allowed += 1;
    decisions += facts.length;
  }
  const seconds = (performance.now() - started) / 1000;
  return { decisionsPerSecond: Math.round(decisions / seconds), contacts: facts.length, allowedShare: decisions > 0 ? allowed / decisions : 0 };
}
