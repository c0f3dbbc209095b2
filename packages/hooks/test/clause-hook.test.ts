import type { Criteria } from '@rowguard/core';
import { beforeEach, describe, expect, it } from 'vitest';
import type { RowguardHooks } from '../src/index.js';
import { testDialects, type TestDatabase } from '../../core/test/support/test-databases.js';
import { failed, hookedWorld, sleep, visible, type People, seededSuite } from './support/hooked-world.js';

const dialects = await testDialects();

describe.each(dialects)('aclWhereClause hook on %s', (dialect) => {
  const suite = seededSuite(dialect, 'hooks_clause');
  let t: TestDatabase;
  let p: People;
  let live: number[];
  beforeEach(async () => {
    ({ t, p } = suite);
    const { admin } = await hookedWorld(t);
    live = [p.alice, p.bob, p.carol, p.dave, p.erin];
    await admin.createEntry({ effect: 'allow', operation: 'view', owner: { type: 'everyone' }, object: { type: 'all-contacts' } });
  });

  it('narrows: every allowed contact must also match the criteria, in memory and in SQL; the explanation names the tap', async () => {
    const w = await hookedWorld(t, (rg) =>
      rg.plugin((h) => h.aclWhereClause.tap('fr-only', (adj) => ({ ...adj, narrow: [...adj.narrow, { field: 'country', op: '=', value: 'FR' }] }))),
    );
    const me = w.domain.subject({ userId: 'u-alice' });
    expect(await visible(me, 'view', p.all)).toEqual([p.alice, p.bob]);
    const why = await me.explain('view', p.carol);
    expect(why.reason).toBe('denied-by-extension');
    expect(why.extension).toBe("hook tap 'fr-only'");
    expect(why.summary).toMatch(/^Denied: .*through hook tap 'fr-only'$/);
    const q = t.db.selectFrom('rg_contact as c').select('c.sort_name').where(await me.clause('view', { alias: 'c' })).orderBy('c.sort_name');
    expect((await q.execute()).map((r) => r.sort_name)).toEqual(['alice', 'bob']);
  });

  it('widens: a contact matching the criteria is allowed too, whatever the entries say', async () => {
    const w = await hookedWorld(t, (rg) =>
      rg.hooks.aclWhereClause.tap('g2-too', (adj, request) => (request.operation === 'edit' ? { ...adj, widen: [...adj.widen, { inGroup: p.g2 }] } : undefined)),
    );
    const me = w.domain.subject({ userId: 'u-alice' });
    expect(await visible(me, 'edit', p.all)).toEqual([p.dave]);
    expect(await visible(me, 'view', p.all)).toEqual(live);
    const why = await me.explain('edit', p.dave);
    expect(why.reason).toBe('allowed-by-extension');
    expect(why.summary).toMatch(/^Allowed: .*through hook tap 'g2-too'$/);
    // Deleted contacts stay hidden.
    await w.admin.setMembership({ groupId: p.g2, contactId: p.frank, status: 'Added' });
    expect(await visible(w.domain.subject({ userId: 'u-alice' }), 'edit', p.all)).toEqual([p.dave]);
  });

  it('criteria may use subject tokens, groups and sub-types; later taps see and may change what earlier ones added', async () => {
    const w = await hookedWorld(t, (rg) => {
      rg.hooks.aclWhereClause.tap('same-country', (adj) => ({ ...adj, narrow: [...adj.narrow, { field: 'country', op: '=', value: { $subject: 'country' } }] }));
      rg.hooks.aclWhereClause.tap({ name: 'not-g1', stage: 5 }, (adj) => ({ ...adj, narrow: [...adj.narrow, { not: { inGroup: p.g1 } }] }));
      rg.hooks.aclWhereClause.tap({ name: 'sales-ok', stage: 5 }, (adj) => ({ ...adj, widen: [...adj.widen, { subType: 'sales' }] }));
    });
    await w.admin.setSubTypes(p.erin, ['sales']);
    await w.admin.createEntry({ effect: 'deny', operation: 'view', owner: { type: 'everyone' }, object: { type: 'contact', id: p.erin }, priority: 1 });
    // (entries allow, or a widen matches) and every narrow matches.
    expect(await visible(w.domain.subject({ userId: 'u-alice' }), 'view', p.all)).toEqual([p.alice]);
    expect((await w.domain.subject({ userId: 'u-alice' }).explain('view', p.bob)).extension).toBe("hook tap 'not-g1'");
    expect(await visible(w.domain.subject({ contactId: p.carol }), 'view', p.all)).toEqual([p.erin]);
    const why = await w.domain.subject({ contactId: p.carol }).explain('view', p.erin);
    expect([why.reason, why.extension]).toEqual(['allowed-by-extension', "hook tap 'sales-ok'"]);
    expect(await visible(w.domain.subject({}), 'view', p.all)).toEqual([]);

    const relaxed = await hookedWorld(t, (rg) => {
      rg.hooks.aclWhereClause.tap('fr-only', (adj) => ({ ...adj, narrow: [...adj.narrow, { field: 'country', op: '=', value: 'FR' }] }));
      rg.hooks.aclWhereClause.tap({ name: 'relax', stage: 10 }, (adj, r) => (r.subject.userId === 'u-alice' ? { narrow: [], widen: adj.widen } : adj));
    });
    expect(await visible(relaxed.domain.subject({ userId: 'u-alice' }), 'view', p.all)).toEqual([p.alice, p.bob, p.carol, p.dave]);
    expect(await visible(relaxed.domain.subject({ contactId: p.carol }), 'view', p.all)).toEqual([p.alice, p.bob]);
  });

  it('administrators are never adjusted', async () => {
    let calls = 0;
    const w = await hookedWorld(t, (rg) =>
      rg.hooks.aclWhereClause.tap('nobody', (adj) => {
        calls += 1;
        return { ...adj, narrow: [...adj.narrow, { field: 'id', op: '<', value: 0 }] };
      }),
    );
    const admins = await w.admin.createRole({ name: 'admins', isAdministrator: true });
    await w.admin.assignRole({ roleId: admins, assignee: { type: 'contact', id: p.alice } });
    expect(await visible(w.domain.subject({ userId: 'u-alice' }), 'edit', p.all)).toEqual(live);
    expect(calls).toBe(0);
    expect(await visible(w.domain.subject({ contactId: p.bob }), 'view', p.all)).toEqual([]);
    expect(calls).toBe(1);
  });

  it('a failing tap denies only the operation it failed for, and is reported with its name', async () => {
    const cases: [string, (rg: RowguardHooks) => void, string][] = [
      ['throws', (rg) => rg.hooks.aclWhereClause.tap('scope', (adj, r) => { if (r.operation === 'edit') throw new Error('no'); return adj; }), 'threw'],
      ['raw SQL', (rg) => rg.hooks.aclWhereClause.tap('scope', (adj, r) => (r.operation === 'edit' ? { ...adj, narrow: ["country = 'FR'" as unknown as Criteria] } : adj)), 'invalid-result'],
      ['unknown field', (rg) => rg.hooks.aclWhereClause.tap('scope', (adj, r) => (r.operation === 'edit' ? { ...adj, widen: [{ field: 'salary', op: '>', value: 3 }] } : adj)), 'invalid-result'],
      ['wrong type', (rg) => rg.hooks.aclWhereClause.tap('scope', (adj, r) => (r.operation === 'edit' ? { ...adj, widen: [{ field: 'age', op: '>', value: 'old' }] } : adj)), 'invalid-result'],
      ['unknown group', (rg) => rg.hooks.aclWhereClause.tap('scope', (adj, r) => (r.operation === 'edit' ? { ...adj, narrow: [{ inGroup: 987_654 }] } : adj)), 'invalid-result'],
      ['not an adjustment', (rg) => rg.hooks.aclWhereClause.tap('scope', (adj, r) => (r.operation === 'edit' ? ([] as never) : adj)), 'invalid-result'],
      ['slow', (rg) => rg.hooks.aclWhereClause.tapPromise('scope', async (adj, r) => { if (r.operation === 'edit') await sleep(300); return adj; }), 'timeout'],
    ];
    for (const [label, setup, reason] of cases) {
      const w = await hookedWorld(t, setup, { tapTimeoutMs: 60 });
      await w.admin.createEntry({ effect: 'allow', operation: 'edit', owner: { type: 'everyone' }, object: { type: 'group-members', groupId: p.g1 } });
      const me = w.domain.subject({ userId: 'u-alice' });
      expect(await visible(me, 'view', p.all), label).toEqual(live);
      expect(await visible(me, 'edit', p.all), label).toEqual([]);
      expect((await me.explain('edit', p.bob)).reason, label).toBe('error');
      expect(failed(w), label).toEqual([`aclWhereClause/scope/${reason}`]);
    }
  });
});
