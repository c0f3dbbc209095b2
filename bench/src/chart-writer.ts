import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DialectRun } from './bench-runner.js';
import { forcedMetric, shapeOf } from './result-report.js';
import { renderLineChart, type ChartSeries } from './svg-chart.js';

/** A results file as the runner writes it. */
export interface ResultFile {
  readonly command: string;
  readonly host: Readonly<Record<string, unknown>>;
  readonly run: DialectRun;
}

const DIALECT_NAMES: Readonly<Record<string, string>> = { mysql: 'MariaDB', postgres: 'PostgreSQL', sqlite: 'SQLite' };
const GRANT_SERIES = ['unfiltered', 'engine', 'exists', 'naive-in', 'exists-probe', 'rls', 'cache', 'engine:probe', 'engine:in', 'engine:array'];
const LABELS: Readonly<Record<string, string>> = {
  unfiltered: 'unfiltered',
  engine: 'engine (auto shape)',
  'engine:exists': 'engine, EXISTS forced',
  'engine:probe': 'engine, probe forced',
  'engine:in': 'engine, IN forced',
  'engine:array': 'engine, array forced',
  'naive-in': 'naive IN',
  exists: 'EXISTS (clause before shapes)',
  'exists-probe': 'EXISTS, semi-join off',
  rls: 'RLS policy',
  cache: 'per-user cache (no fill)',
  'engine-probe': 'engine clause as probes*',
  'scalar-probe': 'scalar probe*',
  'prefetch-ids': 'prefetched ids*',
  'derived-join': 'derived JOIN*',
};

/**
 * Reads every `bench-<size>-<dialect>.json` in a directory.
 *
 * @example
 * ```ts
 * const files = readResults('bench/results');
 * ```
 */
export function readResults(dir: string): ResultFile[] {
  let names: string[] = [];
  try {
    names = readdirSync(dir).filter((f) => /^bench-(10k|100k|1m)-(sqlite|mysql|postgres)\.json$/.test(f));
  } catch {
    return [];
  }
  return names.map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as ResultFile);
}

function pct(x: number): string {
  return x >= 0.1 ? `${Math.round(x * 100)}%` : `${Number((x * 100).toPrecision(1))}%`;
}

/**
 * Draws the charts from the results in `dir` into `chartsDir`: cost vs grant size (first page and count, per
 * dialect and size) and cost vs number of contacts (per dialect, for the 30-group and 1-group subjects).
 * Returns the files written.
 *
 * @example
 * ```ts
 * writeCharts('bench/results', 'docs/images');
 * ```
 */
export function writeCharts(dir: string, chartsDir: string): string[] {
  const files = readResults(dir);
  mkdirSync(chartsDir, { recursive: true });
  const written: string[] = [];
  const save = (name: string, svg: string): void => {
    const path = join(chartsDir, name);
    writeFileSync(path, svg);
    written.push(path);
  };
  for (const { run } of files) {
    const axis = run.scenarios.filter((s) => s.axis).sort((a, b) => a.coverage - b.coverage);
    if (axis.length < 2) continue;
    for (const metric of ['page', 'count'] as const) {
      const series: ChartSeries[] = [];
      for (const key of GRANT_SERIES) {
        const points = axis
          .map((s) => ({ x: s.coverage, y: key.startsWith('engine:') ? (forcedMetric(s, key, metric)?.ms ?? Number.NaN) : (shapeOf(s, key)?.[metric]?.median ?? Number.NaN) }))
          .filter((p) => typeof p.y === 'number' && Number.isFinite(p.y));
        if (points.length > 0) series.push({ name: LABELS[key] ?? key, points, dashed: key === 'unfiltered' || key === 'cache' });
      }
      save(
        `${metric}-vs-grant-${run.dialect}-${run.size}.svg`,
        renderLineChart({
          title: `${DIALECT_NAMES[run.dialect] ?? run.dialect}, ${run.contacts.toLocaleString('en-US')} contacts: ${metric === 'page' ? 'first page (50 rows by sort_name)' : 'COUNT(*)'}`,
          subtitle: `median ms vs share of contacts visible; * = prototype shape; ${run.server.split(' (')[0] ?? run.server}`,
          xLabel: 'grant coverage (share of contacts visible)',
          yLabel: 'median ms (log)',
          xFormat: pct,
          series,
        }),
      );
    }
  }
  const byDialect = new Map<string, DialectRun[]>();
  for (const { run } of files) byDialect.set(run.dialect, [...(byDialect.get(run.dialect) ?? []), run]);
  for (const [dialect, runs] of byDialect) {
    if (runs.length < 2) continue;
    for (const metric of ['page', 'count'] as const) {
      const series: ChartSeries[] = [];
      for (const scenario of ['g30', 'g1']) {
        for (const key of ['unfiltered', 'engine', 'naive-in', dialect === 'mysql' ? 'exists-probe' : 'rls', 'cache']) {
          if (scenario === 'g1' && key === 'unfiltered') continue;
          const y = (r: DialectRun): number => {
            const s = r.scenarios.find((x) => x.key === scenario);
            return s ? (shapeOf(s, key)?.[metric]?.median ?? Number.NaN) : Number.NaN;
          };
          const points = runs.map((r) => ({ x: r.contacts, y: y(r) })).filter((p) => typeof p.y === 'number' && Number.isFinite(p.y));
          if (points.length > 0) series.push({ name: key === 'unfiltered' ? 'unfiltered' : `${LABELS[key] ?? key} [${scenario === 'g30' ? '30' : '1'}]`, points, dashed: scenario === 'g1' });
        }
      }
      save(
        `${metric}-vs-n-${dialect}.svg`,
        renderLineChart({
          title: `${DIALECT_NAMES[dialect] ?? dialect}: ${metric === 'page' ? 'first page' : 'COUNT(*)'} vs number of contacts`,
          subtitle: 'median ms; solid [30]: 30 groups (~26% visible), dashed [1]: 1 group (~1% visible)',
          xLabel: 'contacts',
          yLabel: 'median ms (log)',
          series,
        }),
      );
    }
  }
  return written;
}
