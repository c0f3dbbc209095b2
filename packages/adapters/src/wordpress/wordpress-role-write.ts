import type { Kysely } from 'kysely';
import { serialize } from 'php-serialize';
import { checkRoleWrite, HostUserMissingError } from '../host/host-role-writes.js';
import type { HostRole } from '../host/host-source.js';
import { parsePhpSerialized, phpArray } from '../host/php-serialized.js';

/** The WordPress tables and meta keys a role write touches. */
export interface WordpressWriteTarget {
  readonly source: string;
  readonly users: string;
  readonly usermeta: string;
  /** `<site prefix>capabilities`. */
  readonly capKey: string;
  /** `<site prefix>user_level`. */
  readonly levelKey: string;
}

/**
 * WordPress's user level, as `WP_User::update_user_level_from_caps()` computes it: the highest N of the
 * `level_N` keys (0-10) among the capabilities of the user's roles and its own capabilities, else 0.
 *
 * @example
 * ```ts
 * wordpressUserLevel(['editor'], {}, roles); // 7 with WordPress's default roles
 * ```
 */
export function wordpressUserLevel(held: readonly string[], own: Readonly<Record<string, unknown>>, roles: readonly HostRole[]): number {
  const keys = new Set(Object.keys(own));
  for (const r of roles) if (held.includes(r.id)) for (const cap of Object.keys(r.permissions)) keys.add(cap);
  let level = 0;
  for (const k of keys) {
    const m = /^level_(10|[0-9])$/i.exec(k);
    if (m?.[1] !== undefined) level = Math.max(level, Number(m[1]));
  }
  return level;
}

async function putMeta(trx: Kysely<any>, t: WordpressWriteTarget, userKey: number, metaKey: string, value: string): Promise<void> {
  const updated = await trx.updateTable(t.usermeta).set({ meta_value: value }).where('user_id', '=', userKey).where('meta_key', '=', metaKey).executeTakeFirst();
  if (Number(updated.numUpdatedRows) === 0) await trx.insertInto(t.usermeta).values({ user_id: userKey, meta_key: metaKey, meta_value: value }).execute();
}

/**
 * Sets a WordPress user's roles inside the caller's transaction: rewrites its `<site prefix>capabilities`
 * usermeta as a PHP-serialized map (`a:1:{s:6:"editor";b:1;}`) holding these role slugs and every per-user
 * capability it held (keys that are not roles, granted or denied, kept as stored), and its
 * `<site prefix>user_level` by WordPress's rule. A capabilities value that does not unserialize throws
 * `HostDataError` and nothing is written.
 *
 * @example
 * ```ts
 * await writeWordpressRoles(trx, target, 'wp:7', 7, ['editor'], await source.listRoles());
 * ```
 */
export async function writeWordpressRoles(trx: Kysely<any>, t: WordpressWriteTarget, userId: string, key: number, roles: readonly string[], known: readonly HostRole[]): Promise<void> {
  const store = checkRoleWrite({ source: t.source, userId, roles, known });
  if (!(await trx.selectFrom(t.users).select('ID').where('ID', '=', key).executeTakeFirst())) throw new HostUserMissingError(t.source, userId);
  const row = await trx.selectFrom(t.usermeta).select(['umeta_id', 'meta_value']).where('user_id', '=', key).where('meta_key', '=', t.capKey).orderBy('umeta_id').executeTakeFirst();
  const roleIds = new Set(known.map((r) => r.id));
  const own: Record<string, unknown> = {};
  if (row) {
    const origin = { table: t.usermeta, row: `umeta_id=${String(row.umeta_id)}`, userId };
    for (const [k, v] of Object.entries(phpArray(parsePhpSerialized(row.meta_value, origin), origin))) if (!roleIds.has(k)) own[k] = v;
  }
  const caps = { ...Object.fromEntries(store.map((r) => [r, true])), ...own };
  await putMeta(trx, t, key, t.capKey, serialize(caps));
  await putMeta(trx, t, key, t.levelKey, String(wordpressUserLevel(store, own, known)));
}
