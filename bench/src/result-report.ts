import type { DialectRun, ScenarioResult, ShapeResult } from './bench-runner.js';
import { formatMs, formatRatio } from './timing-stats.js';

/** The baselines (the engine is compared with the best of these). */
export const BASELINE_KEYS = ['naive-in', 'exists', 'exists-probe', 'cache', 'rls'] as const;
/** Shapes the engine could emit as a WHERE clause (its own, the plain baselines, and the clause prototypes). */
export const CLAUSE_KEYS = ['engine-sql', 'engine:exists', 'engine:probe', 'engine:in', 'engine:array', 'naive-in', 'exists', 'engine-probe', 'engine-in', 'scalar-probe', 'prefetch-ids'] as const;
/** Candidate clause shapes. */
export const PROTOTYPE_KEYS = ['engine:exists', 'engine:probe', 'engine:in', 'engine:array', 'engine-probe', 'engine-in', 'scalar-probe', 'derived-join', 'union-in', 'prefetch-ids', 'straight-join'] as const;

/**
 * A shape's result in a scenario.
 *
 * @example
 * ```ts
 * shapeOf(scenario, 'engine')?.page?.median;
 * ```
 */
export function shapeOf(s: ScenarioResult, key: string): ShapeResult | undefined {
  return s.shapes.find((x) => x.key === key);
}

/**
 * The fastest of some shapes for a metric (only shapes that agree with the engine count).
 *
 * @example
 * ```ts
 * best(scenario, BASELINE_KEYS, 'page'); // { key: 'exists-probe', ms: 2.4 }
 * ```
 */
export function best(s: ScenarioResult, keys: readonly string[], metric: 'page' | 'count'): { key: string; ms: number } | null {
  let out: { key: string; ms: number } | null = null;
  for (const key of keys) {
    const r = shapeOf(s, key);
    const ms = r?.[metric]?.median;
    if (!r || typeof ms !== 'number' || Number.isNaN(ms) || r.agrees === false) continue;
    if (!out || ms < out.ms) out = { key, ms };
  }
  return out;
}

/**
 * A metric of the engine with a forced shape (`engine:probe`, ...). When the forced run was left out because
 * its SQL equals the auto shape's, the auto figures stand for it (if the engine chose that shape everywhere).
 *
 * @example
 * ```ts
 * forcedMetric(scenario, 'engine:probe', 'page'); // { ms: 1.64, auto: true }
 * ```
 */
export function forcedMetric(s: ScenarioResult, key: string, metric: 'page' | 'count'): { ms: number; auto: boolean } | null {
  const own = shapeOf(s, key)?.[metric]?.median;
  if (typeof own === 'number' && !Number.isNaN(own)) return { ms: own, auto: false };
  const shape = key.startsWith('engine:') ? key.slice('engine:'.length) : null;
  const chosen = s.engineShapes?.[metric] ?? [];
  const auto = shapeOf(s, 'engine-sql')?.[metric]?.median;
  if (shape && chosen.length > 0 && chosen.every((c) => c.shape === shape) && typeof auto === 'number' && !Number.isNaN(auto)) {
    return { ms: auto, auto: true };
  }
  return null;
}

/** Ratios of one scenario: engine / unfiltered page, engine / best baseline (page and count). */
export interface ScenarioRatios {
  readonly pageVsUnfiltered: number;
  readonly pageVsBest: number;
  readonly countVsBest: number;
  readonly bestPage: { key: string; ms: number } | null;
  readonly bestCount: { key: string; ms: number } | null;
}

/**
 * The engine's ratios in a scenario.
 *
 * @example
 * ```ts
 * ratios(scenario).pageVsUnfiltered; // 1.8
 * ```
 */
export function ratios(s: ScenarioResult): ScenarioRatios {
  const engine = shapeOf(s, 'engine');
  const unfiltered = shapeOf(s, 'unfiltered');
  const bestPage = best(s, BASELINE_KEYS, 'page');
  const bestCount = best(s, BASELINE_KEYS, 'count');
  const ep = engine?.page?.median ?? Number.NaN;
  const ec = engine?.count?.median ?? Number.NaN;
  return {
    pageVsUnfiltered: ep / (unfiltered?.page?.median ?? Number.NaN),
    pageVsBest: bestPage ? ep / bestPage.ms : Number.NaN,
    countVsBest: bestCount ? ec / bestCount.ms : Number.NaN,
    bestPage,
    bestCount,
  };
}

