import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PolicyAdmin } from '../src/index.js';
import { openTestDatabase, testDialects, type TestDatabase } from './support/test-databases.js';
import { createWorld, type TestWorld } from './support/test-world.js';

const dialects = await testDialects();

describe.each(dialects)('non-contact objects and constrained create on %s', (dialect) => {
  let t: TestDatabase;
  let w: TestWorld;
  let admin: PolicyAdmin;
  let staffer: number, accountant: number, outsider: number, staff: number, finance: number;
  const customGroups = { contact: 1, volunteer: 2, financial: 3 };

  beforeAll(async () => {
    t = await openTestDatabase(dialect, 'entities_create');
    w = await createWorld(t, { entityTypes: ['activity_type'] });
    admin = w.admin;
    staffer = await admin.createContact({ key: 'staffer', contactType: 'Individual', attributes: { country: 'FR' } });
    accountant = await admin.createContact({ key: 'accountant', contactType: 'Individual', attributes: { country: 'FR' } });
    outsider = await admin.createContact({ key: 'outsider', contactType: 'Individual', attributes: { country: 'VN' } });
    staff = await admin.createGroup({ name: 'Staff', kind: 'static' });
    finance = await admin.createGroup({ name: 'Finance', kind: 'static' });
    for (const id of [staffer, accountant]) await admin.setMembership({ groupId: staff, contactId: id, status: 'Added' });
    await admin.setMembership({ groupId: finance, contactId: accountant, status: 'Added' });
    // Seed 002: staff see all custom field groups DENY the financial one; finance sees it (a higher tier).
    await admin.createEntry({ effect: 'allow', operation: 'edit', owner: { type: 'group', id: staff }, object: { type: 'entity', entity: 'custom_group', id: null } });
    await admin.createEntry({ effect: 'deny', operation: 'view', owner: { type: 'group', id: staff }, object: { type: 'entity', entity: 'custom_group', id: customGroups.financial } });
    await admin.createEntry({ effect: 'allow', operation: 'edit', owner: { type: 'group', id: finance }, object: { type: 'entity', entity: 'custom_group', id: customGroups.financial }, priority: 1 });
    await admin.createEntry({ effect: 'allow', operation: 'view', owner: { type: 'everyone' }, object: { type: 'entity', entity: 'activity_type', id: 7 } });
    await sql`create table host_custom_group (id integer primary key, title varchar(64))`.execute(t.db);
    for (const [title, id] of Object.entries(customGroups)) await sql`insert into host_custom_group (id, title) values (${id}, ${title})`.execute(t.db);
  });
  afterAll(async () => {
    await t.close();
  });

  const rows = async (contactId: number, op: 'view' | 'edit') => {
    const me = w.domain.subject({ contactId });
    const where = await me.entityClause('custom_group', op, { alias: 'cg' });
    const found = await t.db.selectFrom('host_custom_group as cg').select('cg.title').where(where).orderBy('cg.id').execute();
    const titles = found.map((r) => String(r.title));
    const checked: string[] = [];
    for (const [title, id] of Object.entries(customGroups)) if (await me.checkEntity('custom_group', op, id)) checked.push(title);
    expect(titles).toEqual(checked);
    return titles;
  };

  it('custom field groups: all-of-type and specific-id entries share the tiers (seed 002)', async () => {
    expect(await w.domain.subject({ contactId: staffer }).permittedEntityIds('custom_group', 'view')).toEqual({ mode: 'all-except', ids: [3] });
    expect(await rows(staffer, 'view')).toEqual(['contact', 'volunteer']);
    expect(await rows(staffer, 'edit')).toEqual(['contact', 'volunteer', 'financial']);
    expect(await rows(accountant, 'view')).toEqual(['contact', 'volunteer', 'financial']);
    expect(await rows(outsider, 'view')).toEqual([]);
    expect(await w.domain.subject({}).permittedEntityIds('activity_type', 'view')).toEqual({ mode: 'only', ids: [7] });
    expect(await w.domain.subject({}).permittedEntityIds('spaceship', 'view')).toEqual({ mode: 'only', ids: [] });
  });

  it('create: a smart-group object covers a candidate whose values satisfy the criteria (tokens from the subject)', async () => {
    const local = await admin.createGroup({ name: 'same country', kind: 'smart', criteria: { field: 'country', op: '=', value: { $subject: 'country' } } });
    const entry = await admin.createEntry({ effect: 'allow', operation: 'create', owner: { type: 'group', id: staff }, object: { type: 'group-members', groupId: local } });
    const me = w.domain.subject({ contactId: staffer });
    const ok = await me.checkCreate({ contactType: 'Individual', attributes: { country: 'FR' } });
    expect(ok.allowed).toBe(true);
    const no = await me.checkCreate({ contactType: 'Individual', attributes: { country: 'VN' } });
    expect(no.allowed).toBe(false);
    expect(no.failedCriteria).toEqual([{ groupId: local, name: 'same country' }]);
    expect(no.explanation.summary).toMatch(/does not match the criteria of 'same country'/);
    const before = await t.db.selectFrom('rg_contact').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
    const refused = await w.domain.createContactAs({ contactId: staffer }, { contactType: 'Individual', attributes: { country: 'VN' } }, 'staffer');
    expect(refused.created).toBe(false);
    const after = await t.db.selectFrom('rg_contact').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
    expect(Number(after.n)).toBe(Number(before.n));
    await admin.deleteEntry(entry);
  });

  it('create: a static-group object covers the candidate by adding it to the group in the same transaction, so the creator sees it (seed 001)', async () => {
    const volunteers = await admin.createGroup({ name: 'Volunteers', kind: 'static' });
    await admin.createEntry({ effect: 'allow', operation: 'create', owner: { type: 'group', id: staff }, object: { type: 'group-members', groupId: volunteers } });
    await admin.createEntry({ effect: 'allow', operation: 'view', owner: { type: 'group', id: staff }, object: { type: 'group-members', groupId: volunteers } });
    const me = w.domain.subject({ contactId: staffer });
    const decision = await me.checkCreate({ contactType: 'Individual', attributes: { country: 'VN' } });
    expect(decision).toMatchObject({ allowed: true, addToGroups: [volunteers] });
    const result = await w.domain.createContactAs({ contactId: staffer }, { key: 'new-volunteer', contactType: 'Individual', sortName: 'New' }, 'staffer');
    expect(result.created).toBe(true);
    if (!result.created) return;
    expect(await me.check('view', result.contactId)).toBe(true);
    expect(await me.listIds('view')).toContain(result.contactId);
    const audit = await w.domain.auditLog({ limit: 2 });
    expect(audit.map((a) => a.action).sort()).toEqual(['contact.create', 'membership.set']);
    expect(audit.every((a) => a.actor === 'staffer')).toBe(true);
    const anon = await w.domain.subject({}).checkCreate({ contactType: 'Individual' });
    expect(anon.allowed).toBe(false);
    // A candidate cannot claim explicit membership of a smart group to satisfy its criteria.
    const cheat = await admin.createGroup({ name: 'FR only', kind: 'smart', criteria: { field: 'country', op: '=', value: 'FR' } });
    await admin.createEntry({ effect: 'allow', operation: 'create', owner: { type: 'group', id: staff }, object: { type: 'group-members', groupId: cheat } });
    expect((await me.checkCreate({ contactType: 'Individual', attributes: { country: 'FR' } })).allowed).toBe(true);
    const claimed = await me.checkCreate({ contactType: 'Individual', attributes: { country: 'DE' }, groups: [cheat] });
    expect(claimed.allowed).toBe(false);
    expect(claimed.explanation.error).toMatch(/smart/);
    const invalid = await me.checkCreate({ contactType: 'Individual', attributes: { planet: 'Mars' } });
    expect(invalid.allowed).toBe(false);
    expect(invalid.explanation.reason).toBe('error');
  });
});
