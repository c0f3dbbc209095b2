import { Kysely, MysqlDialect, PostgresDialect, sql } from 'kysely';
import { createPool } from 'mysql2';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDatabase, createRowguard, DatabaseTimeoutError, type DatabaseConnection, type DialectKind, type Domain } from '../src/index.js';
import { startTcpProxy, type TcpProxy } from './support/tcp-proxy.js';
import { openTestDatabase, testDialects, type TestDatabase } from './support/test-databases.js';
import { createWorld } from './support/test-world.js';

// Network failures between the engine and its server, played by a TCP proxy of the test's own on a loopback
// port: connections cut with a TCP reset, a server that stops answering, a server that never answers at all.
const SCOPE = 'conn_failures';
const dbName = `rgt_${process.env.ROWGUARD_TEST_SCOPE_PREFIX ?? ''}${SCOPE}`.toLowerCase().replace(/[^a-z0-9_]/g, '_').slice(0, 60);
const MYSQL = { host: process.env.ROWGUARD_MYSQL_HOST ?? '127.0.0.1', port: Number(process.env.ROWGUARD_MYSQL_PORT ?? 3306) };
const PG = new URL(process.env.ROWGUARD_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test');

const servers = (await testDialects()).filter((d): d is Exclude<DialectKind, 'sqlite'> => d !== 'sqlite');
const ATTRIBUTES = { country: { type: 'text' as const } };

function target(dialect: DialectKind) {
  return dialect === 'mysql' ? MYSQL : { host: PG.hostname, port: Number(PG.port || 5432) };
}

/** The test database's URL through a proxy port. */
function urlVia(dialect: DialectKind, port: number): string {
  if (dialect === 'mysql') return `mysql://root@127.0.0.1:${port}/${dbName}`;
  return `postgres://${PG.username}@127.0.0.1:${port}${PG.pathname}?options=${encodeURIComponent(`-c search_path=${dbName}`)}`;
}

/** A host's own Kysely through a proxy, with no driver timeouts (pg errors are listened to, as a host must). */
function hostKysely(dialect: DialectKind, port: number): Kysely<any> {
  if (dialect === 'mysql') {
    return new Kysely<any>({ dialect: new MysqlDialect({ pool: createPool({ host: '127.0.0.1', port, user: 'root', database: dbName, connectionLimit: 2 }) }) });
  }
  const pool = new pg.Pool({ connectionString: urlVia(dialect, port), max: 2 });
  pool.on('error', () => undefined);
  pool.on('connect', (client) => client.on('error', () => undefined));
  return new Kysely<any>({ dialect: new PostgresDialect({ pool }) });
}

const elapsed = (t0: number) => Date.now() - t0;

describe.each(servers)('connection failures on %s', (dialect) => {
  let t: TestDatabase;
  let open: number, closed: number;
  const proxies: TcpProxy[] = [];
  const connections: DatabaseConnection[] = [];
  const proxy = async (kind: 'forward' | 'silent' = 'forward') => {
    const p = await startTcpProxy(kind === 'forward' ? target(dialect) : undefined);
    proxies.push(p);
    return p;
  };
  const engineOn = async (db: Kysely<any>, decisionTimeoutMs?: number) => {
    const errors: unknown[] = [];
    const engine = createRowguard({ db, contacts: { attributes: ATTRIBUTES }, onError: (e) => errors.push(e), ...(decisionTimeoutMs ? { decisionTimeoutMs } : {}) });
    return { engine, errors, domain: await engine.domain('test') };
  };
  const me = (domain: Domain) => domain.subject({ userId: 'u-alice' });

  beforeAll(async () => {
    t = await openTestDatabase(dialect, SCOPE);
    const w = await createWorld(t);
    const alice = await w.admin.createContact({ key: 'alice', contactType: 'Individual', sortName: 'alice', attributes: { country: 'FR' } });
    open = await w.admin.createContact({ key: 'open', contactType: 'Individual', sortName: 'open', attributes: { country: 'FR' } });
    closed = await w.admin.createContact({ key: 'closed', contactType: 'Individual', sortName: 'closed', attributes: { country: 'VN' } });
    await w.admin.linkUser({ userId: 'u-alice', contactId: alice });
    await w.admin.createEntry({ effect: 'allow', operation: 'view', owner: { type: 'authenticated' }, object: { type: 'contact', id: open } });
  });
  afterAll(async () => {
    for (const p of proxies) await p.close();
    await Promise.all(connections.map((c) => c.close().catch(() => undefined)));
    await t.close();
  });

  it('connections reset mid-run: the process survives, a cut decision denies with an error, never a forbidden allow', async () => {
    const p = await proxy();
    const c = await connectDatabase(urlVia(dialect, p.port), { poolSize: 4 });
    connections.push(c);
    const { domain } = await engineOn(c.db);
    const counts = { allowed: 0, deniedWithError: 0, deniedWithoutError: 0, forbiddenAllowed: 0, closedDenied: 0, resets: 0, idleResets: 0 };
    const t0 = Date.now();
    while (elapsed(t0) < 5_000) {
      const burst = Array.from({ length: 8 }, (_, i) => me(domain).explain('view', i % 2 === 0 ? open : closed));
      // Cut the connections in the middle of the burst, and sometimes while they sit idle in the pool.
      setTimeout(() => (counts.resets += p.reset() > 0 ? 1 : 0), Math.floor(Math.random() * 15));
      const results = await Promise.all(burst);
      results.forEach((r, i) => {
        if (i % 2 === 1) {
          if (r.allowed) counts.forbiddenAllowed += 1;
          else counts.closedDenied += 1;
        } else if (r.allowed) counts.allowed += 1;
        else if (r.reason === 'error' && r.error) counts.deniedWithError += 1;
        else counts.deniedWithoutError += 1;
      });
      await new Promise((resolve) => setTimeout(resolve, 20));
      counts.idleResets += p.reset() > 0 ? 1 : 0;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    console.log(`[${dialect}] reset run:`, JSON.stringify(counts));
    expect(counts.forbiddenAllowed).toBe(0);
    expect(counts.deniedWithoutError).toBe(0);
    expect(counts.deniedWithError).toBeGreaterThan(0);
    expect(counts.allowed).toBeGreaterThan(0);
    expect(counts.idleResets).toBeGreaterThan(0);
    // After the cuts, the pool opens fresh connections and decides normally.
    expect(await me(domain).check('view', open)).toBe(true);
  }, 30_000);

  it('a server that stops answering: check and listIds deny within the statement timeout', async () => {
    const p = await proxy();
    const c = await connectDatabase(urlVia(dialect, p.port), { poolSize: 2, connectTimeoutMs: 700, statementTimeoutMs: 700 });
    connections.push(c);
    const { domain, errors } = await engineOn(c.db);
    expect(await me(domain).check('view', open)).toBe(true);
    p.hang();
    let t0 = Date.now();
    expect(await me(domain).check('view', open)).toBe(false);
    const checkMs = elapsed(t0);
    t0 = Date.now();
    expect(await me(domain).listIds('view')).toEqual([]);
    const listMs = elapsed(t0);
    console.log(`[${dialect}] hung server: check denied after ${checkMs} ms, listIds after ${listMs} ms`);
    expect(checkMs).toBeLessThan(4_000);
    expect(listMs).toBeLessThan(4_000);
    expect(errors.length).toBeGreaterThanOrEqual(2);
    for (const e of errors) expect(e).toBeInstanceOf(DatabaseTimeoutError);
    expect((errors[0] as DatabaseTimeoutError).message).toMatch(/no answer from the database within 700 ms/);
    p.resume();
    // The hung connections were discarded: once the server answers again, so does the engine.
    expect(await me(domain).check('view', open)).toBe(true);
  }, 30_000);

  it('a server that accepts TCP and never answers: connecting times out with a clear error', async () => {
    const silent = await proxy('silent');
    const c = await connectDatabase(urlVia(dialect, silent.port), { connectTimeoutMs: 500 });
    connections.push(c);
    const t0 = Date.now();
    const failure = await sql`select 1`.execute(c.db).then(
      () => undefined,
      (e: unknown) => e,
    );
    const ms = elapsed(t0);
    console.log(`[${dialect}] silent server: connect failed after ${ms} ms: ${String(failure)}`);
    expect(failure).toBeInstanceOf(DatabaseTimeoutError);
    expect((failure as DatabaseTimeoutError).kind).toBe('connect');
    expect(ms).toBeLessThan(3_000);
    expect(silent.accepted).toBeGreaterThan(0);
  }, 30_000);

  it("the engine's decision timeout protects a host Kysely whose driver has no timeout", async () => {
    const p = await proxy();
    const db = hostKysely(dialect, p.port);
    const { domain, errors } = await engineOn(db, 600);
    expect(await me(domain).check('view', open)).toBe(true);
    p.hang();
    let t0 = Date.now();
    expect(await me(domain).check('view', open)).toBe(false);
    const checkMs = elapsed(t0);
    t0 = Date.now();
    expect(await me(domain).listIds('view')).toEqual([]);
    const listMs = elapsed(t0);
    console.log(`[${dialect}] host Kysely, hung server: check denied after ${checkMs} ms, listIds after ${listMs} ms`);
    expect(checkMs).toBeLessThan(3_000);
    expect(listMs).toBeLessThan(3_000);
    expect(errors.map((e) => (e as DatabaseTimeoutError).kind)).toEqual(['decision', 'decision']);
    // Cutting the hung sockets lets the host's pool close (mysql2 reports the cut connections while closing).
    p.reset();
    await db.destroy().catch(() => undefined);
  }, 30_000);
});
