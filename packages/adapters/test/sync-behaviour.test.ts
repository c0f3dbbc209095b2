import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRowguard, type Domain, type Rowguard } from '@rowguard/core';
import {
  HostSync,
  liveHostAccess,
  MemoryUserFramework,
  SyncCursorError,
  syncGroupsToHostRoles,
  syncHostRolesToGroups,
  syncUsersToContacts,
  wordpressSource,
} from '../src/index.js';
import { openTestDatabase, testDialects, type TestDatabase } from '../../core/test/support/test-databases.js';
import type { Dialect } from './host-tables.js';
import { createWordpressTables, wordpressHost } from './wordpress-fixture.js';

const dialects = await testDialects();

/** Provenance, the removal guard, resumable runs, the role <-> group fixed point and the live source. */
describe.each(dialects)('host sync behaviour on %s', (dialect) => {
  let t: TestDatabase;
  let engine: Rowguard;
  let domain: Domain;

  beforeAll(async () => {
    t = await openTestDatabase(dialect, 'sync_behaviour');
    engine = createRowguard({ db: t.db, contacts: { attributes: { email: { type: 'text' } } }, onError: () => undefined });
    await engine.migrate();
    domain = await engine.domain('behaviour');
    await createWordpressTables(t.db, dialect as Dialect, 'wpb_');
  });
  afterAll(async () => {
    await t.close();
  });

  const host = () => wordpressHost(t.db, dialect as Dialect, 'wpb_');
  const sync = (groupId: number, extra: Partial<ConstructorParameters<typeof HostSync>[2]> = {}) =>
    new HostSync(domain, wordpressSource(t.db, { prefix: 'wpb_' }), { emailAttribute: 'email', mappings: [{ hostRole: 'editor', groupId }], rolesCacheMs: 0, ...extra });

  it('removes only what it added: a membership by hand or by another source stays', async () => {
    const group = await domain.admin('setup').createGroup({ name: 'Provenance', kind: 'static' });
    const h = host();
    const byHand = await h.createUser({ email: 'hand@example.org', name: 'Hand', roles: ['subscriber'] });
    const bySync = await h.createUser({ email: 'sync@example.org', name: 'Sync', roles: ['editor'] });
    const s = sync(group);
    await s.reconcileAll();
    const handContact = (await domain.userLinks().contactOf(byHand)) as number;
    await domain.admin('alice').setMembership({ groupId: group, contactId: handContact, status: 'Added' });
    const other = await domain.admin('setup').createContact({ contactType: 'Individual', sortName: 'Other source' });
    await domain.admin('sync:ldap').setMembership({ groupId: group, contactId: other, status: 'Added', source: 'ldap' });
    await h.setRoles(bySync, ['subscriber']);
    const report = await s.reconcileAll();
    expect(report.changes.removed.map((r) => r.userId)).toEqual([bySync]);
    const rows = await domain.userLinks().membershipsOf([handContact, other], [group]);
    expect(rows.map((r) => [r.status, r.source ?? 'by hand']).sort()).toEqual([['Added', 'by hand'], ['Added', 'ldap']]);
  });

  it('the removal guard withholds a mass removal, reports it in the dry run, and force lets it through', async () => {
    const group = await domain.admin('setup').createGroup({ name: 'Guarded', kind: 'static' });
    const h = host();
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) ids.push(await h.createUser({ email: `guard${i}@example.org`, name: `Guard ${i}`, roles: ['editor'] }));
    const s = sync(group, { removalGuard: { maxShare: 0.25, minimum: 2 } });
    await s.reconcileAll();
    const before = (await domain.userLinks().groupCounts(group, 'wordpress')).added;
    for (const id of ids.slice(0, 15)) await h.setRoles(id, ['subscriber']);
    const dry = await s.reconcileAll({ dryRun: true });
    expect(dry.guarded).toEqual([expect.objectContaining({ groupId: group, members: before, withheld: 15 })]);
    const guarded = await s.reconcileAll();
    expect(guarded.guarded[0]?.withheld).toBe(15);
    expect((await domain.userLinks().groupCounts(group, 'wordpress')).added).toBe(before);
    const forced = await s.reconcileAll({ force: true });
    expect(forced.changes.removedCount).toBe(15);
    expect((await domain.userLinks().groupCounts(group, 'wordpress')).added).toBe(before - 15);
  });

  it('a run stopped mid-way resumes from its cursor, and a rerun converges to the same state', async () => {
    const group = await domain.admin('setup').createGroup({ name: 'Resumed', kind: 'static' });
    const h = host();
    for (let i = 0; i < 12; i++) await h.createUser({ email: `resume${i}@example.org`, name: `Resume ${i}`, roles: ['editor'] });
    const s = sync(group);
    let cursor: string | undefined;
    let batches = 0;
    await expect(
      s.reconcileAll({
        batchSize: 5,
        onProgress: (p) => {
          cursor = p.cursor;
          if (++batches === 2) throw new Error('crash');
        },
      }),
    ).rejects.toThrow('crash');
    expect(cursor).toMatch(/^users:[0-9]+$/);
    const resumed = await s.reconcileAll({ batchSize: 5, cursor });
    expect(resumed.cursor).toBe('done');
    const state = async () => (await domain.userLinks().list({ limit: 10_000 })).map((l) => `${l.userId}=${l.contactId}`).sort();
    const afterResume = await state();
    const rerun = await s.reconcileAll({ batchSize: 5 });
    expect(rerun.changes.created + rerun.changes.addedCount + rerun.changes.removedCount).toBe(0);
    expect(await state()).toEqual(afterResume);
    await expect(s.reconcileAll({ cursor: 'users:x' })).rejects.toBeInstanceOf(SyncCursorError);
  });

  it('role -> group and group -> role syncs back to back reach a fixed point in one round', async () => {
    const group = await domain.admin('setup').createGroup({ name: 'Fixed point', kind: 'static' });
    const users = new MemoryUserFramework(
      [
        { id: 'fp-a', email: 'fp-a@example.org', name: 'A', roles: ['author'] },
        { id: 'fp-b', email: 'fp-b@example.org', name: 'B', roles: ['editor'] },
        { id: 'fp-c', email: 'fp-c@example.org', name: 'C', roles: [] },
        { id: 'fp-d', email: 'fp-d@example.org', name: 'D', roles: ['author', 'editor'] },
      ],
      'fixedpoint',
    );
    await syncUsersToContacts(engine, domain, users, { matchAttribute: 'email' });
    // C is added by hand: group -> role must give C a role, and role -> group must leave C alone.
    await domain.admin('alice').setMembership({ groupId: group, contactId: (await domain.userLinks().contactOf('fp-c')) as number, status: 'Added' });
    const mappings = [
      { hostRole: 'author', groupId: group },
      { hostRole: 'editor', groupId: group },
    ];
    await syncHostRolesToGroups(engine, domain, users, mappings);
    await syncGroupsToHostRoles(engine, domain, users, mappings);
    const second = await syncHostRolesToGroups(engine, domain, users, mappings);
    const back = await syncGroupsToHostRoles(engine, domain, users, mappings);
    expect([second.added, second.removed, back.rolesGranted, back.rolesRevoked]).toEqual([[], [], [], []]);
    expect(users.get('fp-c')?.roles).toEqual(['author']);
    expect(users.get('fp-d')?.roles).toEqual(['author', 'editor']);
  });

  it('syncHostRolesToGroups: a user gone from the list loses what the sync gave it; links of other sources stay', async () => {
    const group = await domain.admin('setup').createGroup({ name: 'Framework', kind: 'static' });
    const users = new MemoryUserFramework([
      { id: 'fw-a', email: 'fw-a@example.org', name: 'A', roles: ['staff'] },
      { id: 'fw-b', email: 'fw-b@example.org', name: 'B', roles: ['staff'] },
    ], 'framework');
    await syncUsersToContacts(engine, domain, users, { matchAttribute: 'email' });
    await syncHostRolesToGroups(engine, domain, users, [{ hostRole: 'staff', groupId: group }]);
    const other = await domain.admin('setup').createContact({ contactType: 'Individual', sortName: 'Other' });
    await domain.admin('setup').linkUser({ userId: 'ldap:9', contactId: other });
    const gone = new MemoryUserFramework([{ id: 'fw-a', email: 'fw-a@example.org', name: 'A', roles: ['staff'] }], 'framework');
    const report = await syncHostRolesToGroups(engine, domain, gone, [{ hostRole: 'staff', groupId: group }]);
    const b = (await domain.userLinks().forUsers(['fw-b']))[0];
    expect(report.removed).toEqual([{ groupId: group, contactId: b?.contactId }]);
    expect(b?.suspended).toBe(true);
    expect(await domain.userLinks().contactOf('ldap:9')).toBe(other);
  });

  it('the live source puts host roles into groups at resolution, with no sync', async () => {
    const h = host();
    const group = await domain.admin('setup').createGroup({ name: 'Live', kind: 'static' });
    const role = await domain.admin('setup').createRole({ name: 'live editor' });
    await domain.admin('setup').assignRole({ roleId: role, assignee: { type: 'group', id: group } });
    await domain.admin('setup').grantPermission({ roleId: role, permission: 'edit all contacts' });
    const id = await h.createUser({ email: 'live@example.org', name: 'Live', roles: ['editor'] });
    const live = liveHostAccess(wordpressSource(t.db, { prefix: 'wpb_', multisite: true }), { mappings: [{ hostRole: 'editor', groupId: group }], ttlMs: 0 });
    const liveEngine = createRowguard({ db: t.db, contacts: { attributes: { email: { type: 'text' } } }, onError: () => undefined, extension: { contributeToSubject: live.contributeToSubject } });
    const liveDomain = await liveEngine.domain('behaviour');
    expect(await liveDomain.subject({ userId: id }).hasPermission('edit all contacts')).toBe(true);
    await h.setRoles(id, ['subscriber']);
    expect(await liveDomain.subject({ userId: id }).hasPermission('edit all contacts')).toBe(false);
    await h.setRoles(id, ['editor']);
    await h.block?.(id);
    expect(await liveDomain.subject({ userId: id }).hasPermission('edit all contacts')).toBe(false);
  });
});
