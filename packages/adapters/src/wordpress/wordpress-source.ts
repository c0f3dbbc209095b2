import type { Kysely } from 'kysely';
import { z } from 'zod';
import { inChunks, textOrNull } from '../host/host-batches.js';
import { HostDataError } from '../host/host-data-error.js';
import { sqlIdentifierSchema, tablePrefixSchema, type HostPage, type HostRole, type HostSource, type HostUserRecord } from '../host/host-source.js';
import { parsePhpSerialized, phpArray, phpTruthy } from '../host/php-serialized.js';
import { hostWritesSchema, inHostTransaction } from '../host/host-role-writes.js';
import { writeWordpressRoles } from './wordpress-role-write.js';
import { keyedHostSource } from '../host/keyed-host-source.js';

/**
 * zod schema of the WordPress source settings: the table `prefix` (`wp_`), the site prefix for multisite
 * (`wp_2_`: capabilities and roles are per site, users shared; default the table prefix), `multisite` (read
 * `spam` / `deleted` of `wp_users` as blocked), the user meta keys to read for `attributesFor` (`billing_country`),
 * the user id prefix (`wp:`), and `writes` (default false: read-only; true enables `setUserRoles`).
 *
 * @example
 * ```ts
 * wordpressOptionsSchema.parse({ prefix: 'wp_', sitePrefix: 'wp_2_', multisite: true, metaKeys: ['billing_country'] });
 * ```
 */
export const wordpressOptionsSchema = z
  .object({
    prefix: tablePrefixSchema.default('wp_'),
    sitePrefix: tablePrefixSchema.optional(),
    multisite: z.boolean().default(false),
    metaKeys: z.array(z.string().min(1).max(255)).max(50).default([]),
    idPrefix: z.string().min(1).max(32).default('wp:'),
    name: sqlIdentifierSchema.default('wordpress'),
    writes: hostWritesSchema,
  })
  .strict();
/** WordPress source settings. */
export type WordpressOptions = z.input<typeof wordpressOptionsSchema>;

/**
 * A {@link HostSource} over WordPress's own tables, read-only unless built with `writes: true` (then
 * `setUserRoles` rewrites the user's `<site prefix>capabilities` and `<site prefix>user_level` usermeta): `<prefix>users`, `<prefix>usermeta` (the
 * `<site prefix>capabilities` meta is a PHP-serialized map of role slugs and per-user capabilities) and the
 * `<site prefix>user_roles` option of `<site prefix>options` (roles and their capabilities). Roles are keyed by
 * slug. A user's permissions are WordPress's: role capabilities, then the user's own capabilities override.
 *
 * @example
 * ```ts
 * const source = wordpressSource(hostDb, { prefix: 'wp_', metaKeys: ['billing_country'] });
 * ```
 */
