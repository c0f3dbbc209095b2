import { connectDatabase } from '@rowguard/core';
import { addWordpressUser, createWordpressStandIn, setWordpressRoles } from './wordpress-stand-in.js';
import { createWordpressSidecar } from './wordpress-sidecar.js';

/**
 * The story of the example on embedded SQLite: a shop's WordPress users become CRM contacts, shop managers see
 * the contacts of their country, the administrator sees everyone (WordPress's `list_users`, read live), and a
 * role change in WordPress reaches the next listing after `reconcileUser`. Returns the lines it prints.
 *
 * @example
 * ```ts
 * const lines = await runDemo();
 * ```
 */
export async function runDemo(): Promise<string[]> {
  const crm = await connectDatabase('sqlite::memory:');
  const wordpress = await connectDatabase('sqlite::memory:');
  const lines: string[] = [];
  try {
    await createWordpressStandIn(wordpress.db);
    const admin = await addWordpressUser(wordpress.db, { login: 'admin', email: 'admin@shop.example', name: 'Admin', roles: ['administrator'], country: 'VN' });
    const mai = await addWordpressUser(wordpress.db, { login: 'mai', email: 'Mai.Tran@Shop.example', name: 'Mai Tran', roles: ['shop_manager'], country: 'VN' });
    await addWordpressUser(wordpress.db, { login: 'linh', email: 'linh@example.org', name: 'Linh', roles: ['customer'], country: 'VN' });
    await addWordpressUser(wordpress.db, { login: 'claire', email: 'claire@example.org', name: 'Claire', roles: ['customer'], country: 'FR' });
    const sidecar = await createWordpressSidecar({
      crm: crm.db,
      wordpress: wordpress.db,
      setUp: async (domain) => {
        const a = domain.admin('sidecar-setup');
        const managers = await a.createGroup({ name: 'Shop managers', kind: 'static' });
        const role = await a.createRole({ name: 'Country manager' });
        await a.assignRole({ roleId: role, assignee: { type: 'group', id: managers } });
        const sameCountry = await a.createGroup({ name: 'Same country as me', kind: 'smart', criteria: { field: 'country', op: '=', value: { $subject: 'country' } } });
        await a.createEntry({ effect: 'allow', operation: 'view', owner: { type: 'role', id: role }, object: { type: 'group-members', groupId: sameCountry } });
        await a.createContact({ contactType: 'Individual', sortName: 'Mai (CRM)', attributes: { email: 'mai.tran@shop.example' } });
        return [{ hostRole: 'shop_manager', groupId: managers }];
      },
    });
    const report = await sidecar.sync.reconcileAll();
    lines.push(`synced ${report.users} WordPress users: ${report.changes.created} contacts created, ${report.changes.linked} linked by e-mail`);
    const names = async (userId: string) => (await sidecar.listContacts(userId)).map((c) => c.name).join(', ');
    lines.push(`admin sees: ${await names(admin)}`);
    lines.push(`mai sees: ${await names(mai)}`);
    await setWordpressRoles(wordpress.db, mai, ['customer']);
    await sidecar.userChanged(mai);
    lines.push(`after mai became a customer: mai sees: ${(await names(mai)) || 'nothing'}`);
    return lines;
  } finally {
    await crm.close();
    await wordpress.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) for (const line of await runDemo()) console.log(line);
