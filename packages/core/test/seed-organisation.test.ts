import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Operation } from '../src/index.js';
import { openTestDatabase, testDialects, type TestDatabase } from './support/test-databases.js';
import { createWorld, visible, type TestWorld } from './support/test-world.js';

const dialects = await testDialects();

/**
 * Seed 000's organisation, by configuration only: sub-types manager / team_lead / sales / customer, every
 * contact in one country, one manager per country. Managers create leads, sales and customers in their
 * country; leads create sales in their country; sales and customers create nothing; managers, leads and sales
 * see no contact of another country.
 */
describe.each(dialects)("seed 000's country organisation on %s", (dialect) => {
  let t: TestDatabase;
  let w: TestWorld;
  const people: Record<string, number> = {};
  let all: number[];

  beforeAll(async () => {
    t = await openTestDatabase(dialect, 'seed_organisation');
    w = await createWorld(t);
    await w.admin.transaction(async (admin) => {
      const sameCountry = { field: 'country', op: '=', value: { $subject: 'country' } } as const;
      const local = await admin.createGroup({ name: 'Same country', kind: 'smart', criteria: sameCountry });
      const localStaffOrCustomers = await admin.createGroup({
        name: 'Same-country leads, sales and customers',
        kind: 'smart',
        criteria: { all: [sameCountry, { any: [{ subType: 'team_lead' }, { subType: 'sales' }, { subType: 'customer' }] }] },
      });
      const localSales = await admin.createGroup({ name: 'Same-country sales', kind: 'smart', criteria: { all: [sameCountry, { subType: 'sales' }] } });
      const roles: Record<string, number> = {};
      for (const name of ['manager', 'team_lead', 'sales', 'customer']) roles[name] = await admin.createRole({ name });
      const entry = (role: string, operation: 'edit' | 'view' | 'create', groupId: number) =>
        admin.createEntry({ key: `${role}-${operation}-${groupId}`, effect: 'allow', operation, owner: { type: 'role', id: roles[role] as number }, object: { type: 'group-members', groupId } });
      await entry('manager', 'edit', local);
      await entry('manager', 'create', localStaffOrCustomers);
      await entry('team_lead', 'view', local);
      await entry('team_lead', 'create', localSales);
      await entry('sales', 'view', local);
      await admin.grantPermission({ roleId: roles.customer as number, permission: 'view my contact' });
      for (const country of ['VN', 'TH', 'KH']) {
        for (const [role, n] of [['manager', 1], ['team_lead', 2], ['sales', 2], ['customer', 2]] as const) {
          for (let i = 1; i <= n; i++) {
            const key = `${role}-${country}-${i}`;
            const id = await admin.createContact({ key, contactType: 'Individual', sortName: key, subTypes: [role], attributes: { country } });
            await admin.assignRole({ roleId: roles[role] as number, assignee: { type: 'contact', id } });
            await admin.linkUser({ userId: key, contactId: id });
            people[key] = id;
          }
        }
      }
    });
    all = Object.values(people).sort((a, b) => a - b);
  });
  afterAll(async () => {
    await t.close();
  });

  const country = (key: string) => key.split('-')[1];
  const inCountry = (c: string) => Object.entries(people).filter(([k]) => country(k) === c).map(([, id]) => id).sort((a, b) => a - b);

  it('managers, leads and sales see their own country only; customers see themselves', async () => {
    for (const key of Object.keys(people)) {
      const me = w.domain.subject({ userId: key });
      const seen = await visible(me, 'view', all);
      if (key.startsWith('customer')) expect(seen).toEqual([people[key]]);
      else expect(seen, key).toEqual(inCountry(country(key) as string));
      const edits = await visible(me, 'edit', all);
      expect(edits).toEqual(key.startsWith('manager') ? inCountry(country(key) as string) : []);
    }
  });

  it('who may create what, where', async () => {
    const can = async (user: string, subType: string, c: string) =>
      (await w.domain.subject({ userId: user }).checkCreate({ contactType: 'Individual', subTypes: [subType], attributes: { country: c } })).allowed;
    for (const sub of ['team_lead', 'sales', 'customer']) {
      expect(await can('manager-VN-1', sub, 'VN')).toBe(true);
      expect(await can('manager-VN-1', sub, 'TH')).toBe(false);
    }
    expect(await can('manager-VN-1', 'manager', 'VN')).toBe(false);
    expect(await can('team_lead-TH-1', 'sales', 'TH')).toBe(true);
    expect(await can('team_lead-TH-1', 'sales', 'VN')).toBe(false);
    expect(await can('team_lead-TH-1', 'customer', 'TH')).toBe(false);
    for (const user of ['sales-KH-1', 'customer-KH-2']) for (const sub of ['sales', 'customer']) expect(await can(user, sub, 'KH')).toBe(false);
  });

  it('a created contact lands behind the right walls', async () => {
    const result = await w.domain.createContactAs({ userId: 'team_lead-KH-1' }, { key: 'new-sales-KH', contactType: 'Individual', subTypes: ['sales'], attributes: { country: 'KH' } }, 'team_lead-KH-1');
    expect(result.created).toBe(true);
    if (!result.created) return;
    const sees = async (user: string, op: Operation) => w.domain.subject({ userId: user }).check(op, result.contactId);
    expect(await sees('team_lead-KH-1', 'view')).toBe(true);
    expect(await sees('manager-KH-1', 'edit')).toBe(true);
    expect(await sees('sales-VN-1', 'view')).toBe(false);
    expect(await sees('manager-TH-1', 'view')).toBe(false);
    const refused = await w.domain.createContactAs({ userId: 'team_lead-KH-1' }, { contactType: 'Individual', subTypes: ['sales'], attributes: { country: 'VN' } }, 'team_lead-KH-1');
    expect(refused.created).toBe(false);
    expect(refused.decision.explanation.summary).toMatch(/does not match the criteria of 'Same-country sales'/);
  });
});
