import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Kysely, MysqlDialect } from 'kysely';
import { createPool } from 'mysql2';
import { createRowguard, type Domain } from '@rowguard/core';
import { HostSync, HostWritesDisabledError, syncGroupsToHostRoles, wordpressSource } from '../src/index.js';
import { openTestDatabase, TEST_SERVERS, type TestDatabase } from '../../core/test/support/test-databases.js';

const run = promisify(execFile);
const HERE = dirname(fileURLToPath(import.meta.url));
const ACTIONS = join(HERE, 'wordpress-php', 'wp-actions.php');
const WORDPRESS = process.env.ROWGUARD_WORDPRESS_DIR ?? '/usr/share/wordpress';
const WP_DB = `rgt_${process.env.ROWGUARD_TEST_SCOPE_PREFIX ?? ''}wp`.toLowerCase().replace(/[^a-z0-9_]/g, '_');

/** What is missing to run WordPress's own code here (Debian's wordpress, php-cli, php-mysql, MariaDB), or null. */
async function missingSoftware(): Promise<string | null> {
  if (!existsSync(join(WORDPRESS, 'wp-settings.php'))) return `WordPress is not installed in ${WORDPRESS} (apt-get install wordpress)`;
  try {
    const { stdout } = await run('php', ['-m']);
    if (!/^mysqli$/m.test(stdout)) return 'php has no mysqli extension (apt-get install php-mysql)';
  } catch {
    return 'php is not installed (apt-get install php-cli php-mysql)';
  }
  const pool = createPool({ ...TEST_SERVERS.mysql, connectionLimit: 1, connectTimeout: 3000 }).promise();
  try {
    await pool.query('select 1');
  } catch {
    return `MariaDB is not reachable on ${TEST_SERVERS.mysql.host}:${TEST_SERVERS.mysql.port}`;
  } finally {
    await pool.end().catch(() => undefined);
  }
  return null;
}

const missing = await missingSoftware();
if (missing && process.env.CI !== 'true') console.log(`[wordpress-real] skipped: ${missing} (under CI=true this suite fails instead)`);

/** Runs one of WordPress's own user functions through PHP (see wordpress-php/wp-actions.php). */
async function wp<T>(action: Record<string, unknown>): Promise<T> {
  const { stdout } = await run('php', [ACTIONS, JSON.stringify(action)], {
    env: { ...process.env, WP_DB_NAME: WP_DB, WP_DB_HOST: `${TEST_SERVERS.mysql.host}:${TEST_SERVERS.mysql.port}`, WP_DB_USER: TEST_SERVERS.mysql.user, WP_DB_PASSWORD: TEST_SERVERS.mysql.password, WP_DIR: WORDPRESS },
  });
  return JSON.parse(stdout.trim().split('\n').at(-1) ?? 'null') as T;
}

describe('the host software is there (CI=true makes this mandatory)', () => {
  it.runIf(process.env.CI === 'true')('WordPress, php-cli, php-mysql and MariaDB are installed', () => {
    expect(missing).toBeNull();
  });
});

/**
 * A real WordPress: Debian's package, installed by its own `wp_install()` into a fresh MariaDB database, users
 * and roles made with its own PHP functions, read by the WordPress source, kept current by `reconcileUser`.
 */
