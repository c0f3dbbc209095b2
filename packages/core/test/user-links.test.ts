import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRowguard, PolicyError, type Domain, type Rowguard } from '../src/index.js';
import { openTestDatabase, testDialects, type TestDatabase } from './support/test-databases.js';

const dialects = await testDialects();

/** The user <-> contact link read API (`domain.userLinks()`), contact queries, and subjects given by contact. */
describe.each(dialects)('user <-> contact links on %s', (dialect) => {
  let t: TestDatabase;
  let engine: Rowguard;
  let domain: Domain;
  let other: Domain;
  let ids: number[];
  let unlinked: number;
  let staff: number;
  const seenByProvider: { contactId: number | null; userId: string | null }[] = [];
  const seenByExtension: { contactId: number | null; userId: string | null; hasUser: boolean }[] = [];

  beforeAll(async () => {
    t = await openTestDatabase(dialect, 'user_links');
    engine = createRowguard({
      db: t.db,
      contacts: { attributes: { email: { type: 'text' } } },
      onError: () => undefined,
      permissionProvider: ({ contactId, userId }) => {
        seenByProvider.push({ contactId, userId });
        return userId === 'u-3' ? ['view all contacts'] : [];
      },
      extension: {
        contributeToSubject: (subject) => {
          seenByExtension.push({ contactId: subject.contactId, userId: subject.userId, hasUser: subject.hasUser });
          return Promise.resolve(undefined);
        },
      },
    });
    await engine.migrate();
    domain = await engine.domain('links');
    other = await engine.domain('links-other');
    const admin = domain.admin('setup');
    ids = [];
    for (let i = 1; i <= 7; i += 1) {
      const id = await admin.createContact({ contactType: 'Individual', sortName: `Person ${i}`, attributes: { email: `p${i}@example.org` } });
      ids.push(id);
      await admin.linkUser({ userId: `u-${i}`, contactId: id });
    }
    unlinked = await admin.createContact({ contactType: 'Organization', sortName: 'Acme', attributes: { email: 'P1@example.org' } });
    staff = await admin.createGroup({ name: 'staff', kind: 'static' });
    await admin.setMembership({ groupId: staff, contactId: ids[0] as number, status: 'Added' });
    await admin.setMembership({ groupId: staff, contactId: ids[1] as number, status: 'Removed' });
    const elsewhere = await other.admin('setup').createContact({ contactType: 'Individual', sortName: 'Elsewhere' });
    await other.admin('setup').linkUser({ userId: 'u-1', contactId: elsewhere });
  });
  afterAll(async () => {
    await t.close();
  });

  it('looks up the contact of a user and the user of a contact, per domain', async () => {
    const links = domain.userLinks();
    expect(await links.contactOf('u-1')).toBe(ids[0]);
    expect(await links.userOf(ids[2] as number)).toBe('u-3');
    expect(await links.contactOf('nobody')).toBeNull();
    expect(await links.userOf(unlinked)).toBeNull();
    expect(await links.contactOf('U-1')).toBeNull(); // user ids compare exactly
    expect(await other.userLinks().contactOf('u-1')).not.toBe(ids[0]);
  });

  it('reads links for a batch of ids, and the whole domain page by page', async () => {
    const links = domain.userLinks();
    expect(await links.forUsers(['u-5', 'u-2', 'nobody', 'u-2'])).toEqual([
      { userId: 'u-2', contactId: ids[1], suspended: false },
      { userId: 'u-5', contactId: ids[4], suspended: false },
    ]);
    expect(await links.forContacts([ids[6] as number, unlinked])).toEqual([{ userId: 'u-7', contactId: ids[6], suspended: false }]);
    expect(await links.forUsers([])).toEqual([]);
    const pages: number[][] = [];
    let page = await links.list({ limit: 3 });
    pages.push(page.map((l) => l.contactId));
    while (page.length === 3) {
      page = await links.list({ afterContactId: page.at(-1)?.contactId, limit: 3 });
      pages.push(page.map((l) => l.contactId));
    }
    expect(pages.map((p) => p.length)).toEqual([3, 3, 1]);
    expect(pages.flat()).toEqual(ids);
    // A batch of thousands of ids is read in a few queries (500 per query), not one per id.
    const many = Array.from({ length: 2_000 }, (_, i) => `u-${i + 1}`);
    expect((await links.forUsers(many)).map((l) => l.userId)).toEqual(['u-1', 'u-2', 'u-3', 'u-4', 'u-5', 'u-6', 'u-7']);
  });

  it('refuses bad input with typed errors, and a value is never SQL', async () => {
    const links = domain.userLinks();
    const invalid = { name: 'PolicyError', code: 'invalid_input' };
    await expect(links.contactOf('')).rejects.toMatchObject(invalid);
    await expect(links.contactOf('x'.repeat(192))).rejects.toMatchObject(invalid);
    await expect(links.contactOf(12 as unknown as string)).rejects.toBeInstanceOf(PolicyError);
    await expect(links.userOf(-1)).rejects.toMatchObject(invalid);
    await expect(links.userOf(1.5)).rejects.toMatchObject(invalid);
    // Above what the dialect's integer contact ids hold: refused before the query (SQLite holds 64-bit ids).
    if (dialect === 'sqlite') expect(await links.userOf(2 ** 40)).toBeNull();
    else await expect(links.userOf(2 ** 40)).rejects.toMatchObject(invalid);
    await expect(links.forUsers(Array.from({ length: 10_001 }, (_, i) => `u-${i}`))).rejects.toMatchObject(invalid);
    await expect(links.forContacts(['7' as unknown as number])).rejects.toMatchObject(invalid);
    await expect(links.list({ limit: 0 })).rejects.toMatchObject(invalid);
    await expect(links.list({ limit: 10, extra: 1 } as never)).rejects.toMatchObject(invalid);
    expect(await links.contactOf("u-1' or '1'='1")).toBeNull();
    expect(await links.forUsers(["u-1') or ('1'='1"])).toEqual([]);
  });

  it('finds contacts by criteria or stored membership, page by page', async () => {
    const byEmail = await domain.findContacts({ where: { field: 'email', op: 'in', value: ['p1@example.org', 'P1@example.org', 'p3@example.org'] } });
    expect(byEmail.map((c) => c.id)).toEqual([ids[0], ids[2], unlinked]);
    expect(byEmail[0]).toEqual({ id: ids[0], contactType: 'Individual', sortName: 'Person 1', isDeleted: false, attributes: { email: 'p1@example.org' } });
    expect((await domain.findContacts({ where: { inGroup: staff } })).map((c) => c.id)).toEqual([ids[0]]);
    expect((await domain.findContacts({ membership: { groupId: staff, status: 'Removed' } })).map((c) => c.id)).toEqual([ids[1]]);
    const first = await domain.findContacts({ limit: 5 });
    const rest = await domain.findContacts({ afterId: first.at(-1)?.id, limit: 5 });
    expect([...first, ...rest].map((c) => c.id)).toEqual([...ids, unlinked]);
    await domain.admin('setup').updateContact(ids[6] as number, { isDeleted: true });
    expect((await domain.findContacts({})).map((c) => c.id)).not.toContain(ids[6]);
    expect((await domain.findContacts({ withDeleted: true })).find((c) => c.id === ids[6])?.isDeleted).toBe(true);
    await domain.admin('setup').updateContact(ids[6] as number, { isDeleted: false });
    await expect(domain.findContacts({ where: { field: 'nope', op: '=', value: 'x' } })).rejects.toMatchObject({ code: 'invalid_criteria' });
    await expect(domain.findContacts({ where: { field: 'email', op: '=', value: { $subject: 'email' } } })).rejects.toMatchObject({ code: 'invalid_input' });
    await expect(domain.findContacts({ limit: 10_001 })).rejects.toMatchObject({ code: 'invalid_input' });
    expect(await domain.findContacts({ where: { field: 'email', op: '=', value: "x' or '1'='1" } })).toEqual([]);
  });

  it('a subject given by contact id carries its linked user to the provider, the extension and the result', async () => {
    seenByProvider.length = 0;
    seenByExtension.length = 0;
    const byContact = domain.subject({ contactId: ids[2] as number });
    const resolved = await byContact.resolve();
    expect(resolved).toMatchObject({ contactId: ids[2], userId: 'u-3', hasUser: true });
    expect(seenByProvider).toEqual([{ contactId: ids[2], userId: 'u-3' }]);
    expect(seenByExtension).toEqual([{ contactId: ids[2], userId: 'u-3', hasUser: true }]);
    // The provider's answer for that user now applies whichever way the subject is given.
    expect(await byContact.hasPermission('view all contacts')).toBe(true);
    expect(await domain.subject({ userId: 'u-3' }).hasPermission('view all contacts')).toBe(true);
    const noUser = await domain.subject({ contactId: unlinked }).resolve();
    expect(noUser).toMatchObject({ contactId: unlinked, userId: null, hasUser: false });
  });
});
