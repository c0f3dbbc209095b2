import { join } from 'node:path';
import { sql } from 'kysely';
import { connectDatabase, type DialectKind } from '@rowguard/core';
import { tableNames } from '@rowguard/core/extension';
import { openTestDatabase, testDialects } from '../../../core/test/support/test-databases.js';
import { tempDir } from './cli-runner.js';

const MYSQL_HOST = process.env.ROWGUARD_MYSQL_HOST ?? '127.0.0.1';
const MYSQL_PORT = process.env.ROWGUARD_MYSQL_PORT ?? '3306';
const PG_URL = process.env.ROWGUARD_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/**
 * The databases a CLI suite runs on: SQLite always, MariaDB (mandatory under CI=true: an unreachable server
 * fails the run), and PostgreSQL when `withPostgres` (also mandatory under CI=true). ROWGUARD_TEST_DIALECTS
 * restricts them, as for the core suites.
 *
 * @example
 * ```ts
 * const dialects = await cliDialects({ withPostgres: false }); // ['sqlite', 'mysql']
 * ```
 */
export async function cliDialects(options: { withPostgres: boolean }): Promise<DialectKind[]> {
  const available = await testDialects();
  return available.filter((d) => d !== 'postgres' || options.withPostgres);
}

/**
 * A clean database for one test file, as a URL for `--db`: a temporary SQLite file, a fresh MariaDB database
 * `rgt_<scope>`, or a fresh PostgreSQL schema `rgt_<scope>` (selected through the URL's search_path).
 *
 * @example
 * ```ts
 * const url = await freshDatabaseUrl('mysql', 'cli_apply'); // 'mysql://root@127.0.0.1:3306/rgt_cli_apply'
 * ```
 */
export async function freshDatabaseUrl(dialect: DialectKind, scope: string): Promise<string> {
  if (dialect === 'sqlite') return `sqlite:${join(tempDir(scope), 'rowguard.sqlite')}`;
  const name = `rgt_${process.env.ROWGUARD_TEST_SCOPE_PREFIX ?? ''}${scope}`.toLowerCase().replace(/[^a-z0-9_]/g, '_').slice(0, 60);
  const created = await openTestDatabase(dialect, scope);
  await created.close();
  if (dialect === 'mysql') return `mysql://root@${MYSQL_HOST}:${MYSQL_PORT}/${name}`;
  return `${PG_URL}${PG_URL.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${name}`)}`;
}

const TABLES = ['domain', 'contact', 'contactSubType', 'userLink', 'group', 'groupContact', 'role', 'roleAssignment', 'rolePermission', 'entry', 'audit', 'relationshipType', 'relationship'] as const;

/**
 * A fingerprint of everything the engine stores: row counts of every table, the audit log's last id and the
 * domain versions. Equal fingerprints before and after a command mean it wrote nothing.
 *
 * @example
 * ```ts
 * const before = await fingerprint(url);
 * // ... run a command that must not write ...
 * expect(await fingerprint(url)).toEqual(before);
 * ```
 */
export async function fingerprint(url: string): Promise<Record<string, string>> {
  const { db, close } = await connectDatabase(url, { poolSize: 1 });
  try {
    const t = tableNames('rg_');
    const out: Record<string, string> = {};
    for (const name of TABLES) {
      const table = t[name];
      try {
        const { rows } = await sql<{ n: unknown }>`select count(*) as n from ${sql.table(table)}`.execute(db);
        out[name] = String(rows[0]?.n ?? 0);
      } catch {
        out[name] = 'absent';
      }
    }
    try {
      const { rows } = await sql<{ v: unknown }>`select ${sql.join([sql`coalesce(max(id), 0)`])} as v from ${sql.table(t.audit)}`.execute(db);
      out.lastAudit = String(rows[0]?.v ?? 0);
      const versions = await sql<{ name: unknown; version: unknown }>`select name, version from ${sql.table(t.domain)} order by name`.execute(db);
      out.versions = versions.rows.map((r) => `${String(r.name)}=${String(r.version)}`).join(',');
    } catch {
      out.lastAudit = 'absent';
    }
    return out;
  } finally {
    await close();
  }
}
