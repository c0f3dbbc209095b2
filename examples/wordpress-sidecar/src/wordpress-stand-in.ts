import type { Kysely } from 'kysely';
import { serialize } from 'php-serialize';

/**
 * A stand-in for a WordPress database, so the example runs anywhere: the three tables the adapter reads, as
 * `wp-admin/includes/schema.php` declares them (the columns it reads), with WordPress's role option. Against a
 * real WordPress, point the sidecar at its MariaDB database instead and skip this file.
 *
 * @example
 * ```ts
 * await createWordpressStandIn(db);
 * const id = await addWordpressUser(db, { login: 'mai', email: 'Mai@Example.org', name: 'Mai', roles: ['editor'], country: 'VN' });
 * ```
 */
export async function createWordpressStandIn(db: Kysely<any>): Promise<void> {
  await db.schema.createTable('wp_users').addColumn('ID', 'integer', (c) => c.primaryKey().autoIncrement()).addColumn('user_login', 'varchar(60)', (c) => c.notNull()).addColumn('user_email', 'varchar(100)', (c) => c.notNull()).addColumn('display_name', 'varchar(250)', (c) => c.notNull()).execute();
  await db.schema.createTable('wp_usermeta').addColumn('umeta_id', 'integer', (c) => c.primaryKey().autoIncrement()).addColumn('user_id', 'integer', (c) => c.notNull()).addColumn('meta_key', 'varchar(255)').addColumn('meta_value', 'text').execute();
  await db.schema.createTable('wp_options').addColumn('option_id', 'integer', (c) => c.primaryKey().autoIncrement()).addColumn('option_name', 'varchar(191)', (c) => c.notNull().unique()).addColumn('option_value', 'text', (c) => c.notNull()).execute();
  const roles = {
    administrator: { name: 'Administrator', capabilities: { read: true, list_users: true, edit_users: true } },
    shop_manager: { name: 'Shop manager', capabilities: { read: true, manage_woocommerce: true } },
    editor: { name: 'Editor', capabilities: { read: true, edit_posts: true } },
    customer: { name: 'Customer', capabilities: { read: true } },
  };
  await db.insertInto('wp_options').values({ option_name: 'wp_user_roles', option_value: serialize(roles) }).execute();
}

/** Adds a user the way WordPress stores one (with `billing_country`, as WooCommerce does); returns `wp:<ID>`. */
export async function addWordpressUser(db: Kysely<any>, user: { login: string; email: string; name: string; roles: readonly string[]; country: string }): Promise<string> {
  const { insertId } = await db.insertInto('wp_users').values({ user_login: user.login, user_email: user.email, display_name: user.name }).executeTakeFirstOrThrow();
  const id = Number(insertId);
  await db
    .insertInto('wp_usermeta')
    .values([
      { user_id: id, meta_key: 'wp_capabilities', meta_value: serialize(Object.fromEntries(user.roles.map((r) => [r, true]))) },
      { user_id: id, meta_key: 'billing_country', meta_value: user.country },
    ])
    .execute();
  return `wp:${id}`;
}

/** Changes a user's roles the way `WP_User::set_role` stores them. */
export async function setWordpressRoles(db: Kysely<any>, userId: string, roles: readonly string[]): Promise<void> {
  await db
    .updateTable('wp_usermeta')
    .set({ meta_value: serialize(Object.fromEntries(roles.map((r) => [r, true]))) })
    .where('user_id', '=', Number(userId.slice(3)))
    .where('meta_key', '=', 'wp_capabilities')
    .execute();
}

/** Deletes a user the way `wp_delete_user` does (the user row and its meta). */
export async function deleteWordpressUser(db: Kysely<any>, userId: string): Promise<void> {
  await db.deleteFrom('wp_usermeta').where('user_id', '=', Number(userId.slice(3))).execute();
  await db.deleteFrom('wp_users').where('ID', '=', Number(userId.slice(3))).execute();
}
