import { type EntityCondition, type SubjectSession } from '@rowguard/core';
import { NO_ENTITY } from '@rowguard/core/extension';
import { sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RowguardHooks } from '../src/index.js';
import { openTestDatabase, testDialects, truncateEngine, type TestDatabase } from '../../core/test/support/test-databases.js';
import { failed, hookedWorld, migrateOnce, seedPeople, sleep, type People } from './support/hooked-world.js';

const dialects = await testDialects();
const FIELDSETS = [
  { id: 1, title: 'Contact details', is_public: 1, team_id: 1 },
  { id: 2, title: 'Donations', is_public: 0, team_id: 1 },
  { id: 3, title: 'Health', is_public: 0, team_id: 2 },
  { id: 4, title: 'Newsletter', is_public: 1, team_id: null },
  { id: 5, title: 'Volunteering', is_public: 1, team_id: 2 },
];

describe.each(dialects)('aclGroup and selectWhereClause hooks on %s', (dialect) => {
  let t: TestDatabase;
  let p: People;

  beforeAll(async () => {
    t = await openTestDatabase(dialect, 'hooks_entity');
    await migrateOnce(t);
    await t.db.schema.dropTable('host_fieldset').ifExists().execute();
    await t.db.schema
      .createTable('host_fieldset')
      .addColumn('id', 'integer', (c) => c.primaryKey())
      .addColumn('title', 'varchar(100)')
      .addColumn('is_public', 'integer')
      .addColumn('team_id', 'integer')
      .execute();
    await t.db.insertInto('host_fieldset').values(FIELDSETS).execute();
  });
  afterAll(async () => {
    await t.close();
  });
  beforeEach(async () => {
    await truncateEngine(t.db);
    const { admin } = await hookedWorld(t);
    p = await seedPeople(admin);
    await admin.createEntry({ effect: 'allow', operation: 'view', owner: { type: 'everyone' }, object: { type: 'entity', entity: 'custom_group', id: null } });
    await admin.createEntry({ effect: 'allow', operation: 'view', owner: { type: 'everyone' }, object: { type: 'entity', entity: 'profile', id: null } });
  });

  /** The fieldsets a session may see, through the SQL form and one by one in memory, which must agree. */
  async function fieldsets(session: SubjectSession, entity = 'custom_group'): Promise<number[]> {
    const where = await session.entityClause(entity, 'view', { alias: 'f' });
    const rows = await t.db.selectFrom('host_fieldset as f').select('f.id').where(where).orderBy('f.id').execute();
    const viaSql = rows.map((r) => Number(r.id));
    const viaMemory: number[] = [];
    for (const { id } of FIELDSETS) if (await session.checkEntity(entity, 'view', id, { table: 'host_fieldset' })) viaMemory.push(id);
    expect(viaSql, 'entity clause vs one-by-one checks').toEqual(viaMemory);
    return viaMemory;
  }

  it('aclGroup: a tap alters the permitted ids of one object type, for a subject and an operation', async () => {
    const w = await hookedWorld(t, (rg) =>
      rg.plugin((h) =>
        h.aclGroup.for('custom_group').tap('no-health', (permission, request) =>
          request.operation === 'view' && request.subject.contactId !== p.bob ? { mode: permission.mode, ids: [...permission.ids, 3] } : undefined,
        ),
      ),
    );
    const me = w.domain.subject({ userId: 'u-alice' });
    expect(await me.permittedEntityIds('custom_group', 'view')).toEqual({ mode: 'all-except', ids: [3] });
    expect(await fieldsets(me)).toEqual([1, 2, 4, 5]);
    expect(await fieldsets(w.domain.subject({ contactId: p.bob }))).toEqual([1, 2, 3, 4, 5]);
    expect(await me.permittedEntityIds('profile', 'view')).toEqual({ mode: 'all-except', ids: [] });
    expect(await me.permittedEntityIds('custom_group', 'edit')).toEqual(NO_ENTITY);
  });

  it('aclGroup: taps chain in order; for groups, ids must be groups of the domain', async () => {
    const w = await hookedWorld(t, (rg) => {
      rg.hooks.aclGroup.for('custom_group').tap('only-public', () => ({ mode: 'only', ids: [1, 4, 5] }));
      rg.hooks.aclGroup.for('custom_group').tap({ name: 'minus-5', stage: 1 }, (permission) => ({ mode: 'only', ids: permission.ids.filter((id) => id !== 5) }));
      rg.hooks.aclGroup.for('group').tap('g1-only', () => ({ mode: 'only', ids: [p.g1] }));
    });
    const me = w.domain.subject({ userId: 'u-alice' });
    expect(await fieldsets(me)).toEqual([1, 4]);
    expect(await me.permittedEntityIds('group', 'view')).toEqual({ mode: 'only', ids: [p.g1] });
    expect(await me.checkEntity('group', 'view', p.g1)).toBe(true);
    expect(await me.checkEntity('group', 'view', p.g2)).toBe(false);

    const broken = await hookedWorld(t, (rg) => rg.hooks.aclGroup.for('group').tap('g-foreign', () => ({ mode: 'only', ids: [p.g1, 987_654] })));
    const session = broken.domain.subject({ userId: 'u-alice' });
    expect(await session.permittedEntityIds('group', 'view')).toEqual(NO_ENTITY);
    expect(await session.checkEntity('group', 'view', p.g1)).toBe(false);
    expect(failed(broken)).toEqual(['aclGroup.group/g-foreign/invalid-result']);
  });

  it('selectWhereClause: structured conditions on the host table, ANDed into the clause and checked per row', async () => {
    const w = await hookedWorld(t, (rg) => {
      rg.hooks.selectWhereClause.for('custom_group').tap('public', (conditions) => [...conditions, { column: 'is_public', op: '=', value: 1 }]);
      rg.hooks.selectWhereClause
        .for('custom_group')
        .tap('own-team', (conditions, request) =>
          request.subject.values.team_id === null || request.subject.values.team_id === undefined
            ? conditions
            : [...conditions, { column: 'team_id', op: 'in', value: [Number(request.subject.values.team_id)] }],
        );
    });
    expect(await fieldsets(w.domain.subject({ userId: 'u-alice' }))).toEqual([1]);
    expect(await fieldsets(w.domain.subject({ contactId: p.carol }))).toEqual([5]);
    expect(await fieldsets(w.domain.subject({ contactId: p.erin }))).toEqual([1, 4, 5]);
    // Without the table, a row cannot be checked: deny.
    expect(await w.domain.subject({ contactId: p.erin }).checkEntity('custom_group', 'view', 1)).toBe(false);
    // Other types are not touched.
    expect(await fieldsets(w.domain.subject({ contactId: p.erin }), 'profile')).toEqual([1, 2, 3, 4, 5]);
  });

  it('a failing tap denies the object type for that decision, reported with its name', async () => {
    const cases: [string, (rg: RowguardHooks) => void, string][] = [
      ['ids throw', (rg) => rg.hooks.aclGroup.for('custom_group').tap('broken', () => { throw new Error('no'); }), 'aclGroup.custom_group/broken/threw'],
      ['ids shape', (rg) => rg.hooks.aclGroup.for('custom_group').tap('broken', () => ({ mode: 'some', ids: [1] }) as never), 'aclGroup.custom_group/broken/invalid-result'],
      ['ids negative', (rg) => rg.hooks.aclGroup.for('custom_group').tap('broken', () => ({ mode: 'only', ids: [-1] })), 'aclGroup.custom_group/broken/invalid-result'],
      ['ids slow', (rg) => rg.hooks.aclGroup.for('custom_group').tapPromise('broken', async (x) => { await sleep(300); return x; }), 'aclGroup.custom_group/broken/timeout'],
      ['raw SQL', (rg) => rg.hooks.selectWhereClause.for('custom_group').tap('broken', () => ['is_public = 1'] as never), 'selectWhereClause.custom_group/broken/invalid-result'],
      ['column injection', (rg) => rg.hooks.selectWhereClause.for('custom_group').tap('broken', () => [{ column: 'id; drop table x', op: '=', value: 1 }]), 'selectWhereClause.custom_group/broken/invalid-result'],
      ['bad operator', (rg) => rg.hooks.selectWhereClause.for('custom_group').tap('broken', () => [{ column: 'id', op: 'like', value: '%' } as unknown as EntityCondition]), 'selectWhereClause.custom_group/broken/invalid-result'],
      ['conditions throw', (rg) => rg.hooks.selectWhereClause.for('custom_group').tapAsync('broken', (_c, _r, cb) => cb(new Error('x'))), 'selectWhereClause.custom_group/broken/threw'],
      ['conditions slow', (rg) => rg.hooks.selectWhereClause.for('custom_group').tapAsync('broken', () => undefined), 'selectWhereClause.custom_group/broken/timeout'],
    ];
    for (const [label, setup, failure] of cases) {
      const w = await hookedWorld(t, setup, { tapTimeoutMs: 60 });
      const me = w.domain.subject({ userId: 'u-alice' });
      expect(await fieldsets(me), label).toEqual([]);
      expect(await fieldsets(me, 'profile'), label).toEqual([1, 2, 3, 4, 5]);
      expect(failed(w), label).toEqual([failure]);
      expect(w.engineErrors.length, label).toBeGreaterThan(0);
    }
    const ids = await hookedWorld(t, (rg) => rg.hooks.aclGroup.for('custom_group').tap('broken', () => { throw new Error('no'); }));
    expect(await ids.domain.subject({ userId: 'u-alice' }).permittedEntityIds('custom_group', 'view')).toEqual(NO_ENTITY);
  });

  it('memory and SQL agree for a mix of taps over several subjects', async () => {
    const w = await hookedWorld(t, (rg) => {
      rg.hooks.aclGroup.for('custom_group').tap('mix-ids', (perm, r) => (r.subject.contactId === p.carol ? { mode: 'only', ids: [2, 3, 5] } : perm));
      rg.hooks.selectWhereClause.for('custom_group').tap('mix-where', (conds, r) =>
        r.subject.contactId === null ? [...conds, { column: 'is_public', op: '!=', value: 0 }] : [...conds, { column: 'team_id', op: 'is not null' }],
      );
    });
    await sql`update host_fieldset set team_id = null where id = 3`.execute(t.db);
    try {
      expect(await fieldsets(w.domain.subject({ contactId: p.carol }))).toEqual([2, 5]);
      expect(await fieldsets(w.domain.subject({}))).toEqual([1, 4, 5]);
      expect(await fieldsets(w.domain.subject({ userId: 'u-alice' }))).toEqual([1, 2, 5]);
    } finally {
      await sql`update host_fieldset set team_id = 2 where id = 3`.execute(t.db);
    }
  });
});
