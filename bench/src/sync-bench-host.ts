import { sql, type Kysely } from 'kysely';
import type { DialectKind } from '@rowguard/core';

/** The WordPress roles the benchmark gives its users, three each. */
export const BENCH_ROLES = ['editor', 'author', 'contributor', 'subscriber', 'shop_manager'] as const;

/** A PHP-serialized capabilities map of role slugs (what WordPress stores in `wp_capabilities`). */
export function capabilities(roles: readonly string[]): string {
  return `a:${roles.length}:{${roles.map((r) => `s:${Buffer.byteLength(r)}:"${r}";b:1;`).join('')}}`;
}

/** The three roles of user `i`: a deterministic spread over {@link BENCH_ROLES}. */
export function rolesOf(i: number): string[] {
  const n = BENCH_ROLES.length;
  return [BENCH_ROLES[i % n], BENCH_ROLES[(i + 1) % n], BENCH_ROLES[(i + 3) % n]] as string[];
}

/**
 * Creates WordPress's `wp_users`, `wp_usermeta` and `wp_options` (with the roles option) and loads `users`
 * users with three roles each, in multi-row inserts.
 *
 * @example
 * ```ts
 * await loadWordpressUsers(db, 'mysql', 100_000);
 * ```
 */
export async function loadWordpressUsers(db: Kysely<any>, dialect: DialectKind, users: number): Promise<void> {
  const id = dialect === 'postgres' ? sql`bigserial primary key` : sql`bigint primary key auto_increment`;
  const text = dialect === 'mysql' ? sql`longtext` : sql`text`;
  for (const t of ['wp_users', 'wp_usermeta', 'wp_options']) await db.schema.dropTable(t).ifExists().execute();
  await sql`create table wp_users (${sql.ref('ID')} ${id}, user_login varchar(60) not null, user_email varchar(100) not null, display_name varchar(250) not null)`.execute(db);
  await sql`create table wp_usermeta (umeta_id ${id}, user_id bigint not null, meta_key varchar(255), meta_value ${text})`.execute(db);
  await sql`create index wp_usermeta_user on wp_usermeta (user_id, meta_key)`.execute(db);
  await sql`create table wp_options (option_id ${id}, option_name varchar(191) not null unique, option_value ${text} not null)`.execute(db);
  const roleMap = BENCH_ROLES.map((r) => `s:${r.length}:"${r}";a:2:{s:4:"name";s:${r.length}:"${r}";s:12:"capabilities";a:1:{s:4:"read";b:1;}}`).join('');
  await db.insertInto('wp_options').values({ option_name: 'wp_user_roles', option_value: `a:${BENCH_ROLES.length}:{${roleMap}}` }).execute();
  const chunk = 2000;
  for (let start = 1; start <= users; start += chunk) {
    const keys = Array.from({ length: Math.min(chunk, users - start + 1) }, (_, k) => start + k);
    await db.insertInto('wp_users').values(keys.map((i) => ({ ID: i, user_login: `user${i}`, user_email: `User${i}@Example.org`, display_name: `User ${i}` }))).execute();
    await db.insertInto('wp_usermeta').values(keys.map((i) => ({ user_id: i, meta_key: 'wp_capabilities', meta_value: capabilities(rolesOf(i)) }))).execute();
  }
}
