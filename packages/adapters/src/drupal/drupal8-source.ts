import type { Kysely } from 'kysely';
import { z } from 'zod';
import { textOrNull } from '../host/host-batches.js';
import { checkRoleWrite, HostUserMissingError, hostWritesSchema, inHostTransaction } from '../host/host-role-writes.js';
import { sqlIdentifierSchema, tablePrefixSchema, type HostPage, type HostRole, type HostSource, type HostUserRecord } from '../host/host-source.js';
import { parsePhpSerialized, phpArray, phpTruthy } from '../host/php-serialized.js';
import { keyedHostSource } from '../host/keyed-host-source.js';
import { heldRoles } from '../host/held-roles.js';

/**
 * zod schema of the Drupal 8+ source settings: the table prefix, the user id prefix (`drupal:`), the source name,
 * and `writes` (default false: read-only; true enables `setUserRoles`).
 *
 * @example
 * ```ts
 * drupal8OptionsSchema.parse({ prefix: '' });
 * ```
 */
export const drupal8OptionsSchema = z
  .object({
    prefix: tablePrefixSchema.default(''),
    idPrefix: z.string().min(1).max(32).default('drupal:'),
    name: sqlIdentifierSchema.default('drupal8'),
    writes: hostWritesSchema,
  })
  .strict();
/** Drupal 8+ source settings. */
export type Drupal8Options = z.input<typeof drupal8OptionsSchema>;

/**
 * The role every Drupal 8+ user who is not anonymous holds implicitly.
 *
 * @example
 * ```ts
 * user.roles.includes(DRUPAL8_AUTHENTICATED); // true for every user read
 * ```
 */
export const DRUPAL8_AUTHENTICATED = 'authenticated';

/**
 * A {@link HostSource} over Drupal 8+'s tables, read-only unless built with `writes: true` (then `setUserRoles`
 * replaces the user's live `user__roles` rows: bundle `user`, deleted 0, revision_id = uid, the user's
 * langcode, delta 0..n; never `authenticated`, never `anonymous`, never uid 0): `users_field_data` (the default-language row; uid 0
 * is anonymous and never read; `status = 0` is blocked), `user__roles` (role machine names in
 * `roles_target_id`, plus the implicit `authenticated`), and the roles' configuration in `config`
 * (`user.role.<id>`, PHP-serialized: `id`, `label`, `permissions`, `is_admin`), parsed with `php-serialize`.
 *
 * @example
 * ```ts
 * const source = drupal8Source(hostDb);
 * ```
 */
export function drupal8Source(db: Kysely<any>, options: Drupal8Options = {}): HostSource {
  const o = drupal8OptionsSchema.parse(options);
  const t = { users: `${o.prefix}users_field_data`, roles: `${o.prefix}user__roles`, config: `${o.prefix}config` };

  async function listRoles(): Promise<HostRole[]> {
    const rows = await db.selectFrom(t.config).select(['name', 'data']).where('collection', '=', '').where('name', 'like', 'user.role.%').orderBy('name').execute();
    return rows.map((r) => {
      const origin = { table: t.config, row: `collection='',name=${String(r.name)}`, userId: null };
      const data = phpArray(parsePhpSerialized(r.data, origin), origin);
      const id = typeof data.id === 'string' ? data.id : String(r.name).slice('user.role.'.length);
      const permissions: Record<string, boolean> = {};
      for (const p of Object.values(data.permissions === undefined ? {} : phpArray(data.permissions, origin))) permissions[String(p)] = true;
      if (phpTruthy(data.is_admin)) permissions['administer site'] = true;
      return { id, label: typeof data.label === 'string' ? data.label : id, permissions };
    });
  }

  async function read(keys: readonly number[] | null, page: HostPage | null, roles: readonly HostRole[]): Promise<HostUserRecord[]> {
    let q = db.selectFrom(t.users).select(['uid', 'name', 'mail', 'status']).where('uid', '>', 0).where('default_langcode', '=', 1);
    if (keys) q = q.where('uid', 'in', keys);
    if (page) q = q.where('uid', '>', page.after).orderBy('uid').limit(page.limit);
    const rows = await q.execute();
    const held = await heldRoles(
      rows.map((r) => Number(r.uid)),
      async (part) =>
        (await db.selectFrom(t.roles).select(['entity_id', 'delta', 'roles_target_id']).where('deleted', '=', 0).where('entity_id', 'in', part).execute()).map((ur) => ({
          userKey: Number(ur.entity_id),
          roleId: String(ur.roles_target_id),
          row: `entity_id=${String(ur.entity_id)},delta=${String(ur.delta)}`,
        })),
      { table: t.roles, idPrefix: o.idPrefix, known: new Set(roles.map((r) => r.id)), missing: (rid) => `role '${rid}' has no configuration` },
    );
    return rows.map((r) => {
      const key = Number(r.uid);
      return {
        id: `${o.idPrefix}${key}`,
        key,
        email: textOrNull(r.mail) || null,
        name: textOrNull(r.name),
        roles: [...new Set([DRUPAL8_AUTHENTICATED, ...(held.get(key) ?? [])])],
        blocked: Number(r.status) === 0,
        fields: {},
        permissions: {},
      };
    });
  }

  return keyedHostSource({
    name: o.name,
    idPrefix: o.idPrefix,
    writes: o.writes,
    validKey: (key) => key > 0,
    listRoles,
    read,
    async count() {
      const row = await db.selectFrom(t.users).select((eb) => eb.fn.countAll().as('n')).where('uid', '>', 0).where('default_langcode', '=', 1).executeTakeFirst();
      return Number(row?.n ?? 0);
    },
    existing: async (keys) => (await db.selectFrom(t.users).select('uid').where('uid', 'in', keys).execute()).map((r) => Number(r.uid)),
    writeRoles: (key, userId, roles) =>
      inHostTransaction(db, async (trx) => {
        const known = await drupal8Source(trx, { ...o, writes: false }).listRoles();
        const ids = checkRoleWrite({ source: o.name, userId, roles, known, implicit: [DRUPAL8_AUTHENTICATED], refused: ['anonymous'] });
        const user = await trx.selectFrom(t.users).select('langcode').where('uid', '=', key).where('default_langcode', '=', 1).executeTakeFirst();
        if (!user) throw new HostUserMissingError(o.name, userId);
        await trx.deleteFrom(t.roles).where('entity_id', '=', key).where('deleted', '=', 0).execute();
        const rows = ids.map((id, delta) => ({ bundle: 'user', deleted: 0, entity_id: key, revision_id: key, langcode: String(user.langcode), delta, roles_target_id: id }));
        if (rows.length > 0) await trx.insertInto(t.roles).values(rows).execute();
      }),
  });
}