/**
 * Lays out a text table with aligned columns.
 *
 * @example
 * ```ts
 * console.log(formatTable(['a', 'b'], [['1', '2']]));
 * ```
 */
export function formatTable(headers: readonly string[], rows: readonly (readonly string[])[], markdown = false): string {
  if (markdown) {
    const esc = (c: string): string => c.replace(/\|/g, '\\|');
    return [
      `| ${headers.map(esc).join(' | ')} |`,
      `|${headers.map((_, i) => (i === 0 ? ' --- ' : ' ---: ')).join('|')}|`,
      ...rows.map((r) => `| ${headers.map((_, i) => esc(r[i] ?? '')).join(' | ')} |`),
    ].join('\n');
  }
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

function cell(r: ShapeResult | undefined, metric: 'page' | 'count' | 'fill'): string {
  if (!r) return '';
  const t = r[metric];
  if (!t) return r.problem ? 'err' : '';
  if (t.error) return t.error.includes('timeout') || t.error.includes('max_statement_time') || t.error.includes('57014') ? 'timeout' : 'err';
  return `${formatMs(t.median)}${r.agrees === false ? '!' : ''}`;
}

function present(run: DialectRun, keys: readonly string[]): string[] {
  return keys.filter((k) => run.scenarios.some((s) => shapeOf(s, k)));
}

/**
 * The tables of one dialect run: first page, count, clause-shape prototypes, decisions (as text, or as
 * Markdown tables for the docs).
 *
 * @example
 * ```ts
 * console.log(reportRun(run));
 * ```
 */
export function reportRun(run: DialectRun, markdown = false): string {
  const out: string[] = [];
  const table = (headers: readonly string[], rows: readonly (readonly string[])[]): string => formatTable(headers, rows, markdown);
  out.push(`\n### ${run.dialect} (${run.server}), ${run.contacts.toLocaleString('en-US')} contacts, ${run.seconds} s, load average ${run.loadAverage.start.join(' ')} -> ${run.loadAverage.end.join(' ')}`);
  const baselines = present(run, BASELINE_KEYS);
  const pageRows = run.scenarios.map((s) => {
    const r = ratios(s);
    return [
      s.key,
      typeof s.coverage === 'number' && Number.isFinite(s.coverage) ? `${(s.coverage * 100).toFixed(s.coverage < 0.01 ? 2 : 1)}%` : '-',
      cell(shapeOf(s, 'unfiltered'), 'page'),
      cell(shapeOf(s, 'engine'), 'page'),
      cell(shapeOf(s, 'engine-sql'), 'page'),
      formatRatio(r.pageVsUnfiltered),
      ...baselines.map((k) => cell(shapeOf(s, k), 'page')),
      r.bestPage ? r.bestPage.key : '-',
      formatRatio(r.pageVsBest),
    ];
  });
  out.push('\nFirst page (ORDER BY sort_name, id LIMIT 50), median ms; ! = differs from the engine');
  out.push(table(['subject', 'visible', 'unfiltered', 'engine', 'engine SQL', 'eng/unf', ...baselines, 'best baseline', 'eng/best'], pageRows));

  const countRows = run.scenarios.map((s) => {
    const r = ratios(s);
    return [
      s.key,
      cell(shapeOf(s, 'unfiltered'), 'count'),
      cell(shapeOf(s, 'engine'), 'count'),
      cell(shapeOf(s, 'engine-sql'), 'count'),
      ...baselines.map((k) => cell(shapeOf(s, k), 'count')),
      r.bestCount ? r.bestCount.key : '-',
      formatRatio(r.countVsBest),
      cell(shapeOf(s, 'cache'), 'fill'),
    ];
  });
  out.push('\nCOUNT(*), median ms');
  out.push(table(['subject', 'unfiltered', 'engine', 'engine SQL', ...baselines, 'best baseline', 'eng/best', 'cache fill'], countRows));

  const protos = present(run, PROTOTYPE_KEYS);
  if (protos.length > 0) {
    const rows = run.scenarios
      .filter((s) => protos.some((k) => shapeOf(s, k)))
      .map((s) => [
        `${s.key}${s.materialiseMs !== null ? ' (materialised)' : ''}`,
        s.memberRows === null ? '-' : String(s.memberRows),
        s.sizeProbe ? formatMs(s.sizeProbe.median) : '-',
        ...protos.map((k) => {
          const r = shapeOf(s, k);
          if (r) return `${cell(r, 'page')} / ${cell(r, 'count')}`;
          const page = forcedMetric(s, k, 'page');
          const count = forcedMetric(s, k, 'count');
          if (!page && !count) return '';
          const show = (m: { ms: number; auto: boolean } | null): string => (m ? `${formatMs(m.ms)}${m.auto ? ' (auto)' : ''}` : '');
          return `${show(page)} / ${show(count)}`;
        }),
      ]);
    out.push('\nEngine with a forced shape (engine:*; "(auto)" = the shape the engine chose itself) and prototype shapes: first page / count, median ms (member rows = Added rows of the granted groups)');
    out.push(table(['subject', 'member rows', 'size probe', ...protos], rows));
  }
  const clauseRows = run.scenarios.map((s) => {
    const page = best(s, CLAUSE_KEYS, 'page');
    const count = best(s, CLAUSE_KEYS, 'count');
    const name = (b: { key: string; ms: number }): string => `${b.key}${shapeOf(s, b.key)?.source === 'materialised' ? ' (materialised)' : ''} ${formatMs(b.ms)}`;
    const r = ratios(s);
    const unf = shapeOf(s, 'unfiltered')?.page?.median ?? Number.NaN;
    const naive = shapeOf(s, 'naive-in')?.page?.median ?? Number.NaN;
    const rls = shapeOf(s, 'rls')?.page?.median ?? Number.NaN;
    return [
      s.key,
      page ? name(page) : '-',
      page ? formatRatio(page.ms / unf) : '-',
      page ? formatRatio(naive / page.ms) : '-',
      page && run.dialect === 'postgres' ? formatRatio(page.ms / rls) : '-',
      count ? name(count) : '-',
      count && r.bestCount ? formatRatio(count.ms / r.bestCount.ms) : '-',
    ];
  });
  const choice = (list: readonly { shape: string; grant: string }[]): string => (list.length === 0 ? '-' : list.map((c) => `${c.shape} (${c.grant})`).join(', '));
  out.push('\nShapes the engine chose (explainClause; [form] when the clause is a union): first page | count');
  // The form of the whole clause, when it is not the one predicate (`or`).
  const form = (f: string | undefined): string => (f && f !== 'or' ? `[${f}] ` : '');
  out.push(
    run.scenarios
      .map(
        (s) =>
          `  ${s.key.padEnd(6)} ${form(s.engineForms?.page)}${choice(s.engineShapes?.page ?? [])} | ${form(s.engineForms?.count)}${choice(s.engineShapes?.count ?? [])}`,
      )
      .join('\n'),
  );
  out.push('\nBest clause-only shape measured (engine SQL, naive IN, EXISTS, probes, prefetched ids), median ms');
  out.push(table(['subject', 'first page', 'vs unfiltered', 'naive IN / it', 'vs RLS', 'count', 'vs best baseline'], clauseRows));

  const d = run.decisions;
  if (d) {
    const row = (name: string, t: { median: number; queries: number; runs: number }): string[] => [name, formatMs(t.median), String(t.queries), String(t.runs)];
    out.push(`\nDecisions (subject ${d.subject}), median ms`);
    out.push(
      table(
        ['operation', 'median ms', 'statements', 'runs'],
        [
          row('check(view, id), warm session', d.check),
          row('checkMany(view, 50 ids)', d.checkMany50),
          row('clause(view), warm (freshness check)', d.clause),
          row('resolve(), new session (cold subject)', d.resolveCold),
          row('resolve(), same session (warm)', d.resolveWarm),
          row('new engine: snapshot load + resolve', d.engineCold),
        ],
      ),
    );
    out.push(d.inMemory.map((m) => `in-memory decisions (${m.subject}): ${m.decisionsPerSecond.toLocaleString('en-US')} per second`).join('\n'));
  }
  out.push(`peak memory of the runner: RSS ${run.memory.peakRssMB} MB, heap ${run.memory.peakHeapMB} MB`);
  if (run.errors.length > 0) out.push(`errors reported by the engine: ${run.errors.length} (first: ${run.errors[0]})`);
  const problems = run.scenarios.flatMap((s) => s.shapes.filter((x) => x.problem).map((x) => `${s.key}/${x.key}: ${x.problem}`));
  if (problems.length > 0) out.push(`problems:\n  ${problems.join('\n  ')}`);
  return out.join('\n');
}
