import { sql, type KyselyPlugin, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRowguard, WriteConflictError, type ChangeRecord } from '../src/index.js';
import { isWriteConflict, retryOnConflict, WRITE_ATTEMPTS } from '../src/admin/conflict-retry.js';
import { openTestDatabase, testDialects, type TestDatabase } from './support/test-databases.js';

const dialects = await testDialects();

/** Makes the first `times` inserts into `table` fail as the database reports a deadlock (MariaDB errno 1213). */
function deadlockInserts(table: string, times: number): KyselyPlugin & { thrown: number } {
  const plugin = {
    thrown: 0,
    transformQuery(args: Parameters<KyselyPlugin['transformQuery']>[0]) {
      const node = args.node as { kind: string; into?: { table?: { identifier?: { name?: string } } } };
      if (node.kind === 'InsertQueryNode' && node.into?.table?.identifier?.name === table && plugin.thrown < times) {
        plugin.thrown++;
        throw Object.assign(new Error('Deadlock found when trying to get lock; try restarting transaction'), { errno: 1213, code: 'ER_LOCK_DEADLOCK' });
      }
      return args.node;
    },
    transformResult: (args: Parameters<KyselyPlugin['transformResult']>[0]) => Promise.resolve(args.result),
  };
  return plugin;
}

describe.each(dialects)('write transactions aborted by a conflict run again, on %s', (dialect) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await openTestDatabase(dialect, 'conflict_retry');
    await createRowguard({ db: t.db, dialect, onError: () => undefined }).migrate();
  });
  afterAll(async () => {
    await t.close();
  });

  const engineWith = (db: Kysely<any>, changes: ChangeRecord[]) =>
    createRowguard({ db, dialect, onError: () => undefined, extension: { onChange: (c) => changes.push(c) } });

  it('a transaction aborted twice commits on the third run, once, and reports each change once', async () => {
    const plugin = deadlockInserts('rg_entry', 2);
    const changes: ChangeRecord[] = [];
    const domain = await engineWith(t.db.withPlugin(plugin), changes).domain(`retry-ok-${dialect}`);
    let runs = 0;
    const [role, entry] = await domain.admin('tester').transaction(async (tx) => {
      runs++;
      const r = await tx.createRole({ name: 'Viewer' });
      const e = await tx.createEntry({ effect: 'allow', operation: 'view', owner: { type: 'role', id: r }, object: { type: 'all-contacts' } });
      return [r, e] as const;
    });
    expect(plugin.thrown).toBe(2);
    expect(runs).toBe(3);
    const policy = await domain.policy();
    expect([...policy.roles.values()].map((r) => r.name)).toEqual(['Viewer']);
    expect(policy.entries.map((e) => e.id)).toEqual([entry]);
    expect([...policy.roles.keys()]).toEqual([role]);
    expect(changes.map((c) => c.action)).toEqual(['role.create', 'entry.create']);
  });

  it(`after ${WRITE_ATTEMPTS} aborted runs it throws WriteConflictError and nothing is written`, async () => {
    const plugin = deadlockInserts('rg_entry', WRITE_ATTEMPTS);
    const changes: ChangeRecord[] = [];
    const domain = await engineWith(t.db.withPlugin(plugin), changes).domain(`retry-fail-${dialect}`);
    const write = domain.admin('tester').transaction(async (tx) => {
      const r = await tx.createRole({ name: 'Viewer' });
      await tx.createEntry({ effect: 'allow', operation: 'view', owner: { type: 'role', id: r }, object: { type: 'all-contacts' } });
    });
    const error = await write.then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(WriteConflictError);
    expect((error as WriteConflictError).attempts).toBe(WRITE_ATTEMPTS);
    expect(plugin.thrown).toBe(WRITE_ATTEMPTS);
    const policy = await domain.policy();
    expect(policy.roles.size).toBe(0);
    expect(policy.entries).toEqual([]);
    expect(changes).toEqual([]);
  });

  it('any other error is not retried', async () => {
    const domain = await engineWith(t.db, []).domain(`retry-other-${dialect}`);
    let runs = 0;
    await expect(
      domain.admin('tester').transaction(async () => {
        runs++;
        throw new Error('not a conflict');
      }),
    ).rejects.toThrow('not a conflict');
    expect(runs).toBe(1);
  });

  // SQLite has one writer at a time: no deadlock between two transactions can happen there.
  if (dialect !== 'sqlite') it('a real deadlock between two transactions is recognised and resolved by running again', async () => {
    await sql`create table if not exists deadlock_probe (id integer primary key, v integer not null)`.execute(t.db);
    await sql`delete from deadlock_probe`.execute(t.db);
    await sql`insert into deadlock_probe (id, v) values (1, 0), (2, 0)`.execute(t.db);
    const other = t.another();
    let aborted = 0;
    // Two transactions lock the rows in opposite orders; each waits at a barrier after its first lock.
    let arrive!: () => void;
    const both = new Promise<void>((resolve) => {
      let n = 0;
      arrive = () => {
        if (++n === 2) resolve();
      };
    });
    const run = (db: Kysely<any>, first: number, second: number) => {
      let firstRun = true;
      return retryOnConflict(() =>
        db
          .transaction()
          .execute(async (trx) => {
            await sql`update deadlock_probe set v = v + 1 where id = ${first}`.execute(trx);
            if (firstRun) {
              firstRun = false;
              arrive();
              await both;
            }
            await sql`update deadlock_probe set v = v + 1 where id = ${second}`.execute(trx);
          })
          .catch((e: unknown) => {
            if (isWriteConflict(e)) aborted++;
            throw e;
          }),
      );
    };
    await Promise.all([run(t.db, 1, 2), run(other, 2, 1)]);
    const rows = (await sql<{ id: number; v: number }>`select id, v from deadlock_probe order by id`.execute(t.db)).rows;
    // Both transactions committed exactly once: each row was incremented by each of them.
    expect(rows.map((r) => Number(r.v))).toEqual([2, 2]);
    // The database really aborted one of them for the deadlock (the driver's error was recognised).
    expect(aborted).toBe(1);
  });
});
