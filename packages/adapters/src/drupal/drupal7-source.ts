import type { Kysely } from 'kysely';
import { z } from 'zod';
import { textOrNull } from '../host/host-batches.js';
import { checkRoleWrite, HostUserMissingError, hostWritesSchema, inHostTransaction } from '../host/host-role-writes.js';
import { sqlIdentifierSchema, tablePrefixSchema, type HostPage, type HostRole, type HostSource, type HostUserRecord } from '../host/host-source.js';
import { keyedHostSource } from '../host/keyed-host-source.js';
import { heldRoles } from '../host/held-roles.js';

/**
 * zod schema of the Drupal 7 source settings: the table prefix (`$databases['default']['default']['prefix']`,
 * often empty), the columns of `users` to read as fields, the user id prefix (`drupal:`), and `writes` (default
 * false: read-only; true enables `setUserRoles`).
 *
 * @example
 * ```ts
 * drupal7OptionsSchema.parse({ prefix: '', fieldColumns: ['timezone'] });
 * ```
 */
export const drupal7OptionsSchema = z
  .object({
    prefix: tablePrefixSchema.default(''),
    fieldColumns: z.array(sqlIdentifierSchema).max(20).default([]),
    idPrefix: z.string().min(1).max(32).default('drupal:'),
    name: sqlIdentifierSchema.default('drupal7'),
    writes: hostWritesSchema,
  })
  .strict();
/** Drupal 7 source settings. */
export type Drupal7Options = z.input<typeof drupal7OptionsSchema>;

/**
 * Drupal 7's fixed role id of the anonymous user.
 *
 * @example
 * ```ts
 * roles.filter((r) => r.id !== DRUPAL7_ANONYMOUS_RID);
 * ```
 */
export const DRUPAL7_ANONYMOUS_RID = '1';
/**
 * Drupal 7's `authenticated user` role id: every user who is not anonymous holds it implicitly.
 *
 * @example
 * ```ts
 * user.roles.includes(DRUPAL7_AUTHENTICATED_RID); // true for every user read
 * ```
 */
export const DRUPAL7_AUTHENTICATED_RID = '2';

/**
 * A {@link HostSource} over Drupal 7's tables, read-only unless built with `writes: true` (then `setUserRoles`
 * replaces the user's `users_roles` rows by rid; never the implicit `authenticated user`, never uid 0): `users` (uid 0 is the anonymous user and is never
 * read; `status = 0` is blocked), `role` (roles keyed by `rid`, the stable id; `name` is only a label),
 * `users_roles` (plus the implicit `authenticated user`, rid 2) and `role_permission`. A `users_roles` row naming
 * a role that does not exist throws {@link HostDataError}.
 *
 * @example
 * ```ts
 * const source = drupal7Source(hostDb, { prefix: '' });
 * ```
 */
export function drupal7Source(db: Kysely<any>, options: Drupal7Options = {}): HostSource {
  const o = drupal7OptionsSchema.parse(options);
  const t = { users: `${o.prefix}users`, role: `${o.prefix}role`, usersRoles: `${o.prefix}users_roles`, rolePermission: `${o.prefix}role_permission` };

  async function listRoles(): Promise<HostRole[]> {
    const roles = await db.selectFrom(t.role).select(['rid', 'name']).orderBy('rid').execute();
    const perms = await db.selectFrom(t.rolePermission).select(['rid', 'permission']).execute();
    const byRole = new Map<string, Record<string, boolean>>();
    for (const p of perms) {
      const m = byRole.get(String(p.rid)) ?? {};
      m[String(p.permission)] = true;
      byRole.set(String(p.rid), m);
    }
    return roles.map((r) => ({ id: String(r.rid), label: String(r.name), permissions: byRole.get(String(r.rid)) ?? {} }));
  }

  async function read(keys: readonly number[] | null, page: HostPage | null, roles: readonly HostRole[]): Promise<HostUserRecord[]> {
    let q = db.selectFrom(t.users).select(['uid', 'name', 'mail', 'status', ...o.fieldColumns]).where('uid', '>', 0);
    if (keys) q = q.where('uid', 'in', keys);
    if (page) q = q.where('uid', '>', page.after).orderBy('uid').limit(page.limit);
    const rows = await q.execute();
    const held = await heldRoles(
      rows.map((r) => Number(r.uid)),
      async (part) =>
        (await db.selectFrom(t.usersRoles).select(['uid', 'rid']).where('uid', 'in', part).execute()).map((ur) => ({
          userKey: Number(ur.uid),
          roleId: String(ur.rid),
          row: `uid=${String(ur.uid)},rid=${String(ur.rid)}`,
        })),
      { table: t.usersRoles, idPrefix: o.idPrefix, known: new Set(roles.map((r) => r.id)), missing: (rid) => `role ${rid} does not exist in ${t.role}` },
    );
    return rows.map((r) => {
      const key = Number(r.uid);
      const fields: Record<string, string | null> = {};
      for (const c of o.fieldColumns) fields[c] = textOrNull(r[c]);
      return {
        id: `${o.idPrefix}${key}`,
        key,
        email: textOrNull(r.mail) || null,
        name: textOrNull(r.name),
        roles: [...new Set([DRUPAL7_AUTHENTICATED_RID, ...(held.get(key) ?? [])])],
        blocked: Number(r.status) === 0,
        fields,
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
      const row = await db.selectFrom(t.users).select((eb) => eb.fn.countAll().as('n')).where('uid', '>', 0).executeTakeFirst();
      return Number(row?.n ?? 0);
    },
    existing: async (keys) => (await db.selectFrom(t.users).select('uid').where('uid', 'in', keys).execute()).map((r) => Number(r.uid)),
    writeRoles: (key, userId, roles) =>
      inHostTransaction(db, async (trx) => {
        const known = await drupal7Source(trx, { ...o, writes: false }).listRoles();
        const rids = checkRoleWrite({ source: o.name, userId, roles, known, implicit: [DRUPAL7_AUTHENTICATED_RID], refused: [DRUPAL7_ANONYMOUS_RID] });
        if (!(await trx.selectFrom(t.users).select('uid').where('uid', '=', key).executeTakeFirst())) throw new HostUserMissingError(o.name, userId);
        await trx.deleteFrom(t.usersRoles).where('uid', '=', key).execute();
        if (rids.length > 0) await trx.insertInto(t.usersRoles).values(rids.map((rid) => ({ uid: key, rid: Number(rid) }))).execute();
      }),
  });
}
