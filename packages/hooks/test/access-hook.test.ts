import { beforeEach, describe, expect, it } from 'vitest';
import type { ContactGrant, RowguardHooks } from '../src/index.js';
import { testDialects, type TestDatabase } from '../../core/test/support/test-databases.js';
import { blockFor, failed, hookedWorld, namesTap, sleep, visible, type People, seededSuite } from './support/hooked-world.js';

const dialects = await testDialects();

describe.each(dialects)('access hook on %s', (dialect) => {
  const suite = seededSuite(dialect, 'hooks_access');
  let t: TestDatabase;
  let p: People;
  beforeEach(async () => {
    ({ t, p } = suite);
  });

  it('groups: the subject counts as a member of the groups a tap adds, and the explanation names the tap', async () => {
    const w = await hookedWorld(t, (rg) => rg.plugin((h) => h.access.for('groups').tap('og-groups', (ids) => [...ids, p.g2])));
    await w.admin.createEntry({ effect: 'allow', operation: 'view', owner: { type: 'group', id: p.g2 }, object: { type: 'group-members', groupId: p.g1 } });
    const me = w.domain.subject({ userId: 'u-alice' });
    expect(await visible(me, 'view', p.all)).toEqual([p.bob, p.carol]);
    const why = await me.explain('view', p.bob);
    expect(why.deciding?.heldVia).toBe(`added by hook tap 'og-groups' as a member of group ${p.g2}`);
    expect(why.subject?.groups).toEqual([p.staff, p.g2].sort((a, b) => a - b));
    // Roles assigned to the group follow it.
    const role = await w.admin.createRole({ name: 'g2-editors' });
    await w.admin.assignRole({ roleId: role, assignee: { type: 'group', id: p.g2 } });
    await w.admin.createEntry({ effect: 'allow', operation: 'edit', owner: { type: 'role', id: role }, object: { type: 'contact', id: p.erin } });
    expect(await visible(w.domain.subject({ userId: 'u-alice' }), 'edit', p.all)).toEqual([p.erin]);
    expect(w.failures).toEqual([]);
  });

  it('groups: a disabled group grants nothing; a smart, unknown or foreign group id denies every decision', async () => {
    await (await hookedWorld(t)).admin.createEntry({ effect: 'allow', operation: 'view', owner: { type: 'everyone' }, object: { type: 'all-contacts' } });
    const other = await (await hookedWorld(t)).engine.domain('other');
    const foreign = await other.admin('hooks-test').createGroup({ name: 'foreign', kind: 'static' });
    const w = await hookedWorld(t, (rg) => rg.hooks.access.for('groups').tap('og-groups', () => [p.g2]));
    await w.admin.createEntry({ effect: 'deny', operation: 'view', owner: { type: 'group', id: p.g2 }, object: { type: 'contact', id: p.bob } });
    expect(await visible(w.domain.subject({ userId: 'u-alice' }), 'view', p.all)).toEqual([p.alice, p.carol, p.dave, p.erin]);
    await w.admin.updateGroup(p.g2, { active: false });
    expect(await visible(w.domain.subject({ userId: 'u-alice' }), 'view', p.all)).toEqual([p.alice, p.bob, p.carol, p.dave, p.erin]);

    for (const bad of [p.vn, 987_654, foreign]) {
      const broken = await hookedWorld(t, (rg) => rg.hooks.access.for('groups').tap('og-groups', () => [bad]));
      const me = broken.domain.subject({ userId: 'u-alice' });
      expect(await visible(me, 'view', p.all)).toEqual([]);
      const why = await me.explain('view', p.bob);
      expect(why.reason).toBe('error');
      expect(why.error).toMatch(/tap 'og-groups'/);
      expect(failed(broken)).toContain('access.groups/og-groups/invalid-result');
      expect(broken.engineErrors.some((e) => namesTap(e, 'og-groups'))).toBe(true);
    }
  });

  it('roles: the subject holds the ACL roles a tap adds (explained as through the tap); foreign roles deny', async () => {
    const w = await hookedWorld(t, (rg) => rg.plugin((h) => h.access.for('roles').tapPromise('og-roles', async (ids) => [...ids, role])));
    const role = await w.admin.createRole({ name: 'team editor' });
    await w.admin.createEntry({ effect: 'allow', operation: 'edit', owner: { type: 'role', id: role }, object: { type: 'group-members', groupId: p.vn } });
    const me = w.domain.subject({ userId: 'u-alice' });
    expect(await visible(me, 'edit', p.all)).toEqual([p.carol, p.erin]);
    expect(await visible(me, 'view', p.all)).toEqual([p.carol, p.erin]);
    expect((await me.explain('edit', p.carol)).deciding?.heldVia).toBe(`role ${role} through hook tap 'og-roles'`);

    const other = await w.engine.domain('other');
    const foreign = await other.admin('hooks-test').createRole({ name: 'foreign' });
    const broken = await hookedWorld(t, (rg) => rg.hooks.access.for('roles').tap('og-roles', () => [foreign]));
    expect(await visible(broken.domain.subject({ userId: 'u-alice' }), 'edit', p.all)).toEqual([]);
    expect(failed(broken)).toEqual(['access.roles/og-roles/invalid-result']);
  });

  it('entries: ACL entries a tap names apply to the subject as its own; the explanation names tap and entry', async () => {
    const w = await hookedWorld(t, (rg) => rg.hooks.access.for('entries').tap('og-acl', (ids) => [...ids, entry]));
    const entry = await w.admin.createEntry({ effect: 'allow', operation: 'view', owner: { type: 'contact', id: p.bob }, object: { type: 'group-members', groupId: p.g1 } });
    await w.admin.createEntry({ effect: 'deny', operation: 'view', owner: { type: 'group', id: p.staff }, object: { type: 'contact', id: p.carol } });
    const me = w.domain.subject({ userId: 'u-alice' });
    // The entry was owned by a contact: it keeps its contact level, so it beats the group-level deny on carol.
    expect(await visible(me, 'view', p.all)).toEqual([p.bob, p.carol]);
    const why = await me.explain('view', p.carol);
    expect(why.deciding?.source).toBe(`hook tap 'og-acl' (entry #${entry})`);
    expect(why.deciding?.level).toBe('contact');
    expect(why.summary).toContain(`hook tap 'og-acl' (entry #${entry})`);
    // Anonymous subjects get it at group level (and do not hold the staff deny).
    expect(await visible(w.domain.subject({}), 'view', p.all)).toEqual([p.bob, p.carol]);
    await w.admin.updateEntry(entry, { active: false });
    expect(await visible(w.domain.subject({ userId: 'u-alice' }), 'view', p.all)).toEqual([]);

    const other = await w.engine.domain('other');
    const foreign = await other.admin('hooks-test').createEntry({ effect: 'allow', operation: 'view', owner: { type: 'everyone' }, object: { type: 'all-contacts' } });
    const broken = await hookedWorld(t, (rg) => rg.hooks.access.for('entries').tap('og-acl', () => [foreign]));
    expect(await visible(broken.domain.subject({ userId: 'u-alice' }), 'view', p.all)).toEqual([]);
    expect(failed(broken)).toEqual(['access.entries/og-acl/invalid-result']);
  });

  it('contacts: ids or criteria per operation act as allow entries: same-tier denies win, contact level beats them', async () => {
    let grants: ContactGrant[] = [];
    const w = await hookedWorld(t, (rg) =>
      rg.hooks.access.for('contacts').tap('og-contacts', (so) => [...so, ...grants]),
    );
    grants = [
      { operation: 'edit', contactIds: [p.bob, p.dave] },
      { operation: 'view', criteria: { field: 'country', op: '=', value: 'VN' } },
    ];
    const me = () => w.domain.subject({ userId: 'u-alice' });
    expect(await visible(me(), 'view', p.all)).toEqual([p.bob, p.carol, p.dave, p.erin]);
    expect(await visible(me(), 'edit', p.all)).toEqual([p.bob, p.dave]);
    expect(await visible(me(), 'delete', p.all)).toEqual([]);
    const why = await me().explain('edit', p.bob);
    expect(why.deciding?.source).toBe("hook tap 'og-contacts'");
    expect(why.summary).toMatch(/^Allowed: .*decided by hook tap 'og-contacts'/);

    await w.admin.createEntry({ effect: 'deny', operation: 'view', owner: { type: 'everyone' }, object: { type: 'group-members', groupId: p.g1 } });
    expect(await visible(me(), 'view', p.all)).toEqual([p.dave, p.erin]);
    grants = [{ operation: 'all', contactIds: [p.bob], level: 'contact' }, { operation: 'view', criteria: { inGroup: p.g1 }, priority: 1 }];
    expect(await visible(me(), 'view', p.all)).toEqual([p.bob, p.carol]);
    expect(await visible(me(), 'delete', p.all)).toEqual([p.bob]);
    // Tokens resolve against the subject.
    grants = [{ operation: 'view', criteria: { field: 'country', op: '=', value: { $subject: 'country' } } }];
    expect(await visible(me(), 'view', p.all)).toEqual([p.alice]);
    // A contact-level grant needs a subject with a contact: for anonymous subjects it denies.
    grants = [{ operation: 'view', contactIds: [p.bob], level: 'contact' }];
    expect(await visible(w.domain.subject({}), 'view', p.all)).toEqual([]);
    expect(failed(w)).toEqual(['access.contacts/og-contacts/invalid-result']);
    expect(w.failures.every((f) => f.details.level === 'contact')).toBe(true);
  });

  it('a throwing, wrong-shaped or slow tap makes every decision of the subject deny, reported with its name', async () => {
    await (await hookedWorld(t)).admin.createEntry({ effect: 'allow', operation: 'view', owner: { type: 'everyone' }, object: { type: 'all-contacts' } });
    const everyone = [p.alice, p.bob, p.carol, p.dave, p.erin];
    const cases: [string, (rg: RowguardHooks) => void, string][] = [
      ['throws', (rg) => rg.hooks.access.for('groups').tap('og-sync', () => { throw new Error('directory down'); }), 'access.groups/og-sync/threw'],
      ['rejects', (rg) => rg.hooks.access.for('roles').tapPromise('og-sync', () => Promise.reject(new Error('nope'))), 'access.roles/og-sync/threw'],
      ['callback error', (rg) => rg.hooks.access.for('entries').tapAsync('og-sync', (_ids, _r, cb) => cb(new Error('cb'))), 'access.entries/og-sync/threw'],
      ['zero id', (rg) => rg.hooks.access.for('groups').tap('og-sync', () => [0]), 'access.groups/og-sync/invalid-result'],
      ['string id', (rg) => rg.hooks.access.for('groups').tap('og-sync', () => ['3'] as never), 'access.groups/og-sync/invalid-result'],
      ['fraction', (rg) => rg.hooks.access.for('roles').tap('og-sync', () => [1.5]), 'access.roles/og-sync/invalid-result'],
      ['object', (rg) => rg.hooks.access.for('entries').tap('og-sync', () => ({ ids: [1] }) as never), 'access.entries/og-sync/invalid-result'],
      ['raw SQL', (rg) => rg.hooks.access.for('contacts').tap('og-sync', () => [{ operation: 'view', criteria: "country = 'FR'" }] as never), 'access.contacts/og-sync/invalid-result'],
      ['unknown field', (rg) => rg.hooks.access.for('contacts').tap('og-sync', () => [{ operation: 'view', criteria: { field: 'salary', op: '>', value: 1 } }]), 'access.contacts/og-sync/invalid-result'],
      ['grant op', (rg) => rg.hooks.access.for('contacts').tap('og-sync', () => [{ operation: 'grant', contactIds: [1] }] as never), 'access.contacts/og-sync/invalid-result'],
      ['slow promise', (rg) => rg.hooks.access.for('groups').tapPromise('og-sync', async (ids) => { await sleep(150); return ids; }), 'access.groups/og-sync/timeout'],
      ['silent callback', (rg) => rg.hooks.access.for('groups').tapAsync('og-sync', () => undefined), 'access.groups/og-sync/timeout'],
      ['blocking', (rg) => rg.hooks.access.for('groups').tap('og-sync', (ids) => { blockFor(60); return ids; }), 'access.groups/og-sync/timeout'],
    ];
    // A tap failing for one subject only: the others are decided as usual.
    const picky = await hookedWorld(t, (rg) =>
      rg.hooks.access.for('groups').tap('og-sync', (ids, r) => {
        if (r.subject.userId === 'u-alice') throw new Error('alice only');
        return ids;
      }),
    );
    expect(await visible(picky.domain.subject({ contactId: p.bob }), 'view', p.all)).toEqual(everyone);
    expect(await visible(picky.domain.subject({ userId: 'u-alice' }), 'view', p.all)).toEqual([]);
    for (const [label, setup, failure] of cases) {
      const w = await hookedWorld(t, setup, { tapTimeoutMs: 30 });
      const me = w.domain.subject({ userId: 'u-alice' });
      expect(await visible(me, 'view', p.all), label).toEqual([]);
      expect(await me.listIds('view'), label).toEqual([]);
      expect((await me.explain('view', p.bob)).reason, label).toBe('error');
      expect(failed(w), label).toContain(failure);
      expect(w.engineErrors.length, label).toBeGreaterThan(0);
      expect(w.engineErrors.every((e) => namesTap(e, 'og-sync')), label).toBe(true);
    }
  });

  it('taps run by stage and before, each seeing what earlier ones added; plugins trace them with interceptors', async () => {
    const order: string[] = [];
    const trace: string[] = [];
    const w = await hookedWorld(t, (rg) =>
      rg.plugin((h) => {
        const groups = h.access.for('groups');
        groups.tap('b', (ids) => {
          order.push(`b:${ids.join(',')}`);
          return [...ids, p.g1];
        });
        groups.tap({ name: 'a', stage: -10 }, (ids) => {
          order.push(`a:${ids.join(',')}`);
          return [...ids, p.g2];
        });
        groups.tap({ name: 'c', before: 'b' }, (ids) => {
          order.push(`c:${ids.join(',')}`);
          return undefined;
        });
        groups.intercept({
          name: 'tracer',
          call: (ids, request) => trace.push(`call:${ids.length}:${request.grantType}`),
          tap: (tap) => trace.push(`tap:${tap.name}`),
          result: (ids) => trace.push(`result:${ids?.length}`),
        });
      }),
    );
    await w.admin.createEntry({ effect: 'allow', operation: 'view', owner: { type: 'group', id: p.g1 }, object: { type: 'contact', id: p.erin } });
    expect(await visible(w.domain.subject({ userId: 'u-alice' }), 'view', p.all)).toEqual([p.erin]);
    expect(order).toEqual(['a:', `c:${p.g2}`, `b:${p.g2}`]);
    expect(trace).toEqual(['call:0:groups', 'tap:a', 'tap:c', 'tap:b', 'result:2']);

    const errors: string[] = [];
    const broken = await hookedWorld(t, (rg) =>
      rg.plugin((h) => {
        h.access.for('roles').tap('fails', () => [0]);
        h.access.for('roles').intercept({ error: (err) => errors.push(err.message) });
      }),
    );
    expect(await broken.domain.subject({ userId: 'u-alice' }).check('view', p.erin)).toBe(false);
    expect(errors).toEqual([expect.stringMatching(/^hook access\.roles: tap 'fails' returned an invalid value/)]);
  });

  it('runs once per request, and is reused across requests only as long as what the taps declared holds', async () => {
    let calls = 0;
    let declare: (r: { dependsOn(...k: string[]): void; maxAge(ms: number): void }) => void = () => undefined;
    const w = await hookedWorld(t, (rg) =>
      rg.hooks.access.for('groups').tap('og-groups', (ids, request) => {
        calls += 1;
        declare(request);
        return [...ids, p.g2];
      }),
    );
    await w.admin.createEntry({ effect: 'allow', operation: 'view', owner: { type: 'group', id: p.g2 }, object: { type: 'contact', id: p.erin } });
    const request = () => w.domain.subject({ userId: 'u-alice' });
    const s = request();
    for (const id of p.all) await s.check('view', id);
    await s.listIds('edit');
    expect(calls).toBe(1);
    await request().check('view', p.erin);
    expect(calls).toBe(2);

    declare = (r) => r.dependsOn('teams');
    await request().check('view', p.erin);
    await request().check('view', p.erin);
    expect(calls).toBe(3);
    expect(await visible(w.domain.subject({ contactId: p.bob }), 'view', p.all)).toEqual([p.erin]);
    expect(calls).toBe(4);
    await w.admin.createEntry({ effect: 'allow', operation: 'view', owner: { type: 'group', id: p.g2 }, object: { type: 'contact', id: p.dave } });
    expect(await visible(request(), 'view', p.all)).toEqual([p.dave, p.erin]);
    expect(calls).toBe(4);
    expect(w.rg.invalidate('other')).toBe(0);
    expect(w.rg.invalidate('teams')).toBe(2);
    await request().check('view', p.erin);
    expect(calls).toBe(5);

    declare = (r) => r.dependsOn('policy');
    w.rg.invalidate();
    await request().check('view', p.erin);
    await request().check('view', p.erin);
    expect(calls).toBe(6);
    await w.admin.setMembership({ groupId: p.g1, contactId: p.erin, status: 'Added' });
    await request().check('view', p.erin);
    expect(calls).toBe(7);

    declare = (r) => r.maxAge(40);
    w.rg.invalidate();
    await request().check('view', p.erin);
    await request().check('view', p.erin);
    expect(calls).toBe(8);
    await sleep(60);
    await request().check('view', p.erin);
    expect(calls).toBe(9);

    // A new tap makes kept answers stale (and one that declares nothing makes them not kept at all).
    declare = (r) => r.dependsOn('teams');
    w.rg.invalidate();
    await request().check('view', p.erin);
    await request().check('view', p.erin);
    expect(calls).toBe(10);
    w.rg.hooks.access.for('roles').tap('late', () => undefined);
    await request().check('view', p.erin);
    await request().check('view', p.erin);
    expect(calls).toBe(12);
  });
});
