import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serialize } from 'php-serialize';
import { createRowguard, type Domain, type Rowguard } from '@rowguard/core';
import { HostSync, HostWritesDisabledError, syncGroupsToHostRoles, wordpressSource, type HostSource, type RoleGroupMapping } from '../src/index.js';
import { openTestDatabase, testDialects, type TestDatabase } from '../../core/test/support/test-databases.js';
import { insertId, type Dialect } from './host-tables.js';
import { createWordpressTables } from './wordpress-fixture.js';

const dialects = (await testDialects()).filter((d) => d !== 'sqlite');

/** Group -> role over WordPress tables: the roles rowguard's groups give are written into `wp_usermeta`. */
describe.each(dialects)('group -> role writes into the host tables on %s', (dialect) => {
  let t: TestDatabase;
  let engine: Rowguard;
  let domain: Domain;
  let writer: HostSource;
  let sync: HostSync;
  let mappings: RoleGroupMapping[];
  let editors: number;
  let writers: number;
  const ids: Record<string, string> = {};

  const capsOf = async (userId: string): Promise<string | undefined> => {
    const row = await t.db.selectFrom('wbw_usermeta').select('meta_value').where('user_id', '=', Number(userId.slice(3))).where('meta_key', '=', 'wbw_capabilities').executeTakeFirst();
    return row?.meta_value as string | undefined;
  };
  const contactOf = async (userId: string) => (await domain.userLinks().contactOf(userId)) as number;

  beforeAll(async () => {
    t = await openTestDatabase(dialect, 'group_role_writeback');
    engine = createRowguard({ db: t.db, contacts: { attributes: { email: { type: 'text' } } }, onError: () => undefined });
    await engine.migrate();
    domain = await engine.domain('writeback');
    editors = await domain.admin('setup').createGroup({ name: 'Editors', kind: 'static' });
    writers = await domain.admin('setup').createGroup({ name: 'Writers', kind: 'static' });
    await createWordpressTables(t.db, dialect as Dialect, 'wbw_');
    const users: Record<string, Record<string, boolean>> = {
      ann: { editor: true },
      ben: { author: true, contributor: true },
      cat: { subscriber: true, list_users: true, edit_posts: false },
      dan: { editor: true, subscriber: true },
    };
    for (const [login, caps] of Object.entries(users)) {
      const id = await insertId(t.db, dialect as Dialect, 'wbw_users', { user_login: login, user_email: `${login}@example.org`, display_name: login }, 'ID');
      await t.db.insertInto('wbw_usermeta').values({ user_id: id, meta_key: 'wbw_capabilities', meta_value: serialize(caps) }).execute();
      ids[login] = `wp:${id}`;
    }
    mappings = [
      { hostRole: 'editor', groupId: editors },
      { hostRole: 'author', groupId: writers },
      { hostRole: 'contributor', groupId: writers },
    ];
    writer = wordpressSource(t.db, { prefix: 'wbw_', writes: true });
    sync = new HostSync(domain, wordpressSource(t.db, { prefix: 'wbw_' }), { emailAttribute: 'email', mappings, rolesCacheMs: 0 });
    await sync.reconcileAll();
  });
  afterAll(async () => {
    await t.close();
  });

  it('refuses a read-only source and writes nothing', async () => {
    const before = await capsOf(ids.cat as string);
    await domain.admin('hand').setMembership({ groupId: writers, contactId: await contactOf(ids.cat as string), status: 'Added' });
    await expect(syncGroupsToHostRoles(engine, domain, wordpressSource(t.db, { prefix: 'wbw_' }), mappings)).rejects.toBeInstanceOf(HostWritesDisabledError);
    expect(await capsOf(ids.cat as string)).toBe(before);
  });

  it('role -> group then group -> role reach a fixed point in one round', async () => {
    // Cat was added to Writers by hand (above): the round gives her Writers' first role and keeps her own caps.
    const first = await sync.reconcileAll();
    const back = await syncGroupsToHostRoles(engine, domain, writer, mappings);
    expect(back.rolesGranted).toEqual([{ userId: ids.cat, role: 'author' }]);
    expect(back.rolesRevoked).toEqual([]);
    expect(first.changes.addedCount + first.changes.removedCount).toBe(0);
    const cat = await writer.readUser(ids.cat as string, await writer.listRoles());
    expect(cat?.roles.sort()).toEqual(['author', 'subscriber']);
    expect(cat?.permissions).toEqual({ list_users: true, edit_posts: false });
    // The second round changes nothing in either direction.
    const again = await sync.reconcileAll();
    expect(again.changes.addedCount + again.changes.removedCount + again.changes.created + again.changes.linked + again.changes.unlinked).toBe(0);
    const still = await syncGroupsToHostRoles(engine, domain, writer, mappings);
    expect(still.rolesGranted.length + still.rolesRevoked.length).toBe(0);
  });

  it('a role is kept while the user is a member of any group mapped to it, lost with the last, and unmapped roles stay', async () => {
    const ben = await contactOf(ids.ben as string);
    const dan = await contactOf(ids.dan as string);
    // Ben holds author and contributor, both mapped to Writers only: removed from Writers, he loses both.
    await domain.admin('hand').setMembership({ groupId: writers, contactId: ben, status: 'Removed' });
    await domain.admin('hand').setMembership({ groupId: editors, contactId: dan, status: 'Removed' });
    const report = await syncGroupsToHostRoles(engine, domain, writer, mappings);
    expect(report.rolesRevoked).toEqual(
      expect.arrayContaining([
        { userId: ids.ben, role: 'author' },
        { userId: ids.ben, role: 'contributor' },
        { userId: ids.dan, role: 'editor' },
      ]),
    );
    expect(report.rolesRevoked).toHaveLength(3);
    expect(await capsOf(ids.dan as string)).toBe(serialize({ subscriber: true }));
    expect(await capsOf(ids.ben as string)).toBe(serialize({}));
    // Ann stays an editor; the next role -> group run and the next group -> role run change nothing.
    expect((await writer.readUser(ids.ann as string, await writer.listRoles()))?.roles).toEqual(['editor']);
    const again = await sync.reconcileAll();
    expect(again.changes.addedCount + again.changes.removedCount).toBe(0);
    const still = await syncGroupsToHostRoles(engine, domain, writer, mappings);
    expect(still.rolesGranted.length + still.rolesRevoked.length).toBe(0);
  });
});
