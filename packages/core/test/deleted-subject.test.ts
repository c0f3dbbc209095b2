import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createRowguard, type Domain, type PolicyAdmin, type SubjectInput } from '../src/index.js';
import { openTestDatabase, testDialects, truncateEngine, type TestDatabase } from './support/test-databases.js';
import { createWorld, visibleByOp } from './support/test-world.js';

const dialects = await testDialects();
const clock = () => new Date('2026-06-15T08:00:00Z');

/**
 * SPEC section 3 rule 7: a subject whose own contact is deleted resolves like an anonymous visitor (Everyone
 * only) until the contact is restored, unless the host says otherwise.
 */
describe.each(dialects)('a subject whose contact is deleted, on %s', (dialect) => {
  let t: TestDatabase;
  let domain: Domain;
  let admin: PolicyAdmin;
  let c: Record<string, number>;
  let all: number[];

  beforeAll(async () => {
    t = await openTestDatabase(dialect, 'deleted_subject');
    ({ domain, admin } = await createWorld(t, { clock }));
  });
  afterAll(async () => {
    await t.close();
  });
  beforeEach(async () => {
    await truncateEngine(t.db);
    // Only me and peer share a country (the tokenized group); everyone else is reached one way only.
    const country = (key: string) => (key === 'me' || key === 'peer' ? 'FR' : key === 'vn' ? 'VN' : 'KH');
    const contact = (key: string) => admin.createContact({ key, contactType: 'Individual', attributes: { country: country(key) } });
    c = {};
    for (const key of ['me', 'peer', 'public', 'own', 'team', 'vn', 'friend', 'delegated', 'granter']) c[key] = await contact(key);
    all = Object.values(c).sort((a, b) => a - b);
    const me = c.me as number;
    await admin.linkUser({ userId: 'u-me', contactId: me });
    const staff = await admin.createGroup({ name: 'staff', kind: 'static' });
    const team = await admin.createGroup({ name: 'team', kind: 'static' });
    await admin.setMembership({ groupId: staff, contactId: me, status: 'Added' });
    await admin.setMembership({ groupId: team, contactId: c.team as number, status: 'Added' });
    const sameCountry = await admin.createGroup({ name: 'same country', kind: 'smart', criteria: { field: 'country', op: '=', value: { $subject: 'country' } } });
    const editors = await admin.createRole({ name: 'editors' });
    const viewers = await admin.createRole({ name: 'viewers' });
    await admin.assignRole({ roleId: editors, assignee: { type: 'contact', id: me } });
    await admin.assignRole({ roleId: viewers, assignee: { type: 'group', id: staff } });
    await admin.grantPermission({ roleId: editors, permission: 'edit my contact' });
    const entry = (effect: 'allow' | 'deny', operation: 'view' | 'edit' | 'grant', owner: Parameters<PolicyAdmin['createEntry']>[0]['owner'], object: Parameters<PolicyAdmin['createEntry']>[0]['object']) =>
      admin.createEntry({ effect, operation, owner, object });
    await entry('allow', 'view', { type: 'everyone' }, { type: 'contact', id: c.public as number });
    await entry('allow', 'view', { type: 'authenticated' }, { type: 'group-members', groupId: sameCountry });
    await entry('allow', 'edit', { type: 'contact', id: me }, { type: 'contact', id: c.own as number });
    await entry('allow', 'edit', { type: 'role', id: editors }, { type: 'group-members', groupId: team });
    await entry('allow', 'view', { type: 'group', id: staff }, { type: 'contact', id: c.vn as number });
    await entry('allow', 'view', { type: 'role', id: viewers }, { type: 'contact', id: c.team as number });
    const friends = await admin.createRelationshipType({ name: 'Friend of', permissionAB: 'view', permissionBA: 'view' });
    await admin.createRelationship({ typeId: friends, contactA: me, contactB: c.friend as number });
    // A delegation to me from a granter who holds a grant right over me.
    const parent = await entry('allow', 'view', { type: 'contact', id: c.granter as number }, { type: 'contact', id: c.delegated as number });
    await entry('allow', 'grant', { type: 'contact', id: c.granter as number }, { type: 'contact', id: me });
    await admin.delegate({ granter: c.granter as number, recipient: me, parentEntryId: parent, operation: 'view' });
  });

  const subjects = (): SubjectInput[] => [{ contactId: c.me as number }, { userId: 'u-me' }];

  it('holds only what an anonymous visitor holds (check, checkMany, listIds agree), explain says why, and restore brings rights back', async () => {
    const anonymous = await visibleByOp(domain.subject({}), all);
    expect(anonymous.view).toEqual([c.public]);
    const before = await visibleByOp(domain.subject({ userId: 'u-me' }), all);
    // Every source of rights is in use before the deletion.
    expect(before.view).toEqual([c.me, c.peer, c.public, c.own, c.team, c.vn, c.friend, c.delegated].sort((a, b) => (a as number) - (b as number)));
    expect(before.edit).toEqual(expect.arrayContaining([c.me, c.own, c.team]));

    await admin.updateContact(c.me as number, { isDeleted: true });
    for (const input of subjects()) {
      const session = domain.subject(input);
      expect(await visibleByOp(session, all), JSON.stringify(input)).toEqual(anonymous);
      const resolved = await session.resolve();
      expect(resolved).toMatchObject({ contactId: null, deletedContactId: c.me, hasUser: false, isAdministrator: false, values: {}, relations: [], extraEntries: [] });
      expect([...(resolved?.groupIds ?? [])]).toEqual([]);
      expect([...(resolved?.roleIds ?? [])]).toEqual([]);
      expect([...(resolved?.permissions ?? [])]).toEqual([]);
      const why = await session.explain('edit', c.own as number);
      expect(why.allowed).toBe(false);
      expect(why.subject).toMatchObject({ contactId: null, deletedContactId: c.me, hasUser: false, groups: [], roles: [] });
      expect(why.summary).toContain(`the subject's own contact ${c.me} is deleted, so it holds only what an anonymous visitor holds`);
      const pub = await session.explain('view', c.public as number);
      expect(pub.allowed).toBe(true);
      expect(pub.deciding?.owner).toEqual({ type: 'everyone' });
    }
    // Restored: every right is back. A granter whose contact is deleted no longer holds the delegation's parent.
    await admin.updateContact(c.me as number, { isDeleted: false });
    expect(await visibleByOp(domain.subject({ userId: 'u-me' }), all)).toEqual(before);
    await admin.updateContact(c.granter as number, { isDeleted: true });
    expect((await visibleByOp(domain.subject({ userId: 'u-me' }), all)).view).not.toContain(c.delegated);
  });

  it('a host may say otherwise through its permission provider (told that the contact is deleted)', async () => {
    const asked: unknown[] = [];
    const host = createRowguard({
      db: t.db,
      clock,
      contacts: { attributes: { country: { type: 'text' }, state: { type: 'text' }, age: { type: 'integer' } } },
      onError: () => undefined,
      permissionProvider: (s) => {
        asked.push(s);
        return s.contactDeleted ? ['view all contacts'] : [];
      },
    });
    const hostDomain = await host.domain('test');
    await admin.updateContact(c.me as number, { isDeleted: true });
    const session = hostDomain.subject({ userId: 'u-me' });
    const live = all.filter((id) => id !== c.me);
    expect((await visibleByOp(session, all)).view).toEqual(live);
    expect((await visibleByOp(session, all)).edit).toEqual([]);
    expect(asked).toContainEqual({ domainId: hostDomain.id, contactId: c.me, userId: 'u-me', contactDeleted: true });
  });
});