describe.skipIf(missing !== null)('a real WordPress (Debian package, wp_install, PHP user functions)', () => {
  let t: TestDatabase;
  let host: Kysely<any>;
  let engine: ReturnType<typeof createRowguard>;
  let domain: Domain;
  let sync: HostSync;
  let editors: number;
  let managers: number;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    const admin = createPool({ ...TEST_SERVERS.mysql, connectionLimit: 1 }).promise();
    await admin.query(`drop database if exists \`${WP_DB}\``);
    await admin.query(`create database \`${WP_DB}\` character set utf8mb4`);
    await admin.end();
    await wp({ do: 'install' });
    await wp({ do: 'add_role', role: 'crm_manager', label: 'CRM manager', capabilities: { read: true, list_users: true } });
    for (const [key, user] of Object.entries({
      jane: { email: 'Jane.Doe@Example.org', name: 'Jane Doe', role: 'editor' },
      raj: { email: 'raj@example.org', name: 'Raj', role: 'crm_manager' },
      lee: { email: 'lee@example.org', name: 'Lee', role: 'subscriber' },
    })) {
      ids[key] = `wp:${(await wp<{ id: number }>({ do: 'insert_user', login: key, ...user })).id}`;
    }
    await wp({ do: 'add_cap', id: Number(ids.lee?.slice(3)), cap: 'list_users', grant: true });

    t = await openTestDatabase('mysql', 'wordpress_real');
    engine = createRowguard({ db: t.db, contacts: { attributes: { email: { type: 'text' } } }, onError: () => undefined });
    await engine.migrate();
    domain = await engine.domain('wordpress');
    const a = domain.admin('setup');
    editors = await a.createGroup({ name: 'Editors', kind: 'static' });
    managers = await a.createGroup({ name: 'Managers', kind: 'static' });
    const role = await a.createRole({ name: 'CRM editor' });
    await a.assignRole({ roleId: role, assignee: { type: 'group', id: editors } });
    await a.grantPermission({ roleId: role, permission: 'edit all contacts' });
    const manager = await a.createRole({ name: 'CRM manager' });
    await a.assignRole({ roleId: manager, assignee: { type: 'group', id: managers } });
    await a.grantPermission({ roleId: manager, permission: 'view all contacts' });
    await a.createContact({ contactType: 'Individual', sortName: 'Jane (CRM)', attributes: { email: 'jane.doe@example.org' } });

    host = new Kysely<any>({ dialect: new MysqlDialect({ pool: createPool({ ...TEST_SERVERS.mysql, database: WP_DB, connectionLimit: 2 }) }) });
    sync = new HostSync(domain, wordpressSource(host, { prefix: 'wp_' }), {
      emailAttribute: 'email',
      mappings: [
        { hostRole: 'editor', groupId: editors },
        { hostRole: 'crm_manager', groupId: managers },
      ],
      rolesCacheMs: 0,
    });
  }, 120_000);
  afterAll(async () => {
    await host?.destroy();
    await t?.close();
  });

  it("reads WordPress's roles, users, role map and per-user capabilities as WordPress wrote them", async () => {
    const source = wordpressSource(host, { prefix: 'wp_' });
    const roles = await source.listRoles();
    expect(roles.map((r) => r.id)).toEqual(expect.arrayContaining(['administrator', 'editor', 'author', 'contributor', 'subscriber', 'crm_manager']));
    expect(roles.find((r) => r.id === 'crm_manager')).toMatchObject({ label: 'CRM manager', permissions: { read: true, list_users: true } });
    const lee = await source.readUser(ids.lee as string, roles);
    expect(lee).toMatchObject({ email: 'lee@example.org', name: 'Lee', roles: ['subscriber'], permissions: { list_users: true } });
    const held = source.permissionsOf(lee as NonNullable<typeof lee>, roles);
    expect(held.has('read') && held.has('list_users')).toBe(true);
    expect(held.has('edit_posts')).toBe(false);
    const admin = await source.readUser('wp:1', roles);
    expect(admin?.roles).toEqual(['administrator']);
  });

  it('a first sync links by e-mail ignoring case and puts each user in the groups of its roles', async () => {
    const report = await sync.reconcileAll();
    expect(report.users).toBe(4);
    expect(report.changes).toMatchObject({ linked: 1, created: 3, addedCount: 2 });
    expect(await domain.subject({ userId: ids.jane as string }).hasPermission('edit all contacts')).toBe(true);
    expect(await domain.subject({ userId: ids.raj as string }).hasPermission('view all contacts')).toBe(true);
    expect(await domain.subject({ userId: ids.lee as string }).hasPermission('view all contacts')).toBe(false);
  });

  it('a role changed by WP_User::set_role reaches the next decision after reconcileUser', async () => {
    await wp({ do: 'set_role', id: Number(ids.jane?.slice(3)), role: 'subscriber' });
    await sync.reconcileUser(ids.jane as string);
    expect(await domain.subject({ userId: ids.jane as string }).hasPermission('edit all contacts')).toBe(false);
    await wp({ do: 'set_role', id: Number(ids.lee?.slice(3)), role: 'crm_manager' });
    await sync.reconcileUser(ids.lee as string);
    expect(await domain.subject({ userId: ids.lee as string }).hasPermission('view all contacts')).toBe(true);
  });

  it('an e-mail changed by wp_update_user reaches the contact', async () => {
    await wp({ do: 'update_email', id: Number(ids.jane?.slice(3)), email: 'jane@new.example.org' });
    await sync.reconcileUser(ids.jane as string);
    const contactId = (await domain.userLinks().contactOf(ids.jane as string)) as number;
    expect((await domain.userLinks().contactFields([contactId]))[0]?.attributes.email).toBe('jane@new.example.org');
  });

  it('a user deleted by wp_delete_user loses access at reconcileUser; its contact stays', async () => {
    const contactId = (await domain.userLinks().contactOf(ids.raj as string)) as number;
    await wp({ do: 'delete_user', id: Number(ids.raj?.slice(3)) });
    const changes = await sync.reconcileUser(ids.raj as string);
    expect(changes).toMatchObject({ unlinked: 1, removedCount: 1 });
    expect(await domain.subject({ userId: ids.raj as string }).hasPermission('view all contacts')).toBe(false);
    expect(await domain.subject({ contactId }).hasPermission('view all contacts')).toBe(false);
    expect(await domain.userLinks().contactFields([contactId])).toHaveLength(1);
    const again = await sync.reconcileAll();
    expect(again.changes.addedCount + again.changes.removedCount + again.changes.created + again.changes.unlinked).toBe(0);
  });

  it("roles the adapter writes are the roles WordPress's own get_userdata() sees, with the user's own capabilities and WordPress's user level", async () => {
    const lee = Number(ids.lee?.slice(3));
    await expect(wordpressSource(host, { prefix: 'wp_' }).setUserRoles?.(ids.lee as string, ['editor'])).rejects.toBeInstanceOf(HostWritesDisabledError);
    const writer = wordpressSource(host, { prefix: 'wp_', writes: true });
    await writer.setUserRoles?.(ids.lee as string, ['editor', 'crm_manager']);
    const seen = await wp<{ roles: string[]; allcaps: Record<string, boolean>; storedLevel: number; level: number }>({ do: 'user_data', id: lee });
    expect([...seen.roles].sort()).toEqual(['crm_manager', 'editor']);
    expect(seen.allcaps).toMatchObject({ list_users: true, edit_others_posts: true, read: true });
    expect(seen.level).toBe(7);
    expect(seen.storedLevel).toBe(seen.level);
    // Group -> role: Lee's contact is a member of Managers only, so the sync takes the editor role back.
    const report = await syncGroupsToHostRoles(engine, domain, writer, [
      { hostRole: 'editor', groupId: editors },
      { hostRole: 'crm_manager', groupId: managers },
    ]);
    expect(report.rolesRevoked).toEqual([{ userId: ids.lee, role: 'editor' }]);
    const after = await wp<{ roles: string[]; allcaps: Record<string, boolean>; storedLevel: number; level: number }>({ do: 'user_data', id: lee });
    expect(after.roles).toEqual(['crm_manager']);
    expect(after.allcaps).toMatchObject({ list_users: true });
    expect(after.allcaps.edit_others_posts).toBeUndefined();
    expect(after.storedLevel).toBe(after.level);
  });
});
