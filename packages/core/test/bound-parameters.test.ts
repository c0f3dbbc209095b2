import { Kysely, MysqlDialect, sql } from 'kysely';
import { createPool, type Pool } from 'mysql2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDatabase, createRowguard, serverSideParameters, UnsafeSessionError, type DatabaseConnection } from '../src/index.js';
import { openTestDatabase, testDialects, type TestDatabase } from './support/test-databases.js';
import { createWorld } from './support/test-world.js';

// Values must reach MariaDB as bound parameters: with NO_BACKSLASH_ESCAPES, mysql2's client-side escaping of
// `x\' or ...` ends the string at the backslash, and the rest runs as SQL. 0x626f7373 is 'boss'.
const PAYLOAD = "x\\' or user_id = 0x626f7373 -- ";
const SCOPE = 'bound_params';
const dbName = `rgt_${process.env.ROWGUARD_TEST_SCOPE_PREFIX ?? ''}${SCOPE}`.toLowerCase().replace(/[^a-z0-9_]/g, '_').slice(0, 60);
const MYSQL = { host: process.env.ROWGUARD_MYSQL_HOST ?? '127.0.0.1', port: Number(process.env.ROWGUARD_MYSQL_PORT ?? 3306), user: 'root', password: '' };

const onMysql = (await testDialects()).includes('mysql');

/** A host's own pool whose every connection runs with NO_BACKSLASH_ESCAPES (set per connection, never globally). */
function noBackslashPool(): Pool {
  const pool = createPool({ ...MYSQL, database: dbName, connectionLimit: 2, supportBigNumbers: true, maxPreparedStatements: 32 });
  pool.on('connection', (connection) => {
    connection.query("set session sql_mode = concat(@@session.sql_mode, ',NO_BACKSLASH_ESCAPES')");
  });
  return pool;
}

