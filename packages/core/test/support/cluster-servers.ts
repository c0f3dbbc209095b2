import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Kysely, MysqlDialect, PostgresDialect } from 'kysely';
import { createPool, type Pool } from 'mysql2';
import pg from 'pg';
import { serverSideParameters } from '../../src/index.js';
import { testDatabaseName } from './test-databases.js';

const run = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));
/** The project script that starts and stops the clusters. */
export const CLUSTERS_SCRIPT = resolve(here, '../../../../scripts/clusters.sh');

/** The Galera nodes' client ports (node 1, 2, 3). */
export const GALERA_PORTS = [3311, 3312, 3313] as const;
/** The PostgreSQL primary and hot standby. */
export const PG_PAIR = { primary: 5433, standby: 5434 } as const;

/** Runs the cluster script (start / stop / status / start-node / pid ...) and returns its stdout. */
export async function clusters(...args: string[]): Promise<string> {
  const { stdout } = await run('bash', [CLUSTERS_SCRIPT, ...args], { timeout: 600_000, maxBuffer: 16 * 1024 * 1024 });
  return stdout.trim();
}

async function galeraReady(): Promise<boolean> {
  for (const port of GALERA_PORTS) {
    const pool = createPool({ host: '127.0.0.1', port, user: 'root', password: '', connectionLimit: 1, connectTimeout: 2_000 });
    try {
      const [rows] = await pool.promise().query("show global status where variable_name in ('wsrep_cluster_size', 'wsrep_local_state_comment')");
      const status = new Map((rows as { Variable_name: string; Value: string }[]).map((r) => [r.Variable_name.toLowerCase(), r.Value]));
      if (status.get('wsrep_cluster_size') !== '3' || status.get('wsrep_local_state_comment') !== 'Synced') return false;
    } catch {
      return false;
    } finally {
      await pool.promise().end().catch(() => undefined);
    }
  }
  return true;
}

