/**
 * The cluster benchmark: decision latency, first page and count on a Galera node and on a PostgreSQL hot
 * standby, beside the single servers, in one run, with ratios. Needs the test clusters
 * (`scripts/clusters.sh start all`) and the default servers (MariaDB 3306, PostgreSQL 5432).
 *
 * Usage: `pnpm --filter @rowguard/bench run cluster-bench [--contacts 5000] [--repeat 200]`
 */
import { loadavg } from 'node:os';
import { sql, Kysely, MysqlDialect, PostgresDialect } from 'kysely';
import { createPool } from 'mysql2';
import pg from 'pg';
import { createRowguard, serverSideParameters, type Domain, type Rowguard, type RowguardOptions, type SubjectSession } from '@rowguard/core';
import { formatMs, formatRatio, median } from './timing-stats.js';

const SCHEMA = 'rowguard_cluster_bench';
const ATTRIBUTES = { country: { type: 'text' } } as const;
const COUNTRIES = ['FR', 'VN', 'DE', 'KH', 'US'];

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const value = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a positive integer`);
  return value;
}

function mysqlDb(port: number, database?: string): Kysely<any> {
  const pool = createPool({ host: '127.0.0.1', port, user: 'root', password: '', database, connectionLimit: 4, supportBigNumbers: true, dateStrings: true, maxPreparedStatements: 64 });
  return new Kysely<any>({ dialect: new MysqlDialect({ pool: serverSideParameters(pool) }) });
}

function pgDb(port: number, schema: string): Kysely<any> {
  return new Kysely<any>({
    dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: `postgres://postgres@127.0.0.1:${port}/test`, max: 4, options: `-c search_path=${schema}` }) }),
  });
}

/** One place decisions are read: the engine that reads there, and the session maker. */
interface Target {
  readonly name: string;
  readonly baseline: string;
  readonly engine: Rowguard;
  readonly readDb: Kysely<any>;
  session(domain: Domain, contactId: number): Promise<SubjectSession>;
}

/** Writes the data set through `writer`: contacts in bulk, one role over a tokenized smart group, a static group. */
async function seed(writer: Rowguard, db: Kysely<any>, contacts: number): Promise<{ domain: string; subject: number; ids: number[] }> {
  await writer.migrate();
  const domain = await writer.domain('cluster-bench');
  const admin = domain.admin('bench');
  const existing = await db.selectFrom('rg_contact').select(db.fn.countAll().as('n')).where('domain_id', '=', domain.id).executeTakeFirst();
  if (Number(existing?.n ?? 0) < contacts) {
    await sql`delete from rg_contact where domain_id = ${domain.id}`.execute(db);
    for (let start = 0; start < contacts; start += 1000) {
      const rows = Array.from({ length: Math.min(1000, contacts - start) }, (_, i) => ({
        domain_id: domain.id,
        contact_key: `c${start + i}`,
        contact_type: 'Individual',
        sort_name: `Contact ${String(start + i).padStart(6, '0')}`,
        is_deleted: 0,
        country: COUNTRIES[(start + i) % COUNTRIES.length],
      }));
      await db.insertInto('rg_contact').values(rows).execute();
    }
    await admin.transaction(async (tx) => {
      const same = await tx.createGroup({ name: 'Same country', kind: 'smart', criteria: { field: 'country', op: '=', value: { $subject: 'country' } } });
      const staff = await tx.createGroup({ name: 'Staff', kind: 'static' });
      const role = await tx.createRole({ name: 'Staff' });
      await tx.assignRole({ roleId: role, assignee: { type: 'group', id: staff } });
      await tx.createEntry({ effect: 'allow', operation: 'view', owner: { type: 'role', id: role }, object: { type: 'group-members', groupId: same } });
      const first = await db.selectFrom('rg_contact').select('id').where('domain_id', '=', domain.id).orderBy('id').executeTakeFirstOrThrow();
      await tx.setMembership({ groupId: staff, contactId: Number(first.id), status: 'Added' });
    });
  }
  const rows = await db.selectFrom('rg_contact').select('id').where('domain_id', '=', domain.id).orderBy('id').execute();
  const ids = rows.map((r) => Number(r.id));
  return { domain: 'cluster-bench', subject: ids[0] as number, ids };
}

type Figure = 'decision' | 'page' | 'count';
const FIGURES: readonly Figure[] = ['decision', 'page', 'count'];

/** One run of one figure on a target, in milliseconds. */
async function once(target: Target, domain: Domain, figure: Figure, subject: number, contactId: number): Promise<number> {
  const started = performance.now();
  const session = await target.session(domain, subject);
  if (figure === 'decision') await session.check('view', contactId);
  else if (figure === 'page') await session.listIds('view', { limit: 50 });
  else {
    const clause = await session.clause('view', { alias: 'c', purpose: 'count' });
    await target.readDb.selectFrom('rg_contact as c').select(target.readDb.fn.countAll().as('n')).where(clause).executeTakeFirst();
  }
  return performance.now() - started;
}

