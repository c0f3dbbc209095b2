import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { createRowguard } from '../src/index.js';
import { testDatabaseName, testDialects, TEST_SERVERS } from './support/test-databases.js';

// Kysely's migrator lists the tables of EVERY schema on PostgreSQL before it migrates. When another process drops
// a schema during that catalog query, the query fails ("schema ... does not exist"): parallel test files, or
// tenants created and dropped on a shared server, hit it. migrateSchema gives the migrator an introspector that
// looks at the current schema only.
const dialects = (await testDialects()).filter((d) => d === 'postgres');
const RUN_MS = 6_000;

const pool = (schema: string) =>
  new Kysely<any>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: TEST_SERVERS.postgresUrl, max: 2, options: `-c search_path=${schema}` }) }) });

describe.each(dialects)('migrations while other schemas come and go, on %s', () => {
  it('every migration succeeds while another connection creates and drops schemas with tables', async () => {
    const churnPrefix = testDatabaseName('race_churn');
    const target = testDatabaseName('race_target');
    const admin = pool('public');
    const stop = Date.now() + RUN_MS;
    let churned = 0;
    const churn = (async () => {
      for (let i = 0; Date.now() < stop; i++) {
        const s = `${churnPrefix}_${i % 4}`;
        await sql`drop schema if exists ${sql.id(s)} cascade`.execute(admin);
        await sql`create schema ${sql.id(s)}`.execute(admin);
        for (let t = 0; t < 8; t++) await sql`create table ${sql.id(s, `t${t}`)} (id serial primary key, v text)`.execute(admin);
        churned++;
        // Another test file or tenant set-up comes and goes: often, not back to back.
        await new Promise((done) => setTimeout(done, 30));
      }
    })();
    let migrations = 0;
    const failures: string[] = [];
    try {
      while (Date.now() < stop) {
        await sql`drop schema if exists ${sql.id(target)} cascade`.execute(admin);
        await sql`create schema ${sql.id(target)}`.execute(admin);
        const db = pool(target);
        try {
          await createRowguard({ db, dialect: 'postgres', onError: () => undefined }).migrate();
          migrations++;
        } catch (e) {
          failures.push(e instanceof Error ? `${e.message} ${String((e as { cause?: unknown }).cause ?? '')}` : String(e));
        } finally {
          await db.destroy();
        }
      }
      await churn;
    } finally {
      for (let i = 0; i < 4; i++) await sql`drop schema if exists ${sql.id(`${churnPrefix}_${i}`)} cascade`.execute(admin);
      await sql`drop schema if exists ${sql.id(target)} cascade`.execute(admin);
      await admin.destroy();
    }
    console.log(`[migration race] postgres: ${migrations} migrations, ${failures.length} failed, ${churned} schemas churned in ${RUN_MS} ms`);
    expect(failures).toEqual([]);
    expect(churned).toBeGreaterThan(10);
    expect(migrations).toBeGreaterThan(1);
  });
});
