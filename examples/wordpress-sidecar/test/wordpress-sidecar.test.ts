import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { connectDatabase, type DatabaseConnection } from '@rowguard/core';
import { addWordpressUser, createWordpressSidecar, createWordpressStandIn, deleteWordpressUser, runDemo, setWordpressRoles, type WordpressSidecar } from '../src/index.js';

describe('WordPress sidecar example (embedded SQLite)', () => {
  let crm: DatabaseConnection;
  let wordpress: DatabaseConnection;
  let sidecar: WordpressSidecar;
  const users: Record<string, string> = {};

  beforeEach(async () => {
    crm = await connectDatabase('sqlite::memory:');
    wordpress = await connectDatabase('sqlite::memory:');
    await createWordpressStandIn(wordpress.db);
    users.admin = await addWordpressUser(wordpress.db, { login: 'admin', email: 'admin@shop.example', name: 'Admin', roles: ['administrator'], country: 'VN' });
    users.mai = await addWordpressUser(wordpress.db, { login: 'mai', email: 'Mai@Shop.example', name: 'Mai', roles: ['shop_manager'], country: 'VN' });
    users.linh = await addWordpressUser(wordpress.db, { login: 'linh', email: 'linh@example.org', name: 'Linh', roles: ['customer'], country: 'VN' });
    users.claire = await addWordpressUser(wordpress.db, { login: 'claire', email: 'claire@example.org', name: 'Claire', roles: ['customer'], country: 'FR' });
    sidecar = await createWordpressSidecar({
      crm: crm.db,
      wordpress: wordpress.db,
      setUp: async (domain) => {
        const a = domain.admin('test');
        const managers = await a.createGroup({ name: 'Shop managers', kind: 'static' });
        const role = await a.createRole({ name: 'Country manager' });
        await a.assignRole({ roleId: role, assignee: { type: 'group', id: managers } });
        const same = await a.createGroup({ name: 'Same country', kind: 'smart', criteria: { field: 'country', op: '=', value: { $subject: 'country' } } });
        await a.createEntry({ effect: 'allow', operation: 'view', owner: { type: 'role', id: role }, object: { type: 'group-members', groupId: same } });
        return [{ hostRole: 'shop_manager', groupId: managers }];
      },
    });
    await sidecar.sync.reconcileAll();
  });
  afterEach(async () => {
    await crm.close();
    await wordpress.close();
  });

  const names = async (userId: string) => (await sidecar.listContacts(userId)).map((c) => c.name);

  it('lists what rowguard lets each WordPress user view: capabilities live, roles through groups', async () => {
    expect(await names(users.admin as string)).toEqual(['Admin', 'Mai', 'Linh', 'Claire']);
    expect(await names(users.mai as string)).toEqual(['Admin', 'Mai', 'Linh']);
    expect(await names(users.linh as string)).toEqual([]);
    expect((await sidecar.listContacts(users.mai as string))[1]).toMatchObject({ email: 'Mai@Shop.example', country: 'VN' });
  });

  it('follows a role change and a deletion at the next listing after the user-changed call', async () => {
    await setWordpressRoles(wordpress.db, users.linh as string, ['shop_manager']);
    await sidecar.userChanged(users.linh as string);
    expect(await names(users.linh as string)).toEqual(['Admin', 'Mai', 'Linh']);
    await deleteWordpressUser(wordpress.db, users.mai as string);
    await sidecar.userChanged(users.mai as string);
    expect(await names(users.mai as string)).toEqual([]);
    expect(await names(users.admin as string)).toContain('Mai');
  });

  it('serves the listing and the user-changed hook over HTTP', async () => {
    const server = sidecar.server().listen(0);
    await new Promise((resolve) => server.once('listening', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const listed = (await (await fetch(`${base}/contacts?as=${users.mai}`)).json()) as { contacts: { name: string }[] };
      expect(listed.contacts.map((c) => c.name)).toEqual(['Admin', 'Mai', 'Linh']);
      await setWordpressRoles(wordpress.db, users.mai as string, ['customer']);
      expect((await fetch(`${base}/users/${users.mai}/changed`, { method: 'POST' })).status).toBe(200);
      const after = (await (await fetch(`${base}/contacts?as=${users.mai}`)).json()) as { contacts: unknown[] };
      expect(after.contacts).toEqual([]);
      expect((await fetch(`${base}/nowhere`)).status).toBe(404);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('the demo runs and tells the story', async () => {
    expect(await runDemo()).toEqual([
      'synced 4 WordPress users: 3 contacts created, 1 linked by e-mail',
      'admin sees: Mai Tran, Admin, Linh, Claire',
      'mai sees: Mai Tran, Admin, Linh',
      'after mai became a customer: mai sees: nothing',
    ]);
  });
});
