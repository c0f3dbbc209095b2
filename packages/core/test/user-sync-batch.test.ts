import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRowguard, PolicyError, type Domain, type Rowguard } from '../src/index.js';
import { openTestDatabase, testDialects, type TestDatabase } from './support/test-databases.js';

const dialects = await testDialects();

/** `PolicyAdmin.applyUserSync` (batched user sync writes with provenance), suspended links, link candidates. */
describe.each(dialects)('user sync batches on %s', (dialect) => {
  let t: TestDatabase;
  let engine: Rowguard;
  let domain: Domain;
  let staff: number;

  beforeAll(async () => {
    t = await openTestDatabase(dialect, 'user_sync_batch');
    engine = createRowguard({ db: t.db, contacts: { attributes: { email: { type: 'text' }, country: { type: 'text' } } }, onError: () => undefined });
    await engine.migrate();
    await engine.migrate();
    domain = await engine.domain('sync');
    const admin = domain.admin('setup');
    staff = await admin.createGroup({ name: 'Staff', kind: 'static' });
    const role = await admin.createRole({ name: 'staff' });
    await admin.assignRole({ roleId: role, assignee: { type: 'group', id: staff } });
    await admin.grantPermission({ roleId: role, permission: 'view all contacts' });
  });
  afterAll(async () => {
    await t.close();
  });

  it('creates, links and sets memberships with their source in one batch, audited per change', async () => {
    const existing = await domain.admin('setup').createContact({ contactType: 'Individual', sortName: 'Jane', attributes: { email: 'Jane.Doe@Example.org' } });
    const found = await domain.userLinks().linkCandidates('email', ['jane.doe@EXAMPLE.org']);
    expect(found).toEqual([{ contactId: existing, value: 'Jane.Doe@Example.org', linked: false }]);
    const result = await domain.admin('sync:test').applyUserSync({
      source: 'test',
      create: [
        { userId: 't:1', contactType: 'Individual', sortName: 'One', attributes: { email: 'one@example.org', country: 'VN' } },
        { userId: 't:2', contactType: 'Individual', sortName: 'Two', attributes: {} },
      ],
      link: [{ userId: 't:3', contactId: existing }],
      memberships: [
        { groupId: staff, userId: 't:1', status: 'Added' },
        { groupId: staff, userId: 't:3', status: 'Added' },
      ],
    });
    expect(result.counts).toMatchObject({ created: 2, linked: 1, memberships: 2 });
    const one = result.created.find((c) => c.userId === 't:1')?.contactId ?? 0;
    expect(await domain.userLinks().contactOf('t:1')).toBe(one);
    expect(await domain.userLinks().userOf(existing)).toBe('t:3');
    const rows = await domain.userLinks().membershipsOf([one, existing], [staff]);
    expect(rows.map((r) => [r.contactId, r.status, r.source]).sort()).toEqual([[existing, 'Added', 'test'], [one, 'Added', 'test']].sort());
    expect(await domain.subject({ userId: 't:1' }).hasPermission('view all contacts')).toBe(true);
    const audit = await domain.auditLog({ limit: 10 });
    expect(audit.map((a) => a.action).sort()).toEqual(['user.sync', 'user.sync.change', 'user.sync.change', 'user.sync.change', ...audit.slice(4).map((a) => a.action)].sort());
    const perUser = audit.find((a) => a.action === 'user.sync.change' && a.targetId === 't:1');
    expect(perUser?.after).toMatchObject({ contactId: expect.any(Number), link: 'created with its contact', memberships: [{ groupId: staff, status: 'Added', source: 'test' }] });
    expect(await domain.userLinks().groupCounts(staff, 'test')).toEqual({ added: 2, bySource: 2 });
    const state = await domain.userLinks().linkedState(['t:1', 't:2', 'nobody'], [staff]);
    expect(state.links.map((l) => l.userId).sort()).toEqual(['t:1', 't:2']);
    expect(state.contacts.find((c) => c.contactId === one)).toEqual({ contactId: one, sortName: 'One', attributes: { email: 'one@example.org', country: 'VN' } });
    expect(state.memberships).toEqual([{ groupId: staff, contactId: one, status: 'Added', source: 'test' }]);
  });

  it('a hand-made membership has no source; a suspended link resolves to no contact until resumed', async () => {
    const c = await domain.admin('setup').createContact({ contactType: 'Individual', sortName: 'Hand' });
    await domain.admin('alice').setMembership({ groupId: staff, contactId: c, status: 'Added' });
    expect((await domain.userLinks().membershipsOf([c]))[0]?.source).toBeNull();
    await domain.admin('sync:test').applyUserSync({ source: 'test', suspend: [{ userId: 't:1', suspended: true }] });
    expect(await domain.userLinks().contactOf('t:1')).toBeNull();
    expect((await domain.userLinks().forUsers(['t:1']))[0]?.suspended).toBe(true);
    expect(await domain.subject({ userId: 't:1' }).hasPermission('view all contacts')).toBe(false);
    await domain.admin('sync:test').applyUserSync({ source: 'test', suspend: [{ userId: 't:1', suspended: false }] });
    expect(await domain.subject({ userId: 't:1' }).hasPermission('view all contacts')).toBe(true);
  });

  it('refuses a clash, a foreign group or an unknown contact and writes nothing', async () => {
    const before = await domain.userLinks().list({ limit: 100 });
    await expect(
      domain.admin('sync:test').applyUserSync({
        source: 'test',
        create: [{ userId: 't:9', contactType: 'Individual', sortName: 'Nine', attributes: {} }],
        link: [{ userId: 't:10', contactId: before[0]?.contactId ?? 1 }],
      }),
    ).rejects.toBeInstanceOf(PolicyError);
    await expect(domain.admin('sync:test').applyUserSync({ source: 'test', memberships: [{ groupId: 999_999, contactId: 1, status: 'Added' }] })).rejects.toMatchObject({ code: 'unknown_group' });
    expect(await domain.userLinks().list({ limit: 100 })).toEqual(before);
    expect(await domain.userLinks().contactOf('t:9')).toBeNull();
  });

  it('keeps materialised smart groups exact: members by field and by static membership follow the batch', async () => {
    const admin = domain.admin('setup');
    const vn = await admin.createGroup({ name: 'In VN', kind: 'smart', criteria: { field: 'country', op: '=', value: 'VN' } });
    const staffLike = await admin.createGroup({ name: 'Staff members', kind: 'smart', criteria: { inGroup: staff } });
    const viewer = await admin.createContact({ contactType: 'Individual', sortName: 'Viewer', attributes: {} });
    await admin.createEntry({ effect: 'allow', operation: 'view', owner: { type: 'contact', id: viewer }, object: { type: 'group-members', groupId: vn } });
    await admin.createEntry({ effect: 'allow', operation: 'edit', owner: { type: 'contact', id: viewer }, object: { type: 'group-members', groupId: staffLike } });
    const materialised = (await domain.subject({ contactId: viewer }).explainClause('view')).materialised?.map((m) => m.groupId) ?? [];
    expect(materialised, 'the smart groups are materialised (the clause reads their rows)').toContain(vn);
    const result = await domain.admin('sync:test').applyUserSync({
      source: 'test',
      create: [{ userId: 't:m1', contactType: 'Individual', sortName: 'Materialised', attributes: { country: 'VN' } }],
      memberships: [{ groupId: staff, userId: 't:m1', status: 'Added' }],
    });
    const created = result.created[0]?.contactId ?? 0;
    const session = domain.subject({ contactId: viewer });
    for (const op of ['view', 'edit'] as const) {
      expect(await session.check(op, created), `${op}: in-memory decision`).toBe(true);
      expect(await session.listIds(op, { limit: 1000 }), `${op}: the clause reads the materialised rows`).toContain(created);
    }
    // A field update and a membership removal through the sync leave both groups.
    await domain.admin('sync:test').applyUserSync({
      source: 'test',
      update: [{ contactId: created, attributes: { country: 'FR' } }],
      memberships: [{ groupId: staff, contactId: created, status: 'Removed' }],
    });
    for (const op of ['view', 'edit'] as const) {
      expect(await session.check(op, created), `${op}: in-memory decision after the update`).toBe(false);
      expect(await session.listIds(op, { limit: 1000 }), `${op}: clause after the update`).not.toContain(created);
    }
  });
});
