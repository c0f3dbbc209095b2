import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRowguard, type Domain, type Rowguard } from '@rowguard/core';
import { hostRolePermissions, MemoryUserFramework, syncContactsToUsers, syncGroupsToHostRoles, syncHostRolesToGroups, syncUsersToContacts, type HostUserFramework } from '../src/index.js';
import { openTestDatabase, testDialects, type TestDatabase } from '../../core/test/support/test-databases.js';

const dialects = await testDialects();

describe.each(dialects)('user framework adapters on %s', (dialect) => {
  let t: TestDatabase;
  let engine: Rowguard;
  let domain: Domain;
  let users: MemoryUserFramework;
  let managers: number;

  beforeAll(async () => {
    t = await openTestDatabase(dialect, 'adapters_sync');
    engine = createRowguard({ db: t.db, contacts: { attributes: { email: { type: 'text' }, country: { type: 'text' } } }, onError: () => undefined });
    await engine.migrate();
    domain = await engine.domain('default');
    await domain.admin('setup').createContact({ key: 'existing', contactType: 'Individual', sortName: 'Lan', attributes: { email: 'lan@example.org', country: 'VN' } });
    managers = await domain.admin('setup').createGroup({ name: 'Managers', kind: 'static' });
    const role = await domain.admin('setup').createRole({ name: 'manager' });
    await domain.admin('setup').assignRole({ roleId: role, assignee: { type: 'group', id: managers } });
    await domain.admin('setup').grantPermission({ roleId: role, permission: 'view all contacts' });
    users = new MemoryUserFramework([
      { id: 'u-lan', email: 'lan@example.org', name: 'Lan', roles: ['manager'] },
      { id: 'u-minh', email: 'minh@example.org', name: 'Minh', roles: [] },
      { id: 'u-ploy', email: null, name: 'Ploy', roles: ['manager'] },
    ]);
  });
  afterAll(async () => {
    await t.close();
  });

  it('users -> contacts: links by e-mail, creates the rest, and a second run changes nothing', async () => {
    const first = await syncUsersToContacts(engine, domain, users, { matchAttribute: 'email' });
    expect(first.linked).toHaveLength(1);
    expect(first.created.map((c) => c.userId).sort()).toEqual(['u-minh', 'u-ploy']);
    const again = await syncUsersToContacts(engine, domain, users, { matchAttribute: 'email' });
    expect(again).toMatchObject({ linked: [], created: [], unchanged: 3 });
    expect((await domain.auditLog({ limit: 1 }))[0]?.actor).toBe('sync:memory');
  });

  it('host roles -> groups, and through the group the role and its permissions', async () => {
    const report = await syncHostRolesToGroups(engine, domain, users, [{ hostRole: 'manager', groupId: managers }]);
    expect(report.added).toHaveLength(2);
    const minh = domain.subject({ userId: 'u-minh' });
    const lan = domain.subject({ userId: 'u-lan' });
    expect(await lan.hasPermission('view all contacts')).toBe(true);
    expect(await minh.hasPermission('view all contacts')).toBe(false);
    await users.setUserRoles('u-lan', []);
    await users.setUserRoles('u-minh', ['manager']);
    const second = await syncHostRolesToGroups(engine, domain, users, [{ hostRole: 'manager', groupId: managers }]);
    expect(second.added).toHaveLength(1);
    expect(second.removed).toHaveLength(1);
    expect(await lan.hasPermission('view all contacts')).toBe(false);
    expect(await minh.hasPermission('view all contacts')).toBe(true);
  });

  it('groups -> host roles', async () => {
    const lanContact = (await domain.subject({ userId: 'u-lan' }).resolve())?.contactId as number;
    await domain.admin('setup').setMembership({ groupId: managers, contactId: lanContact, status: 'Added' });
    const ploy = (await domain.subject({ userId: 'u-ploy' }).resolve())?.contactId as number;
    await domain.admin('setup').setMembership({ groupId: managers, contactId: ploy, status: 'Removed' });
    const report = await syncGroupsToHostRoles(engine, domain, users, [{ hostRole: 'manager', groupId: managers }]);
    expect(report.rolesGranted).toEqual([{ userId: 'u-lan', role: 'manager' }]);
    expect(report.rolesRevoked).toEqual([{ userId: 'u-ploy', role: 'manager' }]);
    expect(users.get('u-ploy')?.roles).toEqual([]);
  });

  it('contacts -> users: a user is created and linked for each contact of a group without one', async () => {
    const admin = domain.admin('setup');
    const newcomer = await admin.createContact({ contactType: 'Individual', sortName: 'Newcomer', attributes: { email: 'new@example.org' } });
    await admin.setMembership({ groupId: managers, contactId: newcomer, status: 'Added' });
    const { created } = await syncContactsToUsers(engine, domain, users, { groupId: managers, emailAttribute: 'email', rolesFor: () => ['manager'] });
    expect(created).toHaveLength(1);
    expect(created[0]?.contactId).toBe(newcomer);
    expect(users.get(created[0]?.userId as string)).toMatchObject({ email: 'new@example.org', name: 'Newcomer', roles: ['manager'] });
    expect((await domain.subject({ userId: created[0]?.userId as string }).resolve())?.contactId).toBe(newcomer);
  });

  it('host roles as functional permissions; a failing host denies', async () => {
    const hosted = createRowguard({
      db: t.db,
      contacts: engine.config.contacts,
      permissionProvider: hostRolePermissions((id) => users.get(id)?.roles ?? [], { manager: ['edit all contacts'] }),
      onError: () => undefined,
    });
    const d = await hosted.domain('default');
    const lanContact = (await d.subject({ userId: 'u-lan' }).resolve())?.contactId as number;
    expect(await d.subject({ userId: 'u-lan' }).check('edit', lanContact)).toBe(true);
    expect(await d.subject({ userId: 'u-ploy' }).check('edit', lanContact)).toBe(false);
    const broken = createRowguard({
      db: t.db,
      contacts: engine.config.contacts,
      permissionProvider: hostRolePermissions(() => Promise.reject(new Error('host down')), { manager: ['edit all contacts'] }),
      onError: () => undefined,
    });
    expect(await (await broken.domain('default')).subject({ userId: 'u-lan' }).check('view', lanContact)).toBe(false);
  });

  it('a framework returning an invalid user throws and writes nothing', async () => {
    const bad: HostUserFramework = { name: 'bad', listUsers: () => Promise.resolve([{ id: '', roles: [] }]) };
    const before = await domain.auditLog({ limit: 1 });
    await expect(syncUsersToContacts(engine, domain, bad)).rejects.toThrow(/bad: invalid user record/);
    expect(await domain.auditLog({ limit: 1 })).toEqual(before);
    await expect(syncHostRolesToGroups(engine, domain, users, [{ hostRole: 'x', groupId: 999_999 }])).rejects.toMatchObject({ code: 'unknown_group' });
  });
});
