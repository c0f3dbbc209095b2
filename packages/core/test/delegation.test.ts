import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PolicyError, type PolicyAdmin } from '../src/index.js';
import { openTestDatabase, testDialects, type TestDatabase } from './support/test-databases.js';
import { createWorld, visible, type TestWorld } from './support/test-world.js';

const dialects = await testDialects();

describe.each(dialects)('delegation (grant) on %s', (dialect) => {
  let t: TestDatabase;
  let w: TestWorld;
  let admin: PolicyAdmin;
  const c: Record<string, number> = {};
  let all: number[];
  let assistants: number, california: number, parent: number, grant: number, caRole: number;

  beforeAll(async () => {
    t = await openTestDatabase(dialect, 'delegation');
    w = await createWorld(t);
    admin = w.admin;
    const mk = async (key: string, state: string, subTypes: string[] = []) => {
      c[key] = await admin.createContact({ key, contactType: 'Individual', subTypes, attributes: { state } });
    };
    await mk('granter', 'CA');
    await mk('assistant', 'NY');
    await mk('stranger', 'NY');
    await mk('ca1', 'CA', ['volunteer']);
    await mk('ca2', 'CA');
    await mk('ny1', 'NY', ['volunteer']);
    all = Object.values(c).sort((a, b) => a - b);
    assistants = await admin.createGroup({ name: 'Assistants', kind: 'static' });
    await admin.setMembership({ groupId: assistants, contactId: c.assistant as number, status: 'Added' });
    california = await admin.createGroup({ name: 'California', kind: 'smart', criteria: { field: 'state', op: '=', value: 'CA' } });
    caRole = await admin.createRole({ name: 'CA editors' });
    await admin.assignRole({ roleId: caRole, assignee: { type: 'contact', id: c.granter as number } });
    parent = await admin.createEntry({ key: 'edit-ca', effect: 'allow', operation: 'edit', owner: { type: 'role', id: caRole }, object: { type: 'group-members', groupId: california } });
    grant = await admin.createEntry({ key: 'grant-assistants', effect: 'allow', operation: 'grant', owner: { type: 'contact', id: c.granter as number }, object: { type: 'group-members', groupId: assistants } });
  });
  afterAll(async () => {
    await t.close();
  });

  const ids = (...names: string[]) => names.map((n) => c[n] as number).sort((a, b) => a - b);
  const refused = async (run: () => Promise<unknown>, code: string) => {
    const before = (await w.domain.policy()).entries.length;
    const error = await run().then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(PolicyError);
    expect((error as PolicyError).code).toBe(code);
    expect((await w.domain.policy()).entries.length).toBe(before);
  };

  it('refuses a recipient outside the grant set, a wider operation, a granter without the grant right, loops', async () => {
    await refused(() => admin.delegate({ granter: c.granter as number, recipient: c.stranger as number, parentEntryId: parent, operation: 'view' }), 'delegation_refused');
    await refused(() => admin.delegate({ granter: c.granter as number, recipient: c.assistant as number, parentEntryId: parent, operation: 'all' }), 'delegation_refused');
    await refused(() => admin.delegate({ granter: c.stranger as number, recipient: c.assistant as number, parentEntryId: parent, operation: 'view' }), 'delegation_refused');
    await refused(() => admin.delegate({ granter: c.granter as number, recipient: c.granter as number, parentEntryId: parent, operation: 'view' }), 'delegation_loop');
    await refused(() => admin.delegate({ granter: c.granter as number, recipient: c.assistant as number, parentEntryId: grant, operation: 'view' }), 'delegation_refused');
    await refused(() => admin.delegate({ granter: c.granter as number, recipient: c.assistant as number, parentEntryId: parent, operation: 'view', criteria: { field: 'planet', op: '=', value: 'x' } }), 'invalid_criteria');
    await refused(() => admin.delegate({ granter: c.granter as number, recipient: c.assistant as number, parentEntryId: 999_999, operation: 'view' }), 'unknown_entry');
  });

  it('delegates a narrowed subset that stays bounded by its parent at every decision', async () => {
    const me = w.domain.subject({ contactId: c.assistant as number });
    expect(await visible(me, 'view', all)).toEqual([]);
    const derived = await admin.delegate({ granter: c.granter as number, recipient: c.assistant as number, parentEntryId: parent, operation: 'view', criteria: { subType: 'volunteer' } });
    expect(await visible(me, 'view', all)).toEqual(ids('ca1'));
    expect(await visible(me, 'edit', all)).toEqual([]);
    const why = await me.explain('view', c.ca1 as number);
    expect(why.deciding?.object.type).toBe('delegated');
    expect(why.summary).toMatch(/delegated by contact \d+ from entry \d+/);

    // Narrow the parent: the derived access shrinks with it.
    await admin.updateGroup(california, { criteria: { all: [{ field: 'state', op: '=', value: 'CA' }, { field: 'country', op: 'is not null' }] } });
    expect(await visible(me, 'view', all)).toEqual([]);
    await admin.updateGroup(california, { criteria: { field: 'state', op: '=', value: 'CA' } });
    expect(await visible(me, 'view', all)).toEqual(ids('ca1'));
    // Narrow the parent's operation to something the delegation does not include: it stops.
    await admin.updateEntry(parent, { operation: 'delete' });
    expect(await visible(me, 'view', all)).toEqual([]);
    await admin.updateEntry(parent, { operation: 'edit' });
    // Revoke the granter's hold on the parent (role assignment removed): it stops.
    const assignment = (await w.domain.policy()).assignments.find((a) => a.roleId === caRole)!;
    await admin.unassignRole(assignment.id);
    expect(await visible(me, 'view', all)).toEqual([]);
    await admin.assignRole({ roleId: caRole, assignee: { type: 'contact', id: c.granter as number } });
    expect(await visible(me, 'view', all)).toEqual(ids('ca1'));
    // Revoke the grant right (recipient no longer in the grant set): it stops.
    await admin.setMembership({ groupId: assistants, contactId: c.assistant as number, status: 'Removed' });
    expect(await visible(me, 'view', all)).toEqual([]);
    await admin.setMembership({ groupId: assistants, contactId: c.assistant as number, status: 'Added' });
    await admin.updateEntry(grant, { active: false });
    expect(await visible(me, 'view', all)).toEqual([]);
    await admin.updateEntry(grant, { active: true });
    expect(await visible(me, 'view', all)).toEqual(ids('ca1'));
    // Deactivate the parent: it stops; switch the delegation off: it stops.
    await admin.updateEntry(parent, { active: false });
    expect(await visible(me, 'view', all)).toEqual([]);
    await admin.updateEntry(parent, { active: true });
    await admin.updateEntry(derived, { active: false });
    expect(await visible(me, 'view', all)).toEqual([]);
    await refused(() => admin.updateEntry(derived, { operation: 'edit' }), 'invalid_input');
  });

  it('re-delegation is bounded by the whole chain and refuses loops', async () => {
    const second = await admin.createGroup({ name: 'Second line', kind: 'static' });
    await admin.setMembership({ groupId: second, contactId: c.stranger as number, status: 'Added' });
    await admin.setMembership({ groupId: second, contactId: c.granter as number, status: 'Added' });
    await admin.createEntry({ effect: 'allow', operation: 'grant', owner: { type: 'contact', id: c.assistant as number }, object: { type: 'group-members', groupId: second } });
    const first = await admin.delegate({ granter: c.granter as number, recipient: c.assistant as number, parentEntryId: parent, operation: 'edit' });
    await admin.delegate({ granter: c.assistant as number, recipient: c.stranger as number, parentEntryId: first, operation: 'view', criteria: { subType: 'volunteer' } });
    await refused(() => admin.delegate({ granter: c.assistant as number, recipient: c.granter as number, parentEntryId: first, operation: 'view' }), 'delegation_loop');
    const stranger = w.domain.subject({ contactId: c.stranger as number });
    expect(await visible(stranger, 'view', all)).toEqual(ids('ca1'));
    await admin.updateEntry(first, { active: false });
    expect(await visible(stranger, 'view', all)).toEqual([]);
  });
  it('delegates inside a transaction that also writes its parties (reads go through the transaction)', async () => {
    const result = await admin.transaction(async (tx) => {
      const boss = await tx.createContact({ key: 'tx-boss', contactType: 'Individual', attributes: { state: 'CA' } });
      const aide = await tx.createContact({ key: 'tx-aide', contactType: 'Individual', attributes: { state: 'NY' } });
      const own = await tx.createEntry({ effect: 'allow', operation: 'view', owner: { type: 'contact', id: boss }, object: { type: 'all-contacts' } });
      await tx.createEntry({ effect: 'allow', operation: 'grant', owner: { type: 'contact', id: boss }, object: { type: 'contact', id: aide } });
      const derived = await tx.delegate({ granter: boss, recipient: aide, parentEntryId: own, operation: 'view', criteria: { field: 'state', op: '=', value: 'CA' } });
      return { aide, derived };
    });
    const aide = w.domain.subject({ contactId: result.aide });
    expect(await aide.listIds('view')).toEqual(expect.arrayContaining([c.ca1, c.ca2, c.granter]));
    expect(await aide.check('view', c.ny1 as number)).toBe(false);
    // A refused delegation inside a transaction rolls the whole transaction back.
    const before = (await w.domain.policy()).entries.length;
    await expect(
      admin.transaction(async (tx) => {
        await tx.createEntry({ effect: 'allow', operation: 'view', owner: { type: 'everyone' }, object: { type: 'all-contacts' } });
        await tx.delegate({ granter: c.stranger as number, recipient: c.assistant as number, parentEntryId: parent, operation: 'view' });
      }),
    ).rejects.toMatchObject({ code: 'delegation_refused' });
    expect((await w.domain.policy()).entries.length).toBe(before);
  });
});