async function pgPairReady(): Promise<boolean> {
  const client = new pg.Client({ host: '127.0.0.1', port: PG_PAIR.standby, user: 'postgres', database: 'test', connectionTimeoutMillis: 2_000 });
  try {
    await client.connect();
    const { rows } = await client.query<{ r: boolean; s: string | null }>('select pg_is_in_recovery() as r, (select status from pg_stat_wal_receiver) as s');
    return rows[0]?.r === true && rows[0]?.s === 'streaming';
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Whether a cluster suite can run: the cluster answers already, or the project script can start it (root,
 * the server binaries present). Starts nothing (call it at import time; {@link ensureCluster} starts the
 * cluster once the suite lock is held). When it cannot run: under CI=true this throws (cluster suites are
 * mandatory there); otherwise it notes why and returns false, and the suite is skipped.
 */
export async function clusterPossible(kind: 'galera' | 'pg'): Promise<boolean> {
  if (kind === 'galera' ? await galeraReady() : await pgPairReady()) return true;
  const missing: string[] = [];
  if (process.getuid?.() !== 0) missing.push('root (the script runs the servers as mysql / postgres)');
  if (!existsSync(CLUSTERS_SCRIPT)) missing.push(CLUSTERS_SCRIPT);
  if (kind === 'galera') {
    if (!existsSync('/usr/sbin/mariadbd')) missing.push('mariadbd (mariadb-server)');
    if (!existsSync('/usr/lib/galera/libgalera_smm.so') && !existsSync('/usr/bin/apt-get')) missing.push('galera-4 (and apt-get to install it)');
  } else if (!existsSync(`${process.env.ROWGUARD_PG_BIN ?? '/usr/lib/postgresql/15/bin'}/pg_ctl`)) {
    missing.push('PostgreSQL 15 binaries (/usr/lib/postgresql/15/bin)');
  }
  if (missing.length === 0) return true;
  const message = `the ${kind} cluster cannot be started here: missing ${missing.join(', ')}`;
  if (process.env.CI === 'true') throw new Error(`${message} (cluster suites are mandatory under CI=true)`);
  console.warn(`[rowguard tests] ${message}; skipping the ${kind} cluster suite (mandatory under CI=true)`);
  return false;
}

/**
 * Makes sure a cluster runs, starting it with the project script (`start`, idempotent) when it does not.
 * Call it with the suite lock held. Throws when the cluster cannot be started.
 */
export async function ensureCluster(kind: 'galera' | 'pg'): Promise<void> {
  if (kind === 'galera' ? await galeraReady() : await pgPairReady()) return;
  try {
    await clusters('start', kind);
  } catch (error) {
    throw new Error(`the ${kind} cluster could not be started with scripts/clusters.sh: ${(error as { stderr?: string }).stderr ?? String(error)}`);
  }
}

const LOCK_DIR = join(process.env.ROWGUARD_CLUSTER_DIR ?? '/var/tmp/rowguard-clusters', '.suite-lock');

/**
 * Takes the lock that runs the cluster test files one at a time (they kill and restart nodes, and share the
 * clusters): a directory created atomically, holding the owner's pid; a lock whose owner died is taken over.
 * Returns the release function.
 */
export async function lockClusterSuite(): Promise<() => void> {
  mkdirSync(dirname(LOCK_DIR), { recursive: true });
  for (;;) {
    try {
      mkdirSync(LOCK_DIR);
      writeFileSync(join(LOCK_DIR, 'pid'), String(process.pid));
      return () => rmSync(LOCK_DIR, { recursive: true, force: true });
    } catch {
      let owner = NaN;
      try {
        owner = Number(readFileSync(join(LOCK_DIR, 'pid'), 'utf8'));
      } catch {
        // Being created right now: wait.
      }
      if (Number.isInteger(owner) && owner > 0 && !alive(owner)) rmSync(LOCK_DIR, { recursive: true, force: true });
      await new Promise((done) => setTimeout(done, 250));
    }
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The URL of a Galera node's database (for child processes and `connectDatabase`). */
export function galeraUrl(node: number, database: string): string {
  return `mysql://root@127.0.0.1:${GALERA_PORTS[node - 1]}/${database}`;
}

/** A Kysely instance on one Galera node's database, values bound on the server (as `connectDatabase` does). */
export function galeraDb(node: number, database: string, connectionLimit = 5): { db: Kysely<any>; pool: Pool } {
  const pool = createPool({
    host: '127.0.0.1',
    port: GALERA_PORTS[node - 1],
    user: 'root',
    password: '',
    database,
    connectionLimit,
    supportBigNumbers: true,
    dateStrings: true,
    maxPreparedStatements: 64,
    connectTimeout: 5_000,
  });
  pool.on('connection', (c) => c.on('error', () => undefined));
  return { db: new Kysely<any>({ dialect: new MysqlDialect({ pool: serverSideParameters(pool, { statementTimeoutMs: 30_000 }) }) }), pool };
}

/** Creates a fresh database for `scope` on the Galera cluster (through node 1) and returns its name. */
export async function freshGaleraDatabase(scope: string): Promise<string> {
  const name = testDatabaseName(scope);
  const admin = createPool({ host: '127.0.0.1', port: GALERA_PORTS[0], user: 'root', password: '', connectionLimit: 1 }).promise();
  try {
    await admin.query(`drop database if exists \`${name}\``);
    await admin.query(`create database \`${name}\` character set utf8mb4`);
  } finally {
    await admin.end();
  }
  return name;
}

/** A PostgreSQL URL on the pair (primary or standby), database `test`. */
export function pgUrl(which: keyof typeof PG_PAIR): string {
  return `postgres://postgres@127.0.0.1:${PG_PAIR[which]}/test`;
}

/** A Kysely instance on the pair's primary or standby, in schema `schema`. */
export function pgDb(which: keyof typeof PG_PAIR, schema: string, max = 5): Kysely<any> {
  const pool = new pg.Pool({ connectionString: pgUrl(which), max, options: `-c search_path=${schema}`, connectionTimeoutMillis: 5_000 });
  pool.on('error', () => undefined);
  return new Kysely<any>({ dialect: new PostgresDialect({ pool }) });
}

/** Creates a fresh schema for `scope` on the primary (the standby gets it by replication) and returns its name. */
export async function freshPgSchema(scope: string): Promise<string> {
  const name = testDatabaseName(scope);
  const client = new pg.Client({ connectionString: pgUrl('primary') });
  await client.connect();
  try {
    await client.query(`drop schema if exists "${name}" cascade`);
    await client.query(`create schema "${name}"`);
  } finally {
    await client.end();
  }
  return name;
}
