import os from 'node:os';
import { sql, type CompiledQuery, type Expression, type Kysely, type SqlBool } from 'kysely';
import type { Domain } from '@rowguard/core';
import type { TableNames } from '@rowguard/core/extension';
import {
  SHAPES,
  PAGE_SIZE,
  installRlsPolicy,
  materialiseSmartGroup,
  type MemberSource,
  type PageRow,
  type ShapeContext,
  type ShapeRun,
} from './baseline-queries.js';
import type { BenchDatabase } from './bench-connections.js';
import { createBenchEngine } from './bench-engine.js';
import { DOMAIN_NAME, SCENARIOS, SIZES, type Scenario } from './dataset-plan.js';
import type { DataSetInfo } from './data-generator.js';
import { measureDecisions, type DecisionTimings } from './decision-timings.js';
import { explainPlan } from './explain-plan.js';
import { sampleMemory, type MemoryPeak } from './memory-sampler.js';
import { describeError, timeIt, type Timing } from './timing-stats.js';

/** One shape's figures in one scenario. */
export interface ShapeResult {
  readonly key: string;
  readonly label: string;
  readonly family: 'engine' | 'reference' | 'baseline' | 'prototype';
  /** Whether the shape is a WHERE clause the engine could emit. */
  readonly clauseOnly: boolean;
  /** What the shape reads the grant from. */
  readonly source: 'engine' | 'groups' | 'materialised' | 'none';
  readonly page: Timing | null;
  readonly count: Timing | null;
  /** The fill step (per-user cache). */
  readonly fill: Timing | null;
  /** Whether its first page and count equal the engine's (null: not comparable, e.g. the unfiltered page). */
  readonly agrees: boolean | null;
  readonly problem?: string;
  /** The optimizer's plan of its first page. */
  readonly plan?: string;
}

type Purpose = 'page' | 'count';
/** The membership-test shapes the engine can be forced to use. */
const FORCED_SHAPES = ['exists', 'probe', 'in', 'array'] as const;
type ForcedShape = (typeof FORCED_SHAPES)[number];

/** One shape choice the engine reported through `explainClause`. */
export interface EngineShapeChoice {
  readonly groups: readonly number[];
  readonly shape: string;
  readonly grant: string;
  readonly why: string;
}

function choiceOf(c: { groups: readonly number[]; shape: string; grant: string; why: string }): EngineShapeChoice {
  return { groups: [...c.groups], shape: c.shape, grant: c.grant, why: c.why };
}

/** One benchmark subject's figures. */
export interface ScenarioResult {
  readonly key: string;
  readonly label: string;
  readonly axis: boolean;
  readonly nominal: number;
  /** Contacts the subject may view (engine count) and contacts in the domain not deleted. */
  readonly visible: number;
  readonly total: number;
  /** Which engine run gave the reference answer (`engine-sql`, or `engine:exists` when the auto shape failed). */
  readonly reference: string;
  readonly coverage: number;
  /** Added membership rows of the grant's static groups (what a membership-driven plan reads). */
  readonly memberRows: number | null;
  /** A bounded grant-size probe (`count(*)` over at most 20,001 membership index entries). */
  readonly sizeProbe: Timing | null;
  /** Filling the materialised membership of the smart group (smart scenarios), ms. */
  readonly materialiseMs: number | null;
  /** The shapes the engine chose (its `explainClause`), for a first page and for a count. */
  readonly engineShapes: { readonly page: readonly EngineShapeChoice[]; readonly count: readonly EngineShapeChoice[] };
  /** The form of the whole clause the engine chose (its `explainClause`), for a first page and for a count. */
  readonly engineForms?: { readonly page: string; readonly count: string };
  readonly shapes: readonly ShapeResult[];
}

/** Everything measured on one dialect and size. */
export interface DialectRun {
  readonly dialect: string;
  readonly size: string;
  readonly contacts: number;
  readonly server: string;
  readonly location: string;
  readonly dataset: DataSetInfo;
  readonly settings: Readonly<Record<string, string>>;
  readonly startedAt: string;
  readonly seconds: number;
  readonly loadAverage: { readonly start: readonly number[]; readonly end: readonly number[] };
  readonly scenarios: readonly ScenarioResult[];
  readonly decisions: DecisionTimings | null;
  readonly memory: MemoryPeak;
  readonly errors: readonly string[];
}

/** How the runner measures. */
export interface RunnerOptions {
  readonly repeat: number;
  readonly scenarios: readonly string[] | null;
  readonly log: (line: string) => void;
}

async function serverVersion(db: Kysely<any>, dialect: string): Promise<string> {
  const q = dialect === 'sqlite' ? sql<{ v: string }>`select 'SQLite ' || sqlite_version() as v` : sql<{ v: string }>`select version() as v`;
  const { rows } = await q.execute(db);
  return String(rows[0]?.v ?? '?').split(' on ')[0] as string;
}

