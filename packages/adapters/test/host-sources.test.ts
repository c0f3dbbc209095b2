import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serialize } from 'php-serialize';
import { drupal7Source, drupal8Source, effectivePermissions, HostDataError, joomlaSource, sqlSource, wordpressSource } from '../src/index.js';
import { openTestDatabase, testDialects, type TestDatabase } from '../../core/test/support/test-databases.js';
import type { Dialect } from './host-tables.js';
import { createWordpressTables, wordpressHost } from './wordpress-fixture.js';
import { createDrupal7Tables, drupal7Host } from './drupal7-fixture.js';
import { createDrupal8Tables, drupal8Host } from './drupal8-fixture.js';
import { createJoomlaTables, joomlaHost } from './joomla-fixture.js';
import { createSqlTables, sqlHost } from './sql-fixture.js';

const dialects = await testDialects();

/** What each source reads beyond the conformance kit: host-specific rules (ancestors, tri-state, multisite, ...). */
describe.each(dialects)('host sources on %s', (dialect) => {
  let t: TestDatabase;
  const d = () => dialect as Dialect;

  beforeAll(async () => {
    t = await openTestDatabase(dialect, 'host_sources');
  });
  afterAll(async () => {
    await t.close();
  });

  it('Joomla: a member of a group is a member of its ancestors, and an explicit deny on any of them wins', async () => {
    await createJoomlaTables(t.db, d(), 'jx_');
    const host = joomlaHost(t.db, d(), 'jx_');
    const source = joomlaSource(t.db, { prefix: 'jx_' });
    const publisher = await host.createUser({ email: 'pub@example.org', name: 'Publisher', roles: ['5'] });
    const manager = await host.createUser({ email: 'mgr@example.org', name: 'Manager', roles: ['6'] });
    const roles = await source.listRoles();
    const pub = await source.readUser(publisher, roles);
    expect(pub?.roles.sort()).toEqual(['1', '2', '3', '4', '5']);
    const held = effectivePermissions(pub as NonNullable<typeof pub>, roles);
    expect(held.has('core.edit.state')).toBe(true); // Publisher: 1
    expect(held.has('core.create')).toBe(true); // Author, an ancestor: 1
    expect(held.has('core.delete')).toBe(false); // Author allows, Publisher denies: the deny wins
    const mgr = await source.readUser(manager, roles);
    expect(effectivePermissions(mgr as NonNullable<typeof mgr>, roles).has('core.delete')).toBe(true);
    await t.db.updateTable('jx_users').set({ activation: 'a1b2c3' }).where('id', '=', Number(manager.slice(7))).execute();
    expect((await source.readUser(manager, roles))?.blocked).toBe(true);
    await t.db.updateTable('jx_assets').set({ rules: '{"core.admin": {"8": 1}' }).where('parent_id', '=', 0).execute();
    const error = await source.listRoles().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HostDataError);
    expect(error).toMatchObject({ table: 'jx_assets', row: expect.stringMatching(/^id=/), userId: null });
  });

  it('Drupal 8: roles and permissions from PHP-serialized config; corrupt config names its row', async () => {
    await createDrupal8Tables(t.db, d(), 'd8x_');
    const host = drupal8Host(t.db, 'd8x_');
    const source = drupal8Source(t.db, { prefix: 'd8x_' });
    const id = await host.createUser({ email: 'ed@example.org', name: 'Ed', roles: ['editor'] });
    const roles = await source.listRoles();
    expect(roles.find((r) => r.id === 'editor')).toEqual({ id: 'editor', label: 'Editor', permissions: { 'edit any article content': true } });
    expect(roles.find((r) => r.id === 'administrator')?.permissions).toEqual({ 'administer site': true });
    const user = await source.readUser(id, roles);
    expect(user?.roles.sort()).toEqual(['authenticated', 'editor']);
    expect([...effectivePermissions(user as NonNullable<typeof user>, roles)].sort()).toEqual(['access content', 'edit any article content']);
    expect(await source.readUser('drupal:0', roles)).toBeNull();
    expect((await source.readUsers({ after: -1, limit: 100 }, roles)).some((u) => u.key === 0)).toBe(false);
    await t.db.updateTable('d8x_config').set({ data: Buffer.from('a:3:{s:2:"id";s:6:"editor"') }).where('name', '=', 'user.role.editor').execute();
    await expect(source.listRoles()).rejects.toMatchObject({ name: 'HostDataError', table: 'd8x_config', row: "collection='',name=user.role.editor" });
  });

  it('Drupal 7: the implicit authenticated role, roles keyed by rid, blocked users', async () => {
    await createDrupal7Tables(t.db, d(), 'd7x_');
    const host = drupal7Host(t.db, 'd7x_');
    const source = drupal7Source(t.db, { prefix: 'd7x_' });
    const id = await host.createUser({ email: 'au@example.org', name: 'Au', roles: ['5'] });
    const roles = await source.listRoles();
    expect(roles.map((r) => [r.id, r.label])).toContainEqual(['5', 'author']);
    const user = await source.readUser(id, roles);
    expect(user?.roles.sort()).toEqual(['2', '5']);
    expect(effectivePermissions(user as NonNullable<typeof user>, roles).has('access content')).toBe(true);
    expect((await source.readUser('drupal:1', roles))?.roles.sort()).toEqual(['2', '3']);
    expect(await source.countUsers?.()).toBe(2);
  });

  it('WordPress multisite: capabilities and roles per site prefix; a per-user capability overrides the role', async () => {
    // Site 1's tables, then site 3's options table (users and their meta are shared by the network).
    await createWordpressTables(t.db, d(), 'wm_', 'wm_');
    await t.db.schema.dropTable('wm_3_options').ifExists().execute();
    await t.db.schema.createTable('wm_3_options').addColumn('option_id', 'integer').addColumn('option_name', 'varchar(191)').addColumn('option_value', 'text').execute();
    await t.db.insertInto('wm_3_options').values({ option_id: 1, option_name: 'wm_3_user_roles', option_value: serialize({ member: { name: 'Member', capabilities: { read: true } } }) }).execute();
    const site1 = wordpressHost(t.db, d(), 'wm_', 'wm_');
    const id = await site1.createUser({ email: 'multi@example.org', name: 'Multi', roles: ['editor'] });
    await site1.writeMeta(id, 'wm_3_capabilities', serialize({ member: true }));
    await site1.writeMeta(id, 'wm_capabilities', serialize({ editor: true, moderate_comments: false, list_users: true }));
    const one = wordpressSource(t.db, { prefix: 'wm_', multisite: true });
    const three = wordpressSource(t.db, { prefix: 'wm_', sitePrefix: 'wm_3_', multisite: true });
    const rolesOne = await one.listRoles();
    const userOne = await one.readUser(id, rolesOne);
    expect(userOne).toMatchObject({ roles: ['editor'], permissions: { moderate_comments: false, list_users: true } });
    const caps = one.permissionsOf(userOne as NonNullable<typeof userOne>, rolesOne);
    expect(caps.has('edit_others_posts') && caps.has('list_users')).toBe(true);
    expect(caps.has('moderate_comments')).toBe(false);
    const rolesThree = await three.listRoles();
    expect(rolesThree.map((r) => r.id)).toEqual(['member']);
    expect((await three.readUser(id, rolesThree))?.roles).toEqual(['member']);
  });

  it('generic SQL: configured tables and columns; without a role table the roles are the values in use', async () => {
    await createSqlTables(t.db, d());
    const host = sqlHost(t.db, d());
    const id = await host.createUser({ email: 'lead@example.org', name: 'Lead', roles: ['lead', 'sales'] });
    const source = sqlSource(t.db, { users: { table: 'app_user', name: 'full_name', blocked: 'disabled', fields: ['country'] }, userRoles: { table: 'app_user_role', user: 'user_id', role: 'role' } });
    const roles = await source.listRoles();
    expect(roles.map((r) => r.id).sort()).toEqual(['lead', 'sales']);
    expect(await source.readUser(id, roles)).toMatchObject({ email: 'lead@example.org', name: 'Lead', roles: expect.arrayContaining(['lead', 'sales']), fields: { country: 'VN' }, blocked: false });
    await host.corruptRoles(id);
    // Without a role table there is no dangling role: the new value is a role.
    expect((await source.listRoles()).map((r) => r.id)).toContain('no_such_role');
  });
});
