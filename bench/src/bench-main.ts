import { execFileSync } from 'node:child_process';
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { parseBenchOptions, type BenchOptions } from './bench-options.js';
import { openBenchDatabase, serverUp, type BenchDatabase } from './bench-connections.js';
import { runDialect } from './bench-runner.js';
import { readResults, writeCharts } from './chart-writer.js';
import { GENERATOR_VERSION, type SizeName } from './dataset-plan.js';
import { generateDataSet, readDataSetInfo, type DataSetInfo } from './data-generator.js';
import { runLoadTest, type LoadResult } from './load-test.js';
import { reportRun } from './result-report.js';
import { describeError, formatMs } from './timing-stats.js';
import { countrySalesEngine, generateCountrySales, readCountrySalesInfo } from './country-sales-data.js';
import { COUNTRY_SALES_VERSION } from './country-sales-plan.js';
import { runCountrySales, TABLE_HEADER } from './country-sales-run.js';
import { createBenchEngine } from './bench-engine.js';

const BENCH_DIR = dirname(dirname(fileURLToPath(import.meta.url)));

function log(line: string): void {
  console.log(line);
}

/** The engine build measured: git commit, whether packages/core has local changes, when its dist was built. */
function coreBuild(): Record<string, string> {
  const root = dirname(BENCH_DIR);
  const git = (...args: string[]): string => {
    try {
      return execFileSync('git', args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    } catch {
      return '?';
    }
  };
  let built = '?';
  try {
    built = statSync(join(root, 'packages', 'core', 'dist', 'index.js')).mtime.toISOString();
  } catch {
    // not built
  }
  return { commit: git('rev-parse', '--short', 'HEAD'), coreChanges: git('status', '--porcelain', '--', 'packages/core/src') === '' ? 'none' : 'uncommitted', distBuilt: built };
}

function host(): Record<string, unknown> {
  return {
    core: coreBuild(),
    node: process.version,
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? '?',
    memoryGB: Math.round(os.totalmem() / 1073741824),
  };
}

async function prepareData(options: BenchOptions, dialect: BenchDatabase['dialect'], size: SizeName): Promise<{ bench: BenchDatabase; info: DataSetInfo }> {
  let bench = await openBenchDatabase(dialect, size, options.out, { fresh: false, pgSettings: options.pgSettings });
  let info = await readDataSetInfo(bench.db);
  if (options.regen || !info || info.generatorVersion !== GENERATOR_VERSION || info.size !== size) {
    await bench.close();
    log(`  generating the ${size} data set (bulk load, bypassing the audited write API)`);
    bench = await openBenchDatabase(dialect, size, options.out, { fresh: true, pgSettings: options.pgSettings });
    info = await generateDataSet(bench, log);
  } else {
    log(`  reusing the ${size} data set generated ${info.generatedAt} (${info.seconds.total ?? '?'} s); --regen to rebuild`);
    // A kept data set may predate the engine's latest migrations: bring its schema up to date (idempotent).
    await createBenchEngine(bench.db, dialect).engine.migrate();
  }
  return { bench, info };
}

/**
 * PostgreSQL only: sets the statistics target of `rg_group_contact.group_id` (-1 = the server default, what the
 * engine's migrations leave) and analyzes when it changed.
 */
async function applyGroupStatistics(bench: BenchDatabase, target: number): Promise<void> {
  if (bench.dialect !== 'postgres') return;
  const { rows } = await sql<{ v: unknown }>`select a.attstattarget as v from pg_attribute a join pg_class c on c.oid = a.attrelid
    where c.relname = 'rg_group_contact' and c.relnamespace = current_schema()::regnamespace and a.attname = 'group_id'`.execute(bench.db);
  const current = Number(rows[0]?.v ?? -1);
  if (current === target) return;
  log(`  setting the statistics target of rg_group_contact.group_id to ${target} (was ${current}) and analyzing`);
  await sql`alter table rg_group_contact alter column group_id set statistics ${sql.lit(target)}`.execute(bench.db);
  await sql`analyze rg_group_contact`.execute(bench.db);
}

function reportLoad(r: LoadResult): string {
  return [
    `\n### concurrent load, ${r.dialect}, ${r.size}: ${r.readers} readers (separate pools and engines) + 1 writer process, ${r.seconds} s`,
    `probe changes committed by the writer: ${r.probeCommits}; decisions checked against the last committed state: ${r.checked} (check ${r.byKind.check ?? 0}, checkMany ${r.byKind.checkMany ?? 0}, clause ${r.byKind.clause ?? 0}); overlapping a commit (not checked): ${r.overlapping}`,
    `stale decisions: ${r.stale}${r.staleExamples.length > 0 ? ` (${r.staleExamples.join('; ')})` : ''}`,
    `control (a clause compiled once and reused, as a cache would): stale in ${r.control.stale} of ${r.control.checked} checked decisions (the check does catch staleness)`,
    `reader errors: ${r.readerErrors} (deadlocks / lock timeouts: ${r.readerLockErrors})${r.readerFirstErrors.length > 0 ? ` first: ${r.readerFirstErrors.join('; ')}` : ''}`,
    `writer: ${r.writer.writes} committed writes (${r.writer.probeWrites} on probes), errors ${r.writer.errors} (deadlocks / lock timeouts: ${r.writer.lockErrors})${r.writer.firstErrors.length > 0 ? ` first: ${r.writer.firstErrors.join('; ')}` : ''}`,
    `background first pages: ${r.pages}; probe decision latency median ${formatMs(r.decisionMedianMs)} ms, p99 ${formatMs(r.decisionP99Ms)} ms`,
  ].join('\n');
}

/** The country-sales scenario on its own data set (generated once per dialect and size, then kept). */
async function countrySales(options: BenchOptions, dialect: BenchDatabase['dialect'], size: SizeName, machine: Record<string, unknown>): Promise<void> {
  const name = `rowguard_cs_${size}`;
  let bench = await openBenchDatabase(dialect, size, options.out, { fresh: false, pgSettings: options.pgSettings, name });
  try {
    let info = await readCountrySalesInfo(bench.db);
    if (options.regen || !info || info.version !== COUNTRY_SALES_VERSION || info.size !== size) {
      await bench.close();
      log(`  generating the country-sales ${size} data set`);
      bench = await openBenchDatabase(dialect, size, options.out, { fresh: true, pgSettings: options.pgSettings, name });
      info = await generateCountrySales(bench, log);
      log(`  generated in ${info.seconds} s`);
    } else {
      log(`  reusing the country-sales ${size} data set generated ${info.generatedAt} (${info.seconds} s); --regen to rebuild`);
      await countrySalesEngine(bench.db).migrate(); // a kept data set may predate the latest migrations
    }
    if (options.generateOnly) return;
    log(`\n### country-sales, ${dialect}, ${size} (medians of up to ${options.repeat} runs; page = first ${50} by sort name)\n${TABLE_HEADER}`);
    const rows = await runCountrySales(bench, info, { repeat: options.repeat, log });
    const file = join(options.out, `country-sales-${size}-${dialect}.json`);
    writeFileSync(file, `${JSON.stringify({ command: options.commandLine, host: machine, info, rows }, null, 2)}\n`);
    log(`results: ${file}`);
  } finally {
    await bench.close();
  }
}

async function main(): Promise<void> {
  const options = parseBenchOptions(process.argv.slice(2), join(BENCH_DIR, 'results'));
  if (!options) return;
  mkdirSync(options.out, { recursive: true });
  const machine = host();
  log(`rowguard bench: ${options.commandLine}`);
  log(`${new Date().toISOString()}  node ${process.version}, ${String(machine.cpus)} x ${String(machine.cpuModel)}, ${String(machine.memoryGB)} GB`);
  if (options.reportOnly) {
    for (const { command, run } of readResults(options.out)) {
      log(`\n${command}`);
      log(reportRun(run, options.markdown));
    }
    for (const f of writeCharts(options.out, options.charts)) log(`chart: ${f}`);
    return;
  }
  const notes: string[] = [];
  for (const size of options.sizes) {
    for (const dialect of options.dialects) {
      log(`\n== ${dialect}, ${size}`);
      if (!(await serverUp(dialect))) {
        const note = `${dialect}: server not reachable, skipped`;
        notes.push(note);
        log(`  ${note}`);
        continue;
      }
      if (options.countrySales !== 'no') {
        try {
          await countrySales(options, dialect, size, machine);
        } catch (error) {
          notes.push(`${dialect} ${size} country-sales: failed: ${describeError(error)}`);
          console.error(error);
        }
        if (options.countrySales === 'only') continue;
      }
      const { bench, info } = await prepareData(options, dialect, size);
      try {
        await applyGroupStatistics(bench, options.pgGroupStatistics);
        if (!options.generateOnly && !options.skipQueries) {
          const run = await runDialect(bench, info, { repeat: options.repeat, scenarios: options.scenarios, log });
          log(reportRun(run));
          const file = join(options.out, `bench-${size}-${dialect}.json`);
          writeFileSync(file, `${JSON.stringify({ command: options.commandLine, host: machine, run }, null, 2)}\n`);
          log(`results: ${file}`);
        }
        if (options.load) {
          if (dialect === 'sqlite') log('  load test: MariaDB and PostgreSQL only (skipped on SQLite)');
          else {
            log('  concurrent-load test');
            const result = await runLoadTest(bench, { seconds: options.loadSeconds, readers: options.loadReaders, out: options.out, log });
            log(reportLoad(result));
            const file = join(options.out, `load-${size}-${dialect}.json`);
            writeFileSync(file, `${JSON.stringify({ command: options.commandLine, host: machine, result }, null, 2)}\n`);
            log(`results: ${file}`);
          }
        }
      } catch (error) {
        const note = `${dialect} ${size}: failed: ${describeError(error)}`;
        notes.push(note);
        console.error(error);
      } finally {
        await bench.close();
      }
    }
  }
  if (!options.generateOnly && !options.skipQueries) {
    const charts = writeCharts(options.out, options.charts);
    if (charts.length > 0) log(`\ncharts (${charts.length}) in ${options.charts}`);
  }
  if (notes.length > 0) log(`\nnotes:\n  ${notes.join('\n  ')}`);
  if (notes.some((n) => n.includes('failed'))) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