function samePage(a: readonly PageRow[], b: readonly PageRow[]): boolean {
  return a.length === b.length && a.every((r, i) => r.id === b[i]?.id);
}

function sourceOf(s: Scenario, materialisedKey: string | null): MemberSource | null {
  if (s.grant.kind === 'groups') return { kind: 'groups', groups: s.grant.groups };
  if (s.grant.kind === 'smart' && materialisedKey) return { kind: 'materialised', key: materialisedKey };
  return null;
}

async function countRows(db: Kysely<any>, query: ReturnType<typeof sql<{ n: unknown }>>): Promise<number> {
  const { rows } = await query.execute(db);
  return Number(rows[0]?.n);
}

/**
 * Measures one dialect and size: for every benchmark subject, the engine (end to end, and its SQL alone) and
 * every applicable baseline and prototype shape, first page (`order by sort_name, id limit 50`) and
 * `count(*)`, after checking that each returns the engine's page and count; then single and batch checks,
 * subject resolution and in-memory decisions.
 *
 * @example
 * ```ts
 * const run = await runDialect(bench, info, { repeat: 7, scenarios: null, log: console.log });
 * ```
 */
export async function runDialect(bench: BenchDatabase, dataset: DataSetInfo, options: RunnerOptions): Promise<DialectRun> {
  const started = performance.now();
  const startedAt = new Date().toISOString();
  const loadStart = os.loadavg().map((x) => Math.round(x * 100) / 100);
  const stopMemory = sampleMemory();
  const { log } = options;
  const { db, dialect } = bench;
  const { engine, errors } = createBenchEngine(db, dialect);
  const domain = await engine.domain(DOMAIN_NAME);
  const t = engine.tables;
  const settings = await serverSettings(db, dialect);
  if (dialect === 'postgres') await installRlsPolicy(db, t);
  const scenarios: ScenarioResult[] = [];
  for (const s of SCENARIOS) {
    if (options.scenarios && !options.scenarios.includes(s.key)) continue;
    log(`  subject ${s.key} (${s.label})`);
    scenarios.push(await runScenario(bench, domain, t, s, options));
  }
  log('  single checks, resolution, in-memory decisions');
  let decisions: DecisionTimings | null = null;
  try {
    decisions = await measureDecisions(bench, Math.max(50, options.repeat * 30));
  } catch (error) {
    errors.push(error);
  }
  return {
    dialect,
    size: bench.size,
    contacts: SIZES[bench.size],
    server: await serverVersion(db, dialect),
    location: bench.location,
    dataset,
    settings,
    startedAt,
    seconds: Math.round((performance.now() - started) / 100) / 10,
    loadAverage: { start: loadStart, end: os.loadavg().map((x) => Math.round(x * 100) / 100) },
    scenarios,
    decisions,
    memory: stopMemory(),
    errors: errors.map(describeError),
  };
}

async function serverSettings(db: Kysely<any>, dialect: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  try {
    if (dialect === 'mysql') {
      const { rows } = await sql<{ Variable_name: string; Value: string }>`show variables where Variable_name in ('innodb_buffer_pool_size', 'optimizer_switch', 'innodb_flush_method')`.execute(db);
      for (const r of rows) out[r.Variable_name] = r.Value;
    } else if (dialect === 'postgres') {
      for (const name of ['shared_buffers', 'work_mem', 'effective_cache_size', 'max_parallel_workers_per_gather', 'random_page_cost', 'jit']) {
        const { rows } = await sql<{ v: string }>`select current_setting(${name}) as v`.execute(db);
        out[name] = String(rows[0]?.v);
      }
      const { rows } = await sql<{ v: unknown }>`select a.attstattarget as v from pg_attribute a join pg_class c on c.oid = a.attrelid
        where c.relname = 'rg_group_contact' and c.relnamespace = current_schema()::regnamespace and a.attname = 'group_id'`.execute(db);
      out['rg_group_contact.group_id statistics'] = String(rows[0]?.v ?? '?');
    }
  } catch (error) {
    out.error = describeError(error);
  }
  return out;
}

