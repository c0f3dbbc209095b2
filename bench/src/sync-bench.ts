/**
 * The host sync benchmark: a first sync of N WordPress users with three roles each (`HostSync.reconcileAll`,
 * batched statements) on MariaDB and PostgreSQL, then `reconcileUser` after role changes, with the load
 * average. Run: `pnpm --filter @rowguard/bench run sync-bench -- --users 100000`.
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import { Kysely, MysqlDialect, PostgresDialect } from 'kysely';
import { createPool } from 'mysql2';
import pg from 'pg';
import { createRowguard, type DialectKind } from '@rowguard/core';
import { HostSync, wordpressSource } from '@rowguard/adapters';
import { BENCH_ROLES, capabilities, loadWordpressUsers } from './sync-bench-host.js';

const SCHEMA = 'rowguard_syncbench';
const MYSQL = { host: process.env.ROWGUARD_MYSQL_HOST ?? '127.0.0.1', port: Number(process.env.ROWGUARD_MYSQL_PORT ?? 3306), user: process.env.ROWGUARD_MYSQL_USER ?? 'root', password: process.env.ROWGUARD_MYSQL_PASSWORD ?? '' };
const PG_URL = process.env.ROWGUARD_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

const load = () => os.loadavg().map((x) => x.toFixed(2)).join(' ');

/** A fresh database (MariaDB) or schema (PostgreSQL) for the benchmark. */
async function open(dialect: DialectKind): Promise<Kysely<any>> {
  if (dialect === 'mysql') {
    const admin = createPool({ ...MYSQL, connectionLimit: 1 }).promise();
    await admin.query(`drop database if exists \`${SCHEMA}\``);
    await admin.query(`create database \`${SCHEMA}\` character set utf8mb4`);
    await admin.end();
    return new Kysely<any>({ dialect: new MysqlDialect({ pool: createPool({ ...MYSQL, database: SCHEMA, connectionLimit: 4, supportBigNumbers: true }) }) });
  }
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  await admin.query(`drop schema if exists ${SCHEMA} cascade`);
  await admin.query(`create schema ${SCHEMA}`);
  await admin.end();
  return new Kysely<any>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: PG_URL, max: 4, options: `-c search_path=${SCHEMA}` }) }) });
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
}
function pct(xs: readonly number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(s.length * p))] ?? NaN;
}

async function run(dialect: DialectKind, users: number, batchSize: number, samples: number): Promise<void> {
  const db = await open(dialect);
  try {
    const loadStart = performance.now();
    await loadWordpressUsers(db, dialect, users);
    const loadMs = performance.now() - loadStart;
    const engine = createRowguard({ db, contacts: { attributes: { email: { type: 'text' } } } });
    await engine.migrate();
    const domain = await engine.domain('syncbench');
    const mappings = [];
    for (const role of BENCH_ROLES) mappings.push({ hostRole: role, groupId: await domain.admin('bench').createGroup({ name: role, kind: 'static' }) });
    const sync = new HostSync(domain, wordpressSource(db, { prefix: 'wp_' }), { emailAttribute: 'email', mappings });

    const before = load();
    const cpu = process.cpuUsage();
    const started = performance.now();
    const report = await sync.reconcileAll({ batchSize, listLimit: 0 });
    const seconds = (performance.now() - started) / 1000;
    const used = process.cpuUsage(cpu);
    const cpuSeconds = (used.user + used.system) / 1e6;
    const after = load();
    console.log(
      `${dialect}: first sync of ${report.users} users (3 roles each, ${report.changes.addedCount} memberships, ${report.changes.created} contacts) ` +
        `in ${seconds.toFixed(1)} s = ${Math.round(report.users / seconds)} users/s (batch ${batchSize}; Node process CPU ${cpuSeconds.toFixed(1)} s; host tables loaded in ${(loadMs / 1000).toFixed(1)} s); load average ${before} -> ${after}`,
    );

    const times: number[] = [];
    const unchanged: number[] = [];
    for (let i = 0; i < samples; i++) {
      const key = 1 + Math.floor((i * 7919) % users);
      const roles = i % 2 === 0 ? ['subscriber'] : ['editor', 'author'];
      await db.updateTable('wp_usermeta').set({ meta_value: capabilities(roles) }).where('user_id', '=', key).where('meta_key', '=', 'wp_capabilities').execute();
      const t0 = performance.now();
      await sync.reconcileUser(`wp:${key}`);
      times.push(performance.now() - t0);
      const t1 = performance.now();
      await sync.reconcileUser(`wp:${key}`);
      unchanged.push(performance.now() - t1);
    }
    console.log(
      `${dialect}: reconcileUser after a role change, ${samples} users: median ${median(times).toFixed(2)} ms, p95 ${pct(times, 0.95).toFixed(2)} ms; ` +
        `again with nothing to change: median ${median(unchanged).toFixed(2)} ms; load average ${load()}`,
    );
  } finally {
    await db.destroy();
  }
}

const { values } = parseArgs({
  options: {
    users: { type: 'string', default: '100000' },
    dialects: { type: 'string', default: 'mysql,postgres' },
    batch: { type: 'string', default: '1000' },
    samples: { type: 'string', default: '200' },
  },
});
const users = Number(values.users);
const batch = Number(values.batch);
const samples = Number(values.samples);
if (!Number.isInteger(users) || users < 1 || !Number.isInteger(batch) || batch < 1 || !Number.isInteger(samples) || samples < 1) {
  console.error('usage: sync-bench [--users N] [--dialects mysql,postgres] [--batch N] [--samples N]');
  process.exit(2);
}
console.log(`host sync benchmark: ${users} WordPress users, cpus ${os.cpus().length}, load average ${load()}`);
console.log(`command: pnpm --filter @rowguard/bench run sync-bench -- --users ${users} --dialects ${values.dialects} --batch ${batch} --samples ${samples}`);
for (const d of (values.dialects ?? '').split(',')) {
  if (d !== 'mysql' && d !== 'postgres') throw new Error(`unknown dialect '${d}'`);
  await run(d, users, batch, samples);
}
