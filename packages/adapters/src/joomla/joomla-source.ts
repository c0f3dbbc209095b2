import type { Kysely } from 'kysely';
import { z } from 'zod';
import { inChunks, textOrNull } from '../host/host-batches.js';
import { HostDataError } from '../host/host-data-error.js';
import { checkRoleWrite, HostUserMissingError, hostWritesSchema, inHostTransaction } from '../host/host-role-writes.js';
import { sqlIdentifierSchema, tablePrefixSchema, type HostPage, type HostRole, type HostSource, type HostUserRecord } from '../host/host-source.js';
import { rootAssetRules } from './joomla-asset-rules.js';
import { keyedHostSource } from '../host/keyed-host-source.js';

/**
 * zod schema of the Joomla source settings: the table prefix that replaces `#__` (`jos_`), the user id prefix
 * (`joomla:`), the source name, and `writes` (default false: read-only; true enables `setUserRoles`).
 *
 * @example
 * ```ts
 * joomlaOptionsSchema.parse({ prefix: 'jos_' });
 * ```
 */
export const joomlaOptionsSchema = z
  .object({
    prefix: tablePrefixSchema.default('jos_'),
    idPrefix: z.string().min(1).max(32).default('joomla:'),
    name: sqlIdentifierSchema.default('joomla'),
    writes: hostWritesSchema,
  })
  .strict();
/** Joomla source settings. */
export type JoomlaOptions = z.input<typeof joomlaOptionsSchema>;

interface GroupNode {
  readonly id: string;
  readonly title: string;
  readonly lft: number;
  readonly rgt: number;
}

/**
 * A {@link HostSource} over Joomla's tables, read-only unless built with `writes: true` (then `setUserRoles`
 * replaces the user's `#__user_usergroup_map` rows by group id, storing only the groups that are not an
 * ancestor of another group given, since membership of a group implies its ancestors): `#__users` (`block = 1`, or an `activation` not yet
 * done, is blocked), `#__usergroups` (a nested set: a member of a group is a member of every ancestor, so a
 * user's roles are its groups and their ancestors, keyed by group id), `#__user_usergroup_map`, and the root
 * asset's JSON rules in `#__assets` as the groups' permissions: tri-state, where an explicit deny (0) on any of
 * a user's groups wins over every allow. A map row naming a missing group, or rules that are not JSON, throw
 * {@link HostDataError}.
 *
 * @example
 * ```ts
 * const source = joomlaSource(hostDb, { prefix: 'jos_' });
 * ```
 */
export function joomlaSource(db: Kysely<any>, options: JoomlaOptions = {}): HostSource {
  const o = joomlaOptionsSchema.parse(options);
  const t = { users: `${o.prefix}users`, groups: `${o.prefix}usergroups`, map: `${o.prefix}user_usergroup_map`, assets: `${o.prefix}assets` };

  async function groupTree(): Promise<GroupNode[]> {
    const rows = await db.selectFrom(t.groups).select(['id', 'title', 'lft', 'rgt']).orderBy('lft').execute();
    return rows.map((r) => ({ id: String(r.id), title: String(r.title), lft: Number(r.lft), rgt: Number(r.rgt) }));
  }

  async function listRoles(): Promise<HostRole[]> {
    const [groups, rules] = await Promise.all([groupTree(), rootAssetRules(db, t.assets)]);
    return groups.map((g) => ({ id: g.id, label: g.title, permissions: rules.get(g.id) ?? {} }));
  }

  async function read(keys: readonly number[] | null, page: HostPage | null, roles: readonly HostRole[]): Promise<HostUserRecord[]> {
    let q = db.selectFrom(t.users).select(['id', 'name', 'username', 'email', 'block', 'activation']);
    if (keys) q = q.where('id', 'in', keys);
    if (page) q = q.where('id', '>', page.after).orderBy('id').limit(page.limit);
    const rows = await q.execute();
    const known = new Set(roles.map((r) => r.id));
    // The nested set: each group's ancestors are the groups whose interval contains its own.
    const tree = rows.length > 0 ? await groupTree() : [];
    const ancestors = new Map(tree.map((g) => [g.id, tree.filter((a) => a.lft <= g.lft && a.rgt >= g.rgt).map((a) => a.id)]));
    const held = new Map<number, Set<string>>();
    for (const part of inChunks(rows.map((r) => Number(r.id)))) {
      for (const m of await db.selectFrom(t.map).select(['user_id', 'group_id']).where('user_id', 'in', part).execute()) {
        const gid = String(m.group_id);
        const chain = ancestors.get(gid);
        if (!chain || !known.has(gid)) {
          throw new HostDataError({ table: t.map, row: `user_id=${String(m.user_id)},group_id=${gid}`, userId: `${o.idPrefix}${String(m.user_id)}`, reason: `group ${gid} does not exist in ${t.groups}` });
        }
        const set = held.get(Number(m.user_id)) ?? new Set<string>();
        for (const a of chain) set.add(a);
        held.set(Number(m.user_id), set);
      }
    }
    return rows.map((r) => {
      const key = Number(r.id);
      const activation = textOrNull(r.activation) ?? '';
      return {
        id: `${o.idPrefix}${key}`,
        key,
        email: textOrNull(r.email) || null,
        name: textOrNull(r.name) || textOrNull(r.username),
        roles: [...(held.get(key) ?? [])],
        blocked: Number(r.block) !== 0 || (activation !== '' && activation !== '0'),
        fields: { username: textOrNull(r.username) },
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
      const row = await db.selectFrom(t.users).select((eb) => eb.fn.countAll().as('n')).executeTakeFirst();
      return Number(row?.n ?? 0);
    },
    existing: async (keys) => (await db.selectFrom(t.users).select('id').where('id', 'in', keys).execute()).map((r) => Number(r.id)),
    writeRoles: (key, userId, roles) =>
      inHostTransaction(db, async (trx) => {
        const inner = joomlaSource(trx, { ...o, writes: false });
        const ids = checkRoleWrite({ source: o.name, userId, roles, known: await inner.listRoles() });
        if (!(await trx.selectFrom(t.users).select('id').where('id', '=', key).executeTakeFirst())) throw new HostUserMissingError(o.name, userId);
        const tree = new Map((await trx.selectFrom(t.groups).select(['id', 'lft', 'rgt']).execute()).map((g) => [String(g.id), { lft: Number(g.lft), rgt: Number(g.rgt) }]));
        const isAncestor = (a: string, b: string) => {
          const x = tree.get(a);
          const y = tree.get(b);
          return a !== b && x !== undefined && y !== undefined && x.lft <= y.lft && x.rgt >= y.rgt;
        };
        const store = ids.filter((a) => !ids.some((b) => isAncestor(a, b)));
        await trx.deleteFrom(t.map).where('user_id', '=', key).execute();
        if (store.length > 0) await trx.insertInto(t.map).values(store.map((g) => ({ user_id: key, group_id: Number(g) }))).execute();
      }),
  });
}