async function runScenario(bench: BenchDatabase, domain: Domain, t: TableNames, s: Scenario, options: RunnerOptions): Promise<ScenarioResult> {
  const { db, dialect } = bench;
  const session = domain.subject({ userId: s.userId });
  const clauseFor = (purpose: Purpose, shape?: ForcedShape): Promise<Expression<SqlBool>> =>
    session.clause('view', { alias: 'c', purpose, ...(shape ? { shape } : {}) });
  const pageClause = await clauseFor('page');
  const countClause = await clauseFor('count');
  const hostPage = () =>
    db
      .selectFrom(`${t.contact} as c`)
      .select(['c.id', 'c.sort_name'])
      .orderBy('c.sort_name')
      .orderBy('c.id')
      .limit(PAGE_SIZE);
  const hostCount = () => db.selectFrom(`${t.contact} as c`).select((eb) => eb.fn.countAll().as('n'));
  const norm = (rows: readonly { id: unknown; sort_name: unknown }[]): PageRow[] =>
    rows.map((r) => ({ id: Number(r.id), sort_name: r.sort_name === null ? null : String(r.sort_name) }));

  // The engine as a host uses it: the clause is asked for on every call (with its freshness check), with the
  // query's purpose so the engine can pick the shape.
  const engineRun: ShapeRun = {
    page: async () => norm(await (await session.applyTo(hostPage(), 'view', { alias: 'c', purpose: 'page' })).execute()),
    count: async () => Number((await (await session.applyTo(hostCount(), 'view', { alias: 'c', purpose: 'count' })).executeTakeFirst())?.n),
  };
  const prebuilt = (page: Expression<SqlBool>, count: Expression<SqlBool>): ShapeRun & { pageCompiled: CompiledQuery; countSql: string } => {
    const pageQuery = hostPage().where(page);
    const countQuery = hostCount().where(count);
    return {
      page: async () => norm(await pageQuery.execute()),
      count: async () => Number((await countQuery.executeTakeFirst())?.n),
      pageCompiled: pageQuery.compile(),
      countSql: countQuery.compile().sql,
    };
  };
  const engineSqlRun = prebuilt(pageClause, countClause);
  const explained = {
    page: await session.explainClause('view', { alias: 'c', purpose: 'page' }),
    count: await session.explainClause('view', { alias: 'c', purpose: 'count' }),
  };
  const engineShapes = { page: explained.page.shapes.map(choiceOf), count: explained.count.shapes.map(choiceOf) };
  const engineForms = { page: explained.page.form?.form ?? 'or', count: explained.count.form?.form ?? 'or' };

  // The engine's answer is the reference every shape is compared with: its auto shape, or when that fails (a
  // statement timeout) the same clause with every membership test as `exists`. If both fail, the scenario is
  // still measured and nothing is compared.
  const existsClause = await clauseFor('page', 'exists');
  let truthPage: PageRow[] | null = null;
  let visible = Number.NaN;
  let truthProblem: string | undefined;
  let reference = 'engine-sql';
  for (const [name, run] of [
    ['engine-sql', engineSqlRun],
    ['engine:exists', prebuilt(existsClause, await clauseFor('count', 'exists'))],
  ] as const) {
    try {
      truthPage = await run.page();
      visible = await run.count();
      reference = name;
      truthProblem = undefined;
      break;
    } catch (error) {
      truthPage = null;
      visible = Number.NaN;
      truthProblem = `${truthProblem ? `${truthProblem}; ` : ''}${name} as reference: ${describeError(error)}`;
    }
  }
  const total = await countRows(db, sql<{ n: unknown }>`select count(*) as n from ${sql.table(t.contact)} where domain_id = ${domain.id} and is_deleted = ${0}`);

  let materialiseMs: number | null = null;
  let materialisedKey: string | null = null;
  if (s.grant.kind === 'smart') {
    materialisedKey = s.grant.group === 272 ? `${s.grant.group}:${s.values.country}` : `${s.grant.group}`;
    materialiseMs = Math.round((await materialiseSmartGroup(db, t, materialisedKey, existsClause)) * 10) / 10;
  }
  const source = sourceOf(s, materialisedKey);
  let memberRows: number | null = null;
  let sizeProbe: Timing | null = null;
  if (source?.kind === 'groups') {
    const cond = sql`group_id in (${sql.join(source.groups)}) and status = ${'Added'}`;
    memberRows = await countRows(db, sql<{ n: unknown }>`select count(*) as n from ${sql.table(t.groupContact)} where ${cond}`);
    const probe = sql<{ n: unknown }>`select count(*) as n from (select 1 as x from ${sql.table(t.groupContact)} where ${cond} limit ${20_001}) q`;
    sizeProbe = await timeIt(() => probe.execute(db), { repeat: options.repeat });
  }

  const ctx: ShapeContext = {
    db,
    dialect,
    tables: t,
    domainId: domain.id,
    source,
    existsClause,
    userKey: s.contactId,
    pgClient: () => bench.pgClient(),
  };
  interface Entry {
    key: string;
    label: string;
    family: ShapeResult['family'];
    clauseOnly: boolean;
    source: ShapeResult['source'];
    run: ShapeRun | null;
    problem?: string;
    plan?: string;
  }
  const entries: Entry[] = [
    { key: 'engine', label: 'engine (auto shape): applyTo() + execute, per call', family: 'engine', clauseOnly: true, source: 'engine', run: engineRun },
    { key: 'engine-sql', label: 'engine (auto shape), SQL only (clause built once)', family: 'engine', clauseOnly: true, source: 'engine', run: engineSqlRun },
  ];
  // The engine with each shape forced (where it differs from what is already listed).
  const seen = new Set([`${engineSqlRun.pageCompiled.sql}|${engineSqlRun.countSql}`]);
  for (const shape of FORCED_SHAPES) {
    if (shape === 'array' && dialect !== 'postgres') continue;
    const run = prebuilt(await clauseFor('page', shape), await clauseFor('count', shape));
    const signature = `${run.pageCompiled.sql}|${run.countSql}`;
    if (seen.has(signature)) continue;
    seen.add(signature);
    entries.push({ key: `engine:${shape}`, label: `engine, shape forced to '${shape}' (SQL only)`, family: 'engine', clauseOnly: true, source: 'engine', run });
  }
  for (const e of entries) {
    const compiled = e.run?.pageCompiled;
    if (!compiled) continue;
    try {
      e.plan = await explainPlan(db, dialect, compiled);
    } catch (error) {
      e.problem = `explain: ${describeError(error)}`;
    }
  }
  for (const shape of SHAPES) {
    if (!shape.dialects.includes(dialect)) continue;
    if (shape.needsSource && !source) continue;
    const entry: Entry = {
      key: shape.key,
      label: shape.label,
      family: shape.family,
      clauseOnly: shape.clauseOnly,
      source: shape.needsSource ? (source?.kind ?? 'none') : 'none',
      run: null,
    };
    try {
      entry.run = await shape.prepare(ctx);
      if (!entry.run) continue;
      const compiled = entry.run.pageCompiled ?? entry.run.pageStatement?.compile(db);
      if (compiled) entry.plan = await explainPlan(db, dialect, compiled);
    } catch (error) {
      entry.problem = `prepare: ${describeError(error)}`;
    }
    entries.push(entry);
  }

  const results: ShapeResult[] = [];
  const pages = new Map<string, Timing | null>();
  const counts = new Map<string, Timing | null>();
  const agreement = new Map<string, { agrees: boolean | null; problem?: string }>();
  for (const e of entries) {
    if (!e.run) continue;
    if (e.key === 'unfiltered') {
      agreement.set(e.key, { agrees: null });
      continue;
    }
    if (!truthPage || Number.isNaN(visible)) {
      agreement.set(e.key, { agrees: null, ...(truthProblem ? { problem: truthProblem } : {}) });
      continue;
    }
    if (e.key === reference) {
      agreement.set(e.key, { agrees: true });
      continue;
    }
    try {
      const page = await e.run.page();
      const n = await e.run.count();
      const ok = samePage(page, truthPage) && n === visible;
      agreement.set(e.key, ok ? { agrees: true } : { agrees: false, problem: `differs from the engine: count ${n} vs ${visible}, page ${samePage(page, truthPage) ? 'same' : 'different'}` });
    } catch (error) {
      agreement.set(e.key, { agrees: null, problem: describeError(error) });
    }
  }
  for (const e of entries) {
    if (!e.run) continue;
    const run = e.run;
    pages.set(e.key, await timeIt(() => run.page(), { repeat: options.repeat }));
  }
  for (const e of entries) {
    if (!e.run) continue;
    const run = e.run;
    counts.set(e.key, await timeIt(() => run.count(), { repeat: Math.min(options.repeat, 5), warmups: 1 }));
  }
  for (const e of entries) {
    const fill = e.run?.fill;
    const timing = fill ? await timeIt(() => fill(), { repeat: 3, warmups: 0 }) : null;
    await e.run?.close?.();
    const a = agreement.get(e.key);
    const problem = [e.problem, a?.problem].filter((x): x is string => Boolean(x)).join('; ');
    results.push({
      key: e.key,
      label: e.label,
      family: e.family,
      clauseOnly: e.clauseOnly,
      source: e.source,
      page: pages.get(e.key) ?? null,
      count: counts.get(e.key) ?? null,
      fill: timing,
      agrees: a?.agrees ?? null,
      ...(problem ? { problem } : {}),
      ...(e.plan ? { plan: e.plan } : {}),
    });
  }
  return {
    key: s.key,
    label: s.label,
    axis: s.axis,
    nominal: s.nominal,
    visible,
    total,
    reference,
    coverage: total > 0 ? visible / total : 0,
    memberRows,
    sizeProbe,
    materialiseMs,
    engineShapes,
    engineForms,
    shapes: results,
  };
}