export function wordpressSource(db: Kysely<any>, options: WordpressOptions = {}): HostSource & { permissionsOf(user: HostUserRecord, roles: readonly HostRole[]): Set<string> } {
  const o = wordpressOptionsSchema.parse(options);
  const site = o.sitePrefix ?? o.prefix;
  const users = `${o.prefix}users`;
  const usermeta = `${o.prefix}usermeta`;
  const capKey = `${site}capabilities`;
  const rolesOption = `${site}user_roles`;
  const optionsTable = `${site}options`;

  async function listRoles(): Promise<HostRole[]> {
    const row = await db.selectFrom(optionsTable).select(['option_id', 'option_value']).where('option_name', '=', rolesOption).executeTakeFirst();
    if (!row) throw new HostDataError({ table: optionsTable, row: `option_name=${rolesOption}`, userId: null, reason: 'the roles option is missing' });
    const origin = { table: optionsTable, row: `option_id=${String(row.option_id)}`, userId: null };
    const map = phpArray(parsePhpSerialized(row.option_value, origin), origin);
    return Object.entries(map).map(([id, def]) => {
      const d = phpArray(def, origin);
      const caps = d.capabilities === undefined ? {} : phpArray(d.capabilities, origin);
      return {
        id,
        label: typeof d.name === 'string' ? d.name : id,
        permissions: Object.fromEntries(Object.entries(caps).map(([cap, v]) => [cap, phpTruthy(v)])),
      };
    });
  }

  async function read(keys: readonly number[] | null, page: HostPage | null, roles: readonly HostRole[]): Promise<HostUserRecord[]> {
    let q = db.selectFrom(users).select(['ID', 'user_email', 'display_name', 'user_login', ...(o.multisite ? ['spam', 'deleted'] : [])]);
    if (keys) q = q.where('ID', 'in', keys);
    if (page) q = q.where('ID', '>', page.after).orderBy('ID').limit(page.limit);
    const metaOf = async (ids: readonly number[]) => {
      const out: Record<string, unknown>[] = [];
      for (const part of inChunks(ids)) {
        out.push(...(await db.selectFrom(usermeta).select(['umeta_id', 'user_id', 'meta_key', 'meta_value']).where('user_id', 'in', part).where('meta_key', 'in', [capKey, ...o.metaKeys]).execute()));
      }
      return out;
    };
    // Users by key (one user, from reconcileUser): both tables at once; a page: the meta of the page's users.
    const [rows, metaRows] = keys ? await Promise.all([q.execute(), metaOf(keys)]) : await q.execute().then(async (r) => [r, await metaOf(r.map((u) => Number(u.ID)))] as const);
    if (rows.length === 0) return [];
    const meta = new Map<number, { caps?: { id: unknown; value: unknown }; fields: Record<string, string | null> }>();
    for (const m of metaRows) {
      const entry = meta.get(Number(m.user_id)) ?? { fields: {} };
      if (m.meta_key === capKey) entry.caps = { id: m.umeta_id, value: m.meta_value };
      else entry.fields[String(m.meta_key)] = textOrNull(m.meta_value);
      meta.set(Number(m.user_id), entry);
    }
    const roleIds = new Set(roles.map((r) => r.id));
    return rows.map((r) => {
      const key = Number(r.ID);
      const id = `${o.idPrefix}${key}`;
      const m = meta.get(key);
      const held: string[] = [];
      const permissions: Record<string, boolean> = {};
      if (m?.caps) {
        const origin = { table: usermeta, row: `umeta_id=${String(m.caps.id)}`, userId: id };
        for (const [k, v] of Object.entries(phpArray(parsePhpSerialized(m.caps.value, origin), origin))) {
          if (roleIds.has(k)) held.push(k);
          else permissions[k] = phpTruthy(v);
        }
      }
      const fields: Record<string, string | null> = {};
      for (const k of o.metaKeys) fields[k] = m?.fields[k] ?? null;
      return {
        id,
        key,
        email: textOrNull(r.user_email) || null,
        name: textOrNull(r.display_name) || textOrNull(r.user_login),
        roles: held,
        blocked: o.multisite ? phpTruthy(Number(r.spam ?? 0)) || phpTruthy(Number(r.deleted ?? 0)) : false,
        fields,
        permissions,
      };
    });
  }

  /** WordPress's rule: the capabilities of every role held, then the user's own capabilities override them. */
  const permissionsOf = (user: HostUserRecord, roles: readonly HostRole[]): Set<string> => {
    const byId = new Map(roles.map((r) => [r.id, r]));
    const caps: Record<string, boolean> = {};
    for (const id of user.roles) Object.assign(caps, byId.get(id)?.permissions ?? {});
    Object.assign(caps, user.permissions);
    return new Set(Object.entries(caps).flatMap(([k, v]) => (v ? [k] : [])));
  };
  const source = keyedHostSource({
    name: o.name,
    idPrefix: o.idPrefix,
    writes: o.writes,
    listRoles,
    read,
    async count() {
      const row = await db.selectFrom(users).select((eb) => eb.fn.countAll().as('n')).executeTakeFirst();
      return Number(row?.n ?? 0);
    },
    existing: async (keys) => (await db.selectFrom(users).select('ID').where('ID', 'in', keys).execute()).map((r) => Number(r.ID)),
    writeRoles: (key, userId, roles) => {
      const target = { source: o.name, users, usermeta, capKey, levelKey: `${site}user_level` };
      return inHostTransaction(db, async (trx) => writeWordpressRoles(trx, target, userId, key, roles, await wordpressSource(trx, { ...o, writes: false }).listRoles()));
    },
  });
  return { ...source, permissionsOf };
}