async function main(): Promise<void> {
  const contacts = arg('contacts', 5000);
  const repeat = arg('repeat', 200);
  const base = { contacts: { attributes: ATTRIBUTES }, onError: () => undefined } satisfies Partial<RowguardOptions>;
  const closers: Kysely<any>[] = [];
  const open = <T extends Kysely<any>>(db: T) => (closers.push(db), db);

  // MariaDB: the single server, and Galera (written through node 1, read on node 2).
  for (const port of [3306, 3311]) {
    const admin = createPool({ host: '127.0.0.1', port, user: 'root', password: '', connectionLimit: 1 }).promise();
    await admin.query(`create database if not exists \`${SCHEMA}\` character set utf8mb4`);
    await admin.end();
  }
  const mysqlSingle = open(mysqlDb(3306, SCHEMA));
  const galera1 = open(mysqlDb(3311, SCHEMA));
  const galera2 = open(mysqlDb(3312, SCHEMA));
  // PostgreSQL: the single server, and the pair (written on the primary, read on the standby).
  for (const port of [5432, 5433]) {
    const client = new pg.Client({ connectionString: `postgres://postgres@127.0.0.1:${port}/test` });
    await client.connect();
    await client.query(`create schema if not exists ${SCHEMA}`);
    await client.end();
  }
  const pgSingle = open(pgDb(5432, SCHEMA));
  const pgPrimary = open(pgDb(5433, SCHEMA));
  const pgStandby = open(pgDb(5434, SCHEMA));

  const singleMysql = createRowguard({ db: mysqlSingle, ...base });
  const galeraWriter = createRowguard({ db: galera1, cluster: { kind: 'galera' }, ...base });
  const galeraReader = createRowguard({ db: galera2, cluster: { kind: 'galera' }, ...base });
  // The same node without causal reads: what wsrep_sync_wait costs.
  const galeraPlain = createRowguard({ db: galera2, ...base });
  const singlePg = createRowguard({ db: pgSingle, ...base });
  const replicated = createRowguard({ db: pgPrimary, replicas: [pgStandby], cluster: { kind: 'postgres-replicas' }, ...base });

  const seeds = {
    mysql: await seed(singleMysql, mysqlSingle, contacts),
    galera: await seed(galeraWriter, galera1, contacts),
    pg: await seed(singlePg, pgSingle, contacts),
    replica: await seed(replicated, pgPrimary, contacts),
  };
  const token = await replicated.consistencyToken();
  const targets: [Target, keyof typeof seeds][] = [
    [{ name: 'MariaDB single server', baseline: 'MariaDB single server', engine: singleMysql, readDb: mysqlSingle, session: async (d, c) => d.subject({ contactId: c }) }, 'mysql'],
    [{ name: 'Galera node 2 (causal reads)', baseline: 'MariaDB single server', engine: galeraReader, readDb: galera2, session: async (d, c) => d.subject({ contactId: c }) }, 'galera'],
    [{ name: 'Galera node 2, no causal read', baseline: 'MariaDB single server', engine: galeraPlain, readDb: galera2, session: async (d, c) => d.subject({ contactId: c }) }, 'galera'],
    [{ name: 'PostgreSQL single server', baseline: 'PostgreSQL single server', engine: singlePg, readDb: pgSingle, session: async (d, c) => d.subject({ contactId: c }) }, 'pg'],
    [{ name: 'PostgreSQL standby, no token', baseline: 'PostgreSQL single server', engine: replicated, readDb: pgStandby, session: async (d, c) => d.subject({ contactId: c }) }, 'replica'],
    [{ name: 'PostgreSQL standby, with token', baseline: 'PostgreSQL single server', engine: replicated, readDb: pgStandby, session: (d, c) => d.subjectAfter(token, { contactId: c }) }, 'replica'],
  ];
  console.log(`cluster bench: ${contacts} contacts per database, ${repeat} runs per figure and place (medians, in ms; every place measured in turn, round by round, so all see the same load), load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  const samples = new Map<string, Record<Figure, number[]>>(targets.map(([t]) => [t.name, { decision: [], page: [], count: [] }]));
  const domains = new Map<string, Domain>();
  for (const [t] of targets) domains.set(t.name, await t.engine.domain('cluster-bench'));
  const ROUNDS = 10;
  for (let round = 0; round < ROUNDS + 1; round++) {
    for (const [target, key] of targets) {
      const s = seeds[key];
      for (const figure of FIGURES) {
        for (let i = 0; i < Math.ceil(repeat / ROUNDS); i++) {
          const ms = await once(target, domains.get(target.name)!, figure, s.subject, s.ids[(round * 7919 + i * 104729) % s.ids.length] as number);
          // The first round warms the caches and connections up: not counted.
          if (round > 0) samples.get(target.name)![figure].push(ms);
        }
      }
    }
  }
  const pad = (text: string, n: number) => text.padEnd(n);
  console.log(`${pad('where', 34)}${pad('decision', 20)}${pad('first page (50)', 20)}${pad('count', 20)}`);
  for (const [target] of targets) {
    const r = samples.get(target.name)!;
    const b = samples.get(target.baseline)!;
    const cell = (k: Figure) =>
      pad(`${formatMs(median(r[k]))}${target.name === target.baseline ? '' : ` (${formatRatio(median(r[k]) / median(b[k]))})`}`, 20);
    console.log(`${pad(target.name, 34)}${cell('decision')}${cell('page')}${cell('count')}`);
  }
  console.log(`ratios: against the single server of the same database; replica token sessions ${JSON.stringify(replicated.replicaReadCounts)}; load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  await Promise.all(closers.map((db) => db.destroy()));
}

await main();
