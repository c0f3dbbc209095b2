import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import type { DialectKind, Operation } from '@rowguard/core';
import { openBenchDatabase, serverUp } from './bench-connections.js';
import { createBenchEngine } from './bench-engine.js';
import { generateDataSet, readDataSetInfo } from './data-generator.js';
import { DOMAIN_NAME, GENERATOR_VERSION, SIZES, type SizeName } from './dataset-plan.js';
import { RandomSource } from './random-source.js';
import { formatMs, median } from './timing-stats.js';

// The reverse lookup (`domain.whoCan`) on the benchmark world: the median time for one contact, with and
// without reach counts, on the data set of a size (generated once and kept, like `pnpm bench`).
//   node bench/dist/who-can-bench.js --size 100k --dialect sqlite --samples 200

const BENCH_DIR = dirname(dirname(fileURLToPath(import.meta.url)));

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length - 1) * p))] ?? Number.NaN;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      size: { type: 'string', default: '100k' },
      dialect: { type: 'string', default: 'sqlite' },
      samples: { type: 'string', default: '200' },
      out: { type: 'string', default: join(BENCH_DIR, 'results') },
    },
  });
  const size = values.size as SizeName;
  const dialect = values.dialect as DialectKind;
  if (!(size in SIZES)) throw new Error(`--size must be one of ${Object.keys(SIZES).join(', ')}`);
  if (!['sqlite', 'mysql', 'postgres'].includes(dialect)) throw new Error('--dialect must be sqlite, mysql or postgres');
  if (!(await serverUp(dialect))) throw new Error(`${dialect}: server not reachable`);
  const samples = Math.max(10, Number(values.samples));

  let bench = await openBenchDatabase(dialect, size, values.out, { fresh: false });
  let info = await readDataSetInfo(bench.db);
  if (!info || info.generatorVersion !== GENERATOR_VERSION || info.size !== size) {
    await bench.close();
    console.log(`generating the ${size} data set on ${dialect} (once; kept for later runs)`);
    bench = await openBenchDatabase(dialect, size, values.out, { fresh: true });
    info = await generateDataSet(bench, (line) => console.log(line));
  }
  try {
    const { engine, errors } = createBenchEngine(bench.db, dialect);
    await engine.migrate(); // a kept data set may predate the latest migrations
    const domain = await engine.domain(DOMAIN_NAME);
    const { rows } = await sql<{ lo: unknown; hi: unknown; n: unknown }>`select min(id) as lo, max(id) as hi, count(*) as n from rg_contact`.execute(bench.db);
    const lo = Number(rows[0]?.lo);
    const hi = Number(rows[0]?.hi);
    const policy = await domain.policy();
    console.log(
      `who-can bench: ${dialect}, ${size} (${Number(rows[0]?.n)} contacts, ${policy.entries.length} entries, ${policy.groups.size} groups, ${policy.roles.size} roles), ${samples} contacts per operation`,
    );
    const random = new RandomSource(20261126);
    const ids = Array.from({ length: samples }, () => lo + Math.floor(random.next() * (hi - lo + 1)));
    const first = performance.now();
    await domain.whoCan('view', ids[0] as number);
    console.log(`first lookup (snapshot load, delegation checks, reach counts of its groups and roles): ${formatMs(performance.now() - first)} ms`);
    for (const op of ['view', 'edit'] as Operation[]) {
      for (const reach of [true, false]) {
        const times: number[] = [];
        let holders = 0;
        for (const id of ids) {
          const t0 = performance.now();
          const report = await domain.whoCan(op, id, { reach });
          times.push(performance.now() - t0);
          holders += report.holders.length;
        }
        console.log(
          `whoCan('${op}') ${reach ? 'with reach counts   ' : 'without reach counts'}: median ${formatMs(median(times))} ms, p95 ${formatMs(percentile(times, 0.95))} ms, max ${formatMs(Math.max(...times))} ms; ${(holders / ids.length).toFixed(1)} holders per contact`,
        );
      }
    }
    console.log(`load average: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')} (${os.cpus().length} CPUs); errors reported: ${errors.length}`);
  } finally {
    await bench.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
