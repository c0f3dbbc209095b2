import type { Kysely } from 'kysely';
import { z } from 'zod';
import { textOrNull } from '../host/host-batches.js';
import { checkRoleWrite, HostUserMissingError, hostWritesSchema, inHostTransaction } from '../host/host-role-writes.js';
import { sqlIdentifierSchema, type HostPage, type HostRole, type HostSource, type HostUserRecord } from '../host/host-source.js';
import { keyedHostSource } from '../host/keyed-host-source.js';
import { heldRoles } from '../host/held-roles.js';

/**
 * zod schema of a generic SQL source: a users table (integer key, e-mail, name, optional blocked flag, extra
 * field columns), a user-role table (user key, role id), and optionally a roles table (id, label) and a
 * role-permission table (role id, permission) — every name a plain identifier from this configuration — and
 * `writes` (default false: read-only; true enables `setUserRoles`).
 *
 * @example
 * ```ts
 * sqlSourceOptionsSchema.parse({
 *   users: { table: 'app_user', key: 'id', email: 'email', name: 'full_name', blocked: 'disabled', fields: ['country'] },
 *   userRoles: { table: 'app_user_role', user: 'user_id', role: 'role' },
 *   roles: { table: 'app_role', id: 'code', label: 'title' },
 * });
 * ```
 */
export const sqlSourceOptionsSchema = z
  .object({
    name: sqlIdentifierSchema.default('sql'),
    idPrefix: z.string().min(1).max(32).default('app:'),
    users: z
      .object({
        table: sqlIdentifierSchema,
        key: sqlIdentifierSchema.default('id'),
        email: sqlIdentifierSchema.nullable().default('email'),
        name: sqlIdentifierSchema.nullable().default('name'),
        blocked: sqlIdentifierSchema.nullable().default(null),
        fields: z.array(sqlIdentifierSchema).max(20).default([]),
      })
      .strict(),
    userRoles: z.object({ table: sqlIdentifierSchema, user: sqlIdentifierSchema, role: sqlIdentifierSchema }).strict(),
    roles: z.object({ table: sqlIdentifierSchema, id: sqlIdentifierSchema, label: sqlIdentifierSchema }).strict().optional(),
    rolePermissions: z.object({ table: sqlIdentifierSchema, role: sqlIdentifierSchema, permission: sqlIdentifierSchema }).strict().optional(),
    writes: hostWritesSchema,
  })
  .strict();
/** Generic SQL source settings. */
export type SqlSourceOptions = z.input<typeof sqlSourceOptionsSchema>;

/**
 * A {@link HostSource} over a Node host's own tables, configured by name. Without a roles table the roles are
 * the distinct values of the user-role table; with one, a user-role row naming a missing role throws
 * {@link HostDataError}. Read-only unless built with `writes: true`: then `setUserRoles` replaces the user's rows
 * of the user-role table (a role must be listed: without a roles table, one some user already holds).
 *
 * @example
 * ```ts
 * const source = sqlSource(appDb, { users: { table: 'app_user' }, userRoles: { table: 'app_user_role', user: 'user_id', role: 'role' } });
 * ```
 */
export function sqlSource(db: Kysely<any>, options: SqlSourceOptions): HostSource {
  const o = sqlSourceOptionsSchema.parse(options);
  const u = o.users;
  const ur = o.userRoles;

  async function listRoles(): Promise<HostRole[]> {
    const perms = new Map<string, Record<string, boolean>>();
    if (o.rolePermissions) {
      const rp = o.rolePermissions;
      for (const r of await db.selectFrom(rp.table).select([`${rp.role} as r`, `${rp.permission} as p`]).execute()) {
        const m = perms.get(String(r.r)) ?? {};
        m[String(r.p)] = true;
        perms.set(String(r.r), m);
      }
    }
    if (o.roles) {
      const r = o.roles;
      const rows = await db.selectFrom(r.table).select([`${r.id} as id`, `${r.label} as label`]).orderBy(r.id).execute();
      return rows.map((row) => ({ id: String(row.id), label: String(row.label), permissions: perms.get(String(row.id)) ?? {} }));
    }
    const rows = await db.selectFrom(ur.table).select(`${ur.role} as id`).distinct().orderBy(ur.role).execute();
    return rows.map((row) => ({ id: String(row.id), label: String(row.id), permissions: perms.get(String(row.id)) ?? {} }));
  }

  async function read(keys: readonly number[] | null, page: HostPage | null, roles: readonly HostRole[]): Promise<HostUserRecord[]> {
    const cols = [`${u.key} as k`, ...(u.email ? [`${u.email} as e`] : []), ...(u.name ? [`${u.name} as n`] : []), ...(u.blocked ? [`${u.blocked} as b`] : []), ...u.fields];
    let q = db.selectFrom(u.table).select(cols);
    if (keys) q = q.where(u.key, 'in', keys);
    if (page) q = q.where(u.key, '>', page.after).orderBy(u.key).limit(page.limit);
    const rows = await q.execute();
    const held = await heldRoles(
      rows.map((r) => Number(r.k)),
      async (part) =>
        (await db.selectFrom(ur.table).select([`${ur.user} as u`, `${ur.role} as r`]).where(ur.user, 'in', part).execute()).map((m) => ({
          userKey: Number(m.u),
          roleId: String(m.r),
          row: `${ur.user}=${String(m.u)},${ur.role}=${String(m.r)}`,
        })),
      { table: ur.table, idPrefix: o.idPrefix, known: o.roles ? new Set(roles.map((r) => r.id)) : null, missing: (rid) => `role '${rid}' does not exist in ${o.roles?.table}` },
    );
    return rows.map((r) => {
      const key = Number(r.k);
      const fields: Record<string, string | null> = {};
      for (const c of u.fields) fields[c] = textOrNull(r[c]);
      return {
        id: `${o.idPrefix}${key}`,
        key,
        email: textOrNull(r.e) || null,
        name: textOrNull(r.n),
        roles: [...new Set(held.get(key) ?? [])],
        blocked: r.b === undefined ? false : Boolean(Number(r.b)),
        fields,
        permissions: {},
      };
    });
  }

  return keyedHostSource({
    name: o.name,
    idPrefix: o.idPrefix,
    writes: o.writes,
    listRoles,
    read,
    async count() {
      const row = await db.selectFrom(u.table).select((eb) => eb.fn.countAll().as('n')).executeTakeFirst();
      return Number(row?.n ?? 0);
    },
    existing: async (keys) => (await db.selectFrom(u.table).select(`${u.key} as k`).where(u.key, 'in', keys).execute()).map((r) => Number(r.k)),
    writeRoles: (key, userId, roles) =>
      inHostTransaction(db, async (trx) => {
        const ids = checkRoleWrite({ source: o.name, userId, roles, known: await sqlSource(trx, { ...o, writes: false }).listRoles() });
        if (!(await trx.selectFrom(u.table).select(`${u.key} as k`).where(u.key, '=', key).executeTakeFirst())) throw new HostUserMissingError(o.name, userId);
        await trx.deleteFrom(ur.table).where(ur.user, '=', key).execute();
        if (ids.length > 0) await trx.insertInto(ur.table).values(ids.map((r) => ({ [ur.user]: key, [ur.role]: r }))).execute();
      }),
  });
}
