import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, MysqlDialect, PostgresDialect, SqliteDialect, type LogEvent } from 'kysely';
import { createPool } from 'mysql2';
import pg from 'pg';
import type { DialectKind } from '@rowguard/core';
import type { SizeName } from './dataset-plan.js';

/** Server settings (the same environment variables as the test suites). */
const MYSQL = {
  host: process.env.ROWGUARD_MYSQL_HOST ?? '127.0.0.1',
  port: Number(process.env.ROWGUARD_MYSQL_PORT ?? 3306),
  user: process.env.ROWGUARD_MYSQL_USER ?? 'root',
  password: process.env.ROWGUARD_MYSQL_PASSWORD ?? '',
};
const PG_URL = process.env.ROWGUARD_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** Statement timeout on every benchmark connection, so one pathological plan cannot stall a run. */
export const STATEMENT_TIMEOUT_SECONDS = 30;

/** The benchmark database of one dialect and size. */
export interface BenchDatabase {
  readonly dialect: DialectKind;
  readonly size: SizeName;
  /** MariaDB database / PostgreSQL schema / SQLite file. */
  readonly location: string;
  /** The main handle (pool of 4). */
  readonly db: Kysely<any>;
  /** Opens another, independent connection pool on the same database (a reader or writer "process"). */
  openPool(size: number, log?: (event: LogEvent) => void): Kysely<any>;
  /** A raw PostgreSQL client on the benchmark schema (for session settings such as RLS); PostgreSQL only. */
  pgClient(): Promise<pg.Client>;
  close(): Promise<void>;
}

/**
 * The MariaDB database / PostgreSQL schema name of a size.
 *
 * @example
 * ```ts
 * benchSchemaName('1m'); // 'rowguard_bench_1m'
 * ```
 */
export function benchSchemaName(size: SizeName): string {
  return `rowguard_bench_${size}`;
}

/**
 * Whether the server of a dialect answers (SQLite always does).
 *
 * @example
 * ```ts
 * if (!(await serverUp('mysql'))) console.log('MariaDB is down, skipped');
 * ```
 */
export async function serverUp(dialect: DialectKind): Promise<boolean> {
  if (dialect === 'sqlite') return true;
  if (dialect === 'mysql') {
    const pool = createPool({ ...MYSQL, connectionLimit: 1, connectTimeout: 3000 }).promise();
    try {
      await pool.query('select 1');
      return true;
    } catch {
      return false;
    } finally {
      await pool.end().catch(() => undefined);
    }
  }
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Opens (and with `fresh`, first drops and recreates) the benchmark database of a dialect and size: MariaDB
 * database `rowguard_bench_<size>`, PostgreSQL schema `rowguard_bench_<size>` in the test database, SQLite
 * file `<out>/rowguard-bench-<size>.sqlite` (`name` replaces `rowguard_bench_<size>` / `rowguard-bench-<size>`). `pgSettings` (`name=value`, validated by the caller) are set on every
 * PostgreSQL connection.
 *
 * @example
 * ```ts
 * const bench = await openBenchDatabase('postgres', '10k', 'bench/results', { fresh: false });
 * ```
 */
export async function openBenchDatabase(
  dialect: DialectKind,
  size: SizeName,
  out: string,
  options: { fresh: boolean; pgSettings?: readonly string[]; name?: string },
): Promise<BenchDatabase> {
  const name = options.name ?? benchSchemaName(size);
  if (dialect === 'sqlite') {
    mkdirSync(out, { recursive: true });
    const file = join(out, `${options.name ?? `rowguard-bench-${size}`}.sqlite`);
    if (options.fresh) for (const f of [file, `${file}-wal`, `${file}-shm`]) if (existsSync(f)) rmSync(f);
    const open = (log?: (event: LogEvent) => void): Kysely<any> => {
      const database = new Database(file);
      database.pragma('journal_mode = WAL');
      database.pragma('busy_timeout = 10000');
      database.pragma('cache_size = -262144');
      return new Kysely<any>({ dialect: new SqliteDialect({ database }), ...(log ? { log } : {}) });
    };
    const db = open();
    return {
      dialect,
      size,
      location: file,
      db,
      openPool: (_size, log) => open(log),
      pgClient: () => Promise.reject(new Error('not PostgreSQL')),
      close: () => db.destroy(),
    };
  }
  if (dialect === 'mysql') {
    const admin = createPool({ ...MYSQL, connectionLimit: 1 }).promise();
    try {
      if (options.fresh) await admin.query(`drop database if exists \`${name}\``);
      await admin.query(`create database if not exists \`${name}\` character set utf8mb4`);
    } finally {
      await admin.end();
    }
    const open = (poolSize: number, log?: (event: LogEvent) => void): Kysely<any> => {
      const pool = createPool({ ...MYSQL, database: name, connectionLimit: poolSize, supportBigNumbers: true, dateStrings: true });
      pool.on('connection', (conn) => {
        conn.query('set session max_statement_time = ?', [STATEMENT_TIMEOUT_SECONDS]);
      });
      return new Kysely<any>({ dialect: new MysqlDialect({ pool }), ...(log ? { log } : {}) });
    };
    const db = open(4);
    return {
      dialect,
      size,
      location: `${MYSQL.host}:${MYSQL.port}/${name}`,
      db,
      openPool: open,
      pgClient: () => Promise.reject(new Error('not PostgreSQL')),
      close: () => db.destroy(),
    };
  }
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  try {
    if (options.fresh) await admin.query(`drop schema if exists ${name} cascade`);
    await admin.query(`create schema if not exists ${name}`);
  } finally {
    await admin.end();
  }
  const settings = [`search_path=${name}`, `statement_timeout=${STATEMENT_TIMEOUT_SECONDS * 1000}`, ...(options.pgSettings ?? [])].map((s) => `-c ${s}`).join(' ');
  const open = (poolSize: number, log?: (event: LogEvent) => void): Kysely<any> =>
    new Kysely<any>({
      dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: PG_URL, max: poolSize, options: settings }) }),
      ...(log ? { log } : {}),
    });
  const db = open(4);
  return {
    dialect,
    size,
    location: `${PG_URL.replace(/\/\/[^@]*@/, '//')} schema ${name}`,
    db,
    openPool: open,
    pgClient: async () => {
      const client = new pg.Client({ connectionString: PG_URL, options: settings });
      await client.connect();
      return client;
    },
    close: () => db.destroy(),
  };
}
