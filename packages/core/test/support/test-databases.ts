import Database from 'better-sqlite3';
import { Kysely, MysqlDialect, PostgresDialect, SqliteDialect, sql } from 'kysely';
import { createPool } from 'mysql2';
import pg from 'pg';
import { serverSideParameters, type DialectKind } from '../../src/index.js';

/** A database for one test file, in its own MariaDB database / PostgreSQL schema / SQLite memory db. */
export interface TestDatabase {
  readonly dialect: DialectKind;
  readonly db: Kysely<any>;
  /** Opens another connection pool on the same database (to play a second process). */
  another(): Kysely<any>;
  close(): Promise<void>;
}

const MYSQL = { host: process.env.ROWGUARD_MYSQL_HOST ?? '127.0.0.1', port: Number(process.env.ROWGUARD_MYSQL_PORT ?? 3306), user: 'root', password: '' };
const PG = process.env.ROWGUARD_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

async function mysqlUp(): Promise<boolean> {
  const pool = createPool({ ...MYSQL, connectionLimit: 1, connectTimeout: 3000 });
  try {
    await pool.promise().query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await pool.promise().end();
  }
}

async function postgresUp(): Promise<boolean> {
  const client = new pg.Client({ connectionString: PG, connectionTimeoutMillis: 3000 });
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
 * The dialects to run on: all three, restricted by ROWGUARD_TEST_DIALECTS (comma list). A server that is down
 * is skipped locally with a note, and fails the run under CI=true.
 */
export async function testDialects(): Promise<DialectKind[]> {
  const wanted = (process.env.ROWGUARD_TEST_DIALECTS ?? 'sqlite,mysql,postgres').split(',').map((s) => s.trim()) as DialectKind[];
  const out: DialectKind[] = [];
  for (const d of wanted) {
    const up = d === 'sqlite' ? true : d === 'mysql' ? await mysqlUp() : await postgresUp();
    if (up) out.push(d);
    else if (process.env.CI === 'true') throw new Error(`${d} server is not reachable, and database suites are mandatory under CI=true`);
    else console.warn(`[rowguard tests] ${d} server not reachable: skipping its suites (they are mandatory under CI=true)`);
  }
  return out;
}

/** The MariaDB database / PostgreSQL schema name {@link openTestDatabase} uses for a scope. */
export function testDatabaseName(scope: string): string {
  return `rgt_${process.env.ROWGUARD_TEST_SCOPE_PREFIX ?? ''}${scope}`.toLowerCase().replace(/[^a-z0-9_]/g, '_').slice(0, 60);
}

/** How a child process reaches the test servers (the same settings {@link openTestDatabase} uses). */
export const TEST_SERVERS = { mysql: MYSQL, postgresUrl: PG } as const;

/**
 * Opens a clean database for a test file. `scope` names the MariaDB database / PostgreSQL schema, so files
 * running in parallel never share tables.
 */
export async function openTestDatabase(dialect: DialectKind, scope: string): Promise<TestDatabase> {
  const name = testDatabaseName(scope);
  if (dialect === 'sqlite') {
    const file = ':memory:';
    const db = new Kysely<any>({ dialect: new SqliteDialect({ database: new Database(file) }) });
    return { dialect, db, another: () => db, close: () => db.destroy() };
  }
  if (dialect === 'mysql') {
    const admin = createPool({ ...MYSQL, connectionLimit: 1 }).promise();
    await admin.query(`drop database if exists \`${name}\``);
    await admin.query(`create database \`${name}\` character set utf8mb4`);
    await admin.end();
    const open = () =>
      new Kysely<any>({
        dialect: new MysqlDialect({ pool: mysqlPool(createPool({ ...MYSQL, database: name, connectionLimit: 5, supportBigNumbers: true, maxPreparedStatements: 64 })) }),
      });
    return pooled(dialect, open);
  }
  const admin = new pg.Client({ connectionString: PG });
  await admin.connect();
  await admin.query(`drop schema if exists "${name}" cascade`);
  await admin.query(`create schema "${name}"`);
  await admin.end();
  const open = () =>
    new Kysely<any>({
      dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: PG, max: 5, options: `-c search_path=${name}` }) }),
    });
  return pooled(dialect, open);
}

/**
 * How MariaDB pools bind values: as the host's plain mysql2 pool (client-side interpolation, the default), or
 * with ROWGUARD_TEST_MYSQL_PARAMS=server through `serverSideParameters`, as `connectDatabase` does.
 */
function mysqlPool(pool: ReturnType<typeof createPool>) {
  return process.env.ROWGUARD_TEST_MYSQL_PARAMS === 'server' ? serverSideParameters(pool) : pool;
}

/** A test database on a server: one pool for the test, more on demand, all closed together. */
function pooled(dialect: DialectKind, open: () => Kysely<any>): TestDatabase {
  const db = open();
  const others: Kysely<any>[] = [];
  return {
    dialect,
    db,
    another: () => {
      const k = open();
      others.push(k);
      return k;
    },
    close: async () => {
      await Promise.all([db.destroy(), ...others.map((o) => o.destroy())]);
    },
  };
}

/** Deletes every row of the engine's tables (between property-test runs), keeping the schema. */
export async function truncateEngine(db: Kysely<any>, prefix = 'rg_'): Promise<void> {
  for (const t of ['relationship', 'relationship_type', 'entry', 'role_permission', 'role_assignment', 'role', 'group_contact', 'group', 'user_link', 'contact_sub_type', 'contact', 'audit_log']) {
    await sql`delete from ${sql.table(`${prefix}${t}`)}`.execute(db);
  }
}