describe.skipIf(!onMysql)('values reach MariaDB as bound parameters', () => {
  let t: TestDatabase;
  let secret: number;
  const kyselies: Kysely<any>[] = [];
  const open = (pool: ConstructorParameters<typeof MysqlDialect>[0]['pool']) => {
    const k = new Kysely<any>({ dialect: new MysqlDialect({ pool }) });
    kyselies.push(k);
    return k;
  };
  const engineOn = async (db: Kysely<any>) => {
    const errors: unknown[] = [];
    const engine = createRowguard({ db, contacts: { attributes: { country: { type: 'text' } } }, onError: (e) => errors.push(e) });
    return { domain: await engine.domain('test'), errors };
  };
  const userContact = async (db: Kysely<any>, userId: string) =>
    (await db.selectFrom('rg_user_link').select('contact_id').where('user_id', '=', userId).execute()).map((r) => Number(r.contact_id));

  beforeAll(async () => {
    t = await openTestDatabase('mysql', SCOPE);
    const w = await createWorld(t);
    const admin = w.admin;
    const boss = await admin.createContact({ key: 'boss', contactType: 'Individual', sortName: 'boss', attributes: { country: 'FR' } });
    secret = await admin.createContact({ key: 'secret', contactType: 'Individual', sortName: 'secret', attributes: { country: 'FR' } });
    await admin.linkUser({ userId: 'boss', contactId: boss });
    const administrators = await admin.createRole({ name: 'Administrator', isAdministrator: true });
    await admin.assignRole({ roleId: administrators, assignee: { type: 'contact', id: boss } });
  });
  afterAll(async () => {
    await Promise.all(kyselies.map((k) => k.destroy()));
    await t.close();
  });

  it('the hazard is real: a plain pool on a NO_BACKSLASH_ESCAPES session resolves the payload to the administrator', async () => {
    const db = open(noBackslashPool());
    expect(await userContact(db, PAYLOAD)).toHaveLength(1);
  });

  it("a host's interpolating Kysely on such a session: every decision denies with UnsafeSessionError", async () => {
    const { domain, errors } = await engineOn(open(noBackslashPool()));
    const attacker = domain.subject({ userId: PAYLOAD });
    expect(await attacker.check('view', secret)).toBe(false);
    expect(await attacker.listIds('view')).toEqual([]);
    expect(await attacker.checkMany('edit', [secret])).toEqual(new Set());
    // Fail closed for everyone on that session, the administrator too, and say why.
    expect(await domain.subject({ userId: 'boss' }).check('view', secret)).toBe(false);
    expect(errors.length).toBeGreaterThanOrEqual(4);
    for (const e of errors) expect(e).toBeInstanceOf(UnsafeSessionError);
    expect((errors[0] as UnsafeSessionError).sqlMode).toMatch(/NO_BACKSLASH_ESCAPES/);
  });

  it('the same host Kysely on a session without that mode decides normally (the check costs no extra statement)', async () => {
    const { domain, errors } = await engineOn(open(createPool({ ...MYSQL, database: dbName, connectionLimit: 2 })));
    expect(await domain.subject({ userId: 'boss' }).check('view', secret)).toBe(true);
    expect(await domain.subject({ userId: PAYLOAD }).check('view', secret)).toBe(false);
    expect(errors).toEqual([]);
  });

  it('serverSideParameters: with NO_BACKSLASH_ESCAPES set, the payload is only a user id that does not exist', async () => {
    const db = open(serverSideParameters(noBackslashPool()));
    expect(await userContact(db, PAYLOAD)).toEqual([]);
    const { domain, errors } = await engineOn(db);
    expect(await domain.subject({ userId: PAYLOAD }).check('view', secret)).toBe(false);
    expect(await domain.subject({ userId: PAYLOAD }).listIds('view')).toEqual([]);
    expect(await domain.subject({ userId: 'boss' }).check('view', secret)).toBe(true);
    expect(await domain.subject({ userId: 'boss' }).listIds('view')).toContain(secret);
    expect(errors).toEqual([]);
  });

  describe('connectDatabase', () => {
    let c: DatabaseConnection;
    beforeAll(async () => {
      c = await connectDatabase(`mysql://root@${MYSQL.host}:${MYSQL.port}/${dbName}`, { poolSize: 1 });
      await sql`drop table if exists cn_types`.execute(c.db);
      await sql`create table cn_types (id int primary key, n int, big bigint, d double, at datetime, bin varbinary(16), txt varchar(64), nothing int null, flag tinyint)`.execute(
        c.db,
      );
    });
    afterAll(async () => {
      await c.close();
    });

    const executed = async () => {
      const { rows } = await sql<{ Value: string }>`show session status like 'Com_stmt_execute'`.execute(c.db);
      return Number(rows[0]?.Value);
    };

    it('statements with values are executed as prepared statements on the server', async () => {
      const before = await executed();
      await c.db.selectFrom('rg_user_link').select('contact_id').where('user_id', '=', 'boss').execute();
      expect(await executed()).toBe(before + 1);
    });

    it('number, bigint, Date, Buffer, null, boolean and tricky strings bind and read back as sent', async () => {
      const at = new Date(Date.UTC(2024, 1, 29, 13, 45, 7));
      const tricky = "it's \\ a 'quote' \\' -- ; é \u0000 end";
      await c.db
        .insertInto('cn_types')
        .values({ id: 1, n: -42, big: 9007199254740993n, d: 1.5, at, bin: Buffer.from([0, 39, 92, 255]), txt: tricky, nothing: null, flag: true })
        .execute();
      const row = await c.db
        .selectFrom('cn_types')
        .selectAll()
        .where('n', '=', -42)
        .where('big', '=', 9007199254740993n)
        .where('d', '=', 1.5)
        .where('bin', '=', Buffer.from([0, 39, 92, 255]))
        .where('txt', '=', tricky)
        .where('flag', '=', true)
        .executeTakeFirstOrThrow();
      expect(row.n).toBe(-42);
      expect(String(row.big)).toBe('9007199254740993');
      expect(Buffer.from(row.bin as Uint8Array)).toEqual(Buffer.from([0, 39, 92, 255]));
      expect(row.txt).toBe(tricky);
      expect(row.nothing).toBeNull();
      const byDate = await c.db.selectFrom('cn_types').select('id').where('at', '=', at).execute();
      expect(byDate).toHaveLength(1);
      const paged = await sql<{ id: number }>`select id from cn_types order by id limit ${1} offset ${0}`.execute(c.db);
      expect(paged.rows).toEqual([{ id: 1 }]);
    });

    it('streaming, transactions and statements without values still work', async () => {
      await c.db.insertInto('cn_types').values([2, 3, 4].map((id) => ({ id, n: id, txt: `row ${id}` }))).execute();
      const streamed: number[] = [];
      for await (const r of c.db.selectFrom('cn_types').select('id').where('id', '>', 1).orderBy('id').stream()) streamed.push(Number(r.id));
      expect(streamed).toEqual([2, 3, 4]);
      await expect(
        c.db.transaction().execute(async (trx) => {
          await trx.deleteFrom('cn_types').where('id', '=', 2).execute();
          throw new Error('roll back');
        }),
      ).rejects.toThrow('roll back');
      expect((await c.db.selectFrom('cn_types').select('id').where('id', '=', 2).execute()).length).toBe(1);
    });

    it('on a NO_BACKSLASH_ESCAPES session the engine decides correctly and the payload stays a value', async () => {
      await sql`set session sql_mode = concat(@@session.sql_mode, ',NO_BACKSLASH_ESCAPES')`.execute(c.db); // pool of one: this session
      const { rows } = await sql<{ m: string }>`select @@session.sql_mode as m`.execute(c.db);
      expect(rows[0]?.m).toMatch(/NO_BACKSLASH_ESCAPES/);
      expect(await userContact(c.db, PAYLOAD)).toEqual([]);
      const { domain, errors } = await engineOn(c.db);
      expect(await domain.subject({ userId: PAYLOAD }).check('view', secret)).toBe(false);
      expect(await domain.subject({ userId: 'boss' }).check('view', secret)).toBe(true);
      expect(errors).toEqual([]);
    });
  });
});
