import { parseArgs } from 'node:util';
import { DIALECT_KINDS, type DialectKind } from '@rowguard/core';
import { SIZES, type SizeName } from './dataset-plan.js';

/** What one benchmark run does. */
export interface BenchOptions {
  readonly sizes: readonly SizeName[];
  readonly dialects: readonly DialectKind[];
  readonly out: string;
  /** Timed runs per measurement (after warm-up); slow measurements use fewer (printed). */
  readonly repeat: number;
  /** Regenerate the data set even if a matching one exists. */
  readonly regen: boolean;
  /** Only generate the data. */
  readonly generateOnly: boolean;
  /** Skip the query measurements (e.g. with --load to run only the load test). */
  readonly skipQueries: boolean;
  /** Run the concurrent-load test. */
  readonly load: boolean;
  readonly loadSeconds: number;
  readonly loadReaders: number;
  /** Only reprint the tables and redraw the charts from the JSON results already in `out` (`--report`). */
  readonly reportOnly: boolean;
  /** With `--report`: print Markdown tables. */
  readonly markdown: boolean;
  /** Where the charts go (default: `out`). */
  readonly charts: string;
  /** PostgreSQL: statistics target of rg_group_contact.group_id (-1 = server default, as migrated). */
  readonly pgGroupStatistics: number;
  /** PostgreSQL session settings for the benchmark connections (`name=value`), e.g. `jit=off`. */
  readonly pgSettings: readonly string[];
  /** Also measure the realistic country-sales scenario (`--country-sales`), or only it (`--country-sales-only`). */
  readonly countrySales: 'no' | 'also' | 'only';
  /** Scenario keys to measure (default: all). */
  readonly scenarios: readonly string[] | null;
  /** The command line, printed with the results. */
  readonly commandLine: string;
}

const USAGE = `usage: node dist/bench-main.js [options]
  --size 10k|100k|1m[,...]         data-set size(s) (default 10k)
  --dialects sqlite,mysql,postgres  dialects to run (default all three; servers that are down are skipped)
  --out DIR                         results directory (default bench/results)
  --repeat N                        timed runs per measurement after warm-up (default 7)
  --regen                           regenerate the data set even if it exists
  --generate-only                   only generate the data set(s)
  --load                            also run the concurrent-load test (8 readers + a writer process)
  --load-only                       run only the load test (no query measurements)
  --load-seconds S                  duration of the load test (default 30)
  --readers N                       concurrent readers in the load test (default 8)
  --pg-group-stats N                PostgreSQL: statistics target of rg_group_contact.group_id (default -1 = as migrated)
  --pg-set name=value               PostgreSQL: a session setting on every benchmark connection (repeatable), e.g. jit=off
  --country-sales                   also measure the realistic country-sales organisation (own data set per size)
  --country-sales-only              measure only the country-sales organisation
  --scenarios k1,k2                 only these subjects (g01,g1,g10,g30,all,big10,token,smart,mixed)
  --report                          reprint the tables and redraw the charts from the JSON already in --out
  --markdown                        with --report: Markdown tables
  --charts DIR                      where to write the SVG charts (default: --out)
  --help`;

/**
 * Parses the command line (`util.parseArgs`).
 *
 * @example
 * ```ts
 * const options = parseBenchOptions(['--size', '1m', '--dialects', 'mysql,postgres']);
 * ```
 */
export function parseBenchOptions(argv: readonly string[], defaultOut: string): BenchOptions | null {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      size: { type: 'string', default: '10k' },
      dialects: { type: 'string', default: DIALECT_KINDS.join(',') },
      out: { type: 'string', default: defaultOut },
      repeat: { type: 'string', default: '7' },
      regen: { type: 'boolean', default: false },
      'generate-only': { type: 'boolean', default: false },
      load: { type: 'boolean', default: false },
      'load-only': { type: 'boolean', default: false },
      'load-seconds': { type: 'string', default: '30' },
      readers: { type: 'string', default: '8' },
      scenarios: { type: 'string' },
      'country-sales': { type: 'boolean', default: false },
      'country-sales-only': { type: 'boolean', default: false },
      'pg-group-stats': { type: 'string', default: '-1' },
      'pg-set': { type: 'string', multiple: true, default: [] },
      report: { type: 'boolean', default: false },
      markdown: { type: 'boolean', default: false },
      charts: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) {
    console.log(USAGE);
    return null;
  }
  const sizes = list(values.size).map((s) => s.toLowerCase());
  for (const s of sizes) if (!(s in SIZES)) throw new Error(`unknown size '${s}' (use ${Object.keys(SIZES).join(', ')})\n${USAGE}`);
  const dialects = list(values.dialects).map((d) => (d === 'mariadb' ? 'mysql' : d === 'pg' ? 'postgres' : d));
  for (const d of dialects) if (!(DIALECT_KINDS as readonly string[]).includes(d)) throw new Error(`unknown dialect '${d}'\n${USAGE}`);
  const repeat = positive(values.repeat, 'repeat');
  return {
    sizes: sizes as SizeName[],
    dialects: dialects as DialectKind[],
    out: values.out,
    repeat,
    regen: values.regen,
    generateOnly: values['generate-only'],
    skipQueries: values['load-only'],
    load: values.load || values['load-only'],
    loadSeconds: positive(values['load-seconds'], 'load-seconds'),
    loadReaders: positive(values.readers, 'readers'),
    reportOnly: values.report,
    markdown: values.markdown,
    charts: values.charts ?? values.out,
    scenarios: values.scenarios ? list(values.scenarios) : null,
    countrySales: values['country-sales-only'] ? 'only' : values['country-sales'] ? 'also' : 'no',
    pgGroupStatistics: statisticsTarget(values['pg-group-stats']),
    pgSettings: values['pg-set'].map((v) => {
      if (!/^[a-z_.]+=[A-Za-z0-9_.]+$/.test(v)) throw new Error(`--pg-set expects name=value (letters, digits, _ and .), got '${v}'`);
      return v;
    }),
    commandLine: ['node', 'dist/bench-main.js', ...argv].join(' '),
  };
}

function list(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

function positive(value: string, name: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer`);
  return n;
}

function statisticsTarget(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < -1 || n > 10_000) throw new Error('--pg-group-stats must be -1 or 0..10000');
  return n;
}
