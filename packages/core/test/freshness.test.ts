import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRowguard } from '../src/index.js';
import { openTestDatabase, testDialects, type TestDatabase } from './support/test-databases.js';
import { createWorld, type TestWorld } from './support/test-world.js';

const dialects = await testDialects();

describe.each(dialects)('freshness across engines and connection pools, on %s', (dialect) => {
  let t: TestDatabase;
  let writer: TestWorld;

  beforeAll(async () => {
    t = await openTestDatabase(dialect, 'freshness');
    writer = await createWorld(t);
  });
  afterAll(async () => {
    await t.close();
  });

  it('every committed change is seen by the very next decision of another engine instance', async () => {
    // A second engine on its own connection pool plays another process (on SQLite: another engine instance).
    const reader = createRowguard({ db: t.another(), contacts: writer.engine.config.contacts, onError: () => undefined });
    const readerDomain = await reader.domain('test');
    const admin = writer.admin;
    const me = await admin.createContact({ contactType: 'Individual', attributes: { country: 'FR' } });
    const other = await admin.createContact({ contactType: 'Individual', attributes: { country: 'VN' } });
    const session = readerDomain.subject({ contactId: me });
    expect(await session.check('view', other)).toBe(false);

    const team = await admin.createGroup({ name: 'team', kind: 'static' });
    const role = await admin.createRole({ name: 'viewer' });
    const entry = await admin.createEntry({ effect: 'allow', operation: 'view', owner: { type: 'role', id: role }, object: { type: 'all-contacts' } });
    expect(await session.check('view', other)).toBe(false);
    const assignment = await admin.assignRole({ roleId: role, assignee: { type: 'group', id: team } });
    expect(await session.check('view', other)).toBe(false);
    await admin.setMembership({ groupId: team, contactId: me, status: 'Added' });
    expect(await session.check('view', other)).toBe(true);
    expect(await session.listIds('view')).toContain(other);

    const vn = await admin.createGroup({ name: 'vn', kind: 'smart', criteria: { field: 'country', op: '=', value: 'VN' } });
    await admin.createEntry({ effect: 'deny', operation: 'view', owner: { type: 'everyone' }, object: { type: 'group-members', groupId: vn } });
    expect(await session.check('view', other)).toBe(false);
    await admin.updateGroup(vn, { criteria: { field: 'country', op: '=', value: 'KH' } });
    expect(await session.check('view', other)).toBe(true);
    await admin.updateEntry(entry, { active: false });
    expect(await session.checkMany('view', [other])).toEqual(new Set());
    await admin.updateEntry(entry, { active: true });
    await admin.unassignRole(assignment);
    expect(await session.check('view', other)).toBe(false);

    const audit = await readerDomain.auditLog({ limit: 3 });
    expect(audit[0]).toMatchObject({ actor: 'test-suite', action: 'role.unassign', targetType: 'role_assignment' });
    expect(audit[0]?.before).toMatchObject({ role_id: expect.anything() });
    expect(Date.parse(audit[0]?.at ?? '')).not.toBeNaN();
  });
});
