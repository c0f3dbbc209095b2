import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HostDataError, drupal7Source, drupal8Source, joomlaSource, wordpressSource, wordpressUserLevel, type HostRole } from '../src/index.js';
import { openTestDatabase, testDialects, type TestDatabase } from '../../core/test/support/test-databases.js';
import type { Dialect } from './host-tables.js';
import { keyOf } from './host-tables.js';
import { createDrupal7Tables, drupal7Host } from './drupal7-fixture.js';
import { createDrupal8Tables, drupal8Host } from './drupal8-fixture.js';
import { createJoomlaTables, joomlaHost } from './joomla-fixture.js';
import { createWordpressTables, wordpressHost } from './wordpress-fixture.js';

const dialects = (await testDialects()).filter((d) => d !== 'sqlite');

describe('WordPress user level', () => {
  it('is the highest level_N among the capabilities of the roles held and the own capabilities', () => {
    const roles: HostRole[] = [
      { id: 'editor', label: 'Editor', permissions: { level_7: true, level_2: true, read: true } },
      { id: 'author', label: 'Author', permissions: { level_2: true } },
    ];
    expect(wordpressUserLevel(['author'], {}, roles)).toBe(2);
    expect(wordpressUserLevel(['author', 'editor'], {}, roles)).toBe(7);
    expect(wordpressUserLevel([], { level_10: true }, roles)).toBe(10);
    expect(wordpressUserLevel([], { read: true }, roles)).toBe(0);
  });
});

/** The rows each source's role write leaves in the host tables, as the hosts' schemas define them. */
describe.each(dialects)('role writes in the host tables on %s', (dialect) => {
  let t: TestDatabase;

  beforeAll(async () => {
    t = await openTestDatabase(dialect, 'host_role_writes');
    await createWordpressTables(t.db, dialect as Dialect, 'hw_');
    await createDrupal7Tables(t.db, dialect as Dialect, 'hw7_');
    await createDrupal8Tables(t.db, dialect as Dialect, 'hw8_');
    await createJoomlaTables(t.db, dialect as Dialect, 'hwj_');
  });
  afterAll(async () => {
    await t.close();
  });

  it('Drupal 7: users_roles rows by rid, never the implicit authenticated user', async () => {
    const host = drupal7Host(t.db, 'hw7_');
    const id = await host.createUser({ email: 'd7@example.org', name: 'D7', roles: ['4'] });
    await drupal7Source(t.db, { prefix: 'hw7_', writes: true }).setUserRoles?.(id, ['2', '5', '6']);
    const rows = await t.db.selectFrom('hw7_users_roles').select(['uid', 'rid']).where('uid', '=', keyOf(id)).orderBy('rid').execute();
    expect(rows.map((r) => Number(r.rid))).toEqual([5, 6]);
    await expect(drupal7Source(t.db, { prefix: 'hw7_', writes: true }).setUserRoles?.(id, ['1'])).rejects.toMatchObject({ name: 'UnknownHostRoleError', roles: ['1'] });
    await expect(drupal7Source(t.db, { prefix: 'hw7_', writes: true }).setUserRoles?.('drupal:0', ['5'])).rejects.toMatchObject({ name: 'HostUserMissingError' });
  });

  it("Drupal 8+: user__roles rows with bundle 'user', deleted 0, the user's langcode, deltas from 0", async () => {
    const host = drupal8Host(t.db, 'hw8_');
    const id = await host.createUser({ email: 'd8@example.org', name: 'D8', roles: ['editor'] });
    await drupal8Source(t.db, { prefix: 'hw8_', writes: true }).setUserRoles?.(id, ['authenticated', 'author', 'publisher']);
    const rows = await t.db.selectFrom('hw8_user__roles').selectAll().where('entity_id', '=', keyOf(id)).orderBy('delta').execute();
    expect(rows.map((r) => ({ ...r, deleted: Number(r.deleted), entity_id: Number(r.entity_id), revision_id: Number(r.revision_id), delta: Number(r.delta) }))).toEqual([
      { bundle: 'user', deleted: 0, entity_id: keyOf(id), revision_id: keyOf(id), langcode: 'en', delta: 0, roles_target_id: 'author' },
      { bundle: 'user', deleted: 0, entity_id: keyOf(id), revision_id: keyOf(id), langcode: 'en', delta: 1, roles_target_id: 'publisher' },
    ]);
    await expect(drupal8Source(t.db, { prefix: 'hw8_', writes: true }).setUserRoles?.(id, ['anonymous'])).rejects.toMatchObject({ name: 'UnknownHostRoleError' });
  });

  it('Joomla: map rows by group id, only groups that are not an ancestor of another given group', async () => {
    const host = joomlaHost(t.db, dialect as Dialect, 'hwj_');
    const id = await host.createUser({ email: 'j@example.org', name: 'J', roles: ['9'] });
    const source = joomlaSource(t.db, { prefix: 'hwj_', writes: true });
    await source.setUserRoles?.(id, ['1', '2', '3', '6']);
    const rows = await t.db.selectFrom('hwj_user_usergroup_map').select('group_id').where('user_id', '=', keyOf(id)).orderBy('group_id').execute();
    expect(rows.map((r) => Number(r.group_id))).toEqual([3, 6]);
    expect((await source.readUser(id, await source.listRoles()))?.roles.sort()).toEqual(['1', '2', '3', '6']);
  });

  it('WordPress: corrupt capabilities throw HostDataError and the write changes nothing', async () => {
    const host = wordpressHost(t.db, dialect as Dialect, 'hw_');
    const id = await host.createUser({ email: 'wp@example.org', name: 'WP', roles: ['author'] });
    await host.corruptRoles(id);
    const before = await t.db.selectFrom('hw_usermeta').select(['meta_key', 'meta_value']).where('user_id', '=', keyOf(id)).orderBy('meta_key').execute();
    await expect(wordpressSource(t.db, { prefix: 'hw_', writes: true }).setUserRoles?.(id, ['editor'])).rejects.toBeInstanceOf(HostDataError);
    expect(await t.db.selectFrom('hw_usermeta').select(['meta_key', 'meta_value']).where('user_id', '=', keyOf(id)).orderBy('meta_key').execute()).toEqual(before);
  });
});
