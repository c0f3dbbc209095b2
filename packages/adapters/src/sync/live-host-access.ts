import type { PermissionProvider, RowguardOptions } from '@rowguard/core';
import type { HostRole, HostSource, HostUserRecord } from '../host/host-source.js';
import { effectivePermissions } from '../host/host-source.js';
import { roleMappingSchema, type RoleMapping } from './sync-options.js';

/**
 * The subject contributor of an engine extension (`createRowguard({ extension: { contributeToSubject } })`).
 *
 * @example
 * ```ts
 * const hook: SubjectContributorHook = liveHostAccess(source, { mappings }).contributeToSubject;
 * ```
 */
export type SubjectContributorHook = NonNullable<NonNullable<RowguardOptions['extension']>['contributeToSubject']>;

/**
 * Settings of {@link liveHostAccess}.
 *
 * @example
 * ```ts
 * const options: LiveHostAccessOptions = { mappings: [{ hostRole: 'editor', groupId: 4 }], permissions: { list_users: ['view all contacts'] } };
 * ```
 */
export interface LiveHostAccessOptions {
  /** Host roles -> static groups, applied at resolution (no sync needed for these memberships). */
  readonly mappings?: readonly RoleMapping[];
  /** Host permissions or capabilities -> rowguard functional permissions (`{ edit_others_posts: ['edit all contacts'] }`). */
  readonly permissions?: Readonly<Record<string, readonly string[]>>;
  /** How long a user's host data is reused, in ms (default 1,000: one request, or one page of decisions). */
  readonly ttlMs?: number;
}

/**
 * The live source: host roles and permissions read when a subject is resolved, instead of synced. Gives a
 * permission provider (host permissions -> functional permissions) and a subject contributor (host roles ->
 * static groups, so role and group grants follow the host with no sync at all). A blocked or deleted host
 * user gets nothing. Each user's host data is read once per `ttlMs` (concurrent resolutions share the read).
 *
 * Use it when the host's roles change often and decisions must follow them at once without event hooks;
 * use the sync (`reconcileUser` from the host's events, `reconcileAll` nightly) when rowguard's own tables
 * must hold the memberships (the SQL clause for other subjects, reports, group -> role sync) or the host
 * database is not reachable at decision time.
 *
 * @example
 * ```ts
 * const live = liveHostAccess(wordpressSource(hostDb), { mappings: [{ hostRole: 'editor', groupId: 4 }], permissions: { list_users: ['view all contacts'] } });
 * const rowguard = createRowguard({ db, permissionProvider: live.permissionProvider, extension: { contributeToSubject: live.contributeToSubject } });
 * ```
 */
export function liveHostAccess(source: HostSource, options: LiveHostAccessOptions = {}): { permissionProvider: PermissionProvider; contributeToSubject: SubjectContributorHook } {
  const mappings = (options.mappings ?? []).map((m) => roleMappingSchema.parse(m));
  const ttl = options.ttlMs ?? 1000;
  const cache = new Map<string, { at: number; data: Promise<{ user: HostUserRecord | null; roles: readonly HostRole[] }> }>();

  const load = (userId: string) => {
    const now = Date.now();
    const hit = cache.get(userId);
    if (hit && now - hit.at < ttl) return hit.data;
    if (cache.size > 10_000) cache.clear();
    const data = (async () => {
      const roles = await source.listRoles();
      return { user: await source.readUser(userId, roles), roles };
    })();
    cache.set(userId, { at: now, data });
    data.catch(() => cache.delete(userId));
    return data;
  };

  const permissionProvider: PermissionProvider = async ({ userId }) => {
    if (userId === null || !userId.startsWith(source.idPrefix)) return [];
    const { user, roles } = await load(userId);
    if (!user || user.blocked) return [];
    const held = source.permissionsOf ? source.permissionsOf(user, roles) : effectivePermissions(user, roles);
    return [...held].flatMap((p) => options.permissions?.[p] ?? []);
  };

  const contributeToSubject: SubjectContributorHook = async (subject) => {
    const userId = subject.userId;
    if (userId === null || mappings.length === 0 || !userId.startsWith(source.idPrefix)) return undefined;
    const { user } = await load(userId);
    if (!user || user.blocked) return undefined;
    const groupIds = [...new Set(mappings.filter((m) => user.roles.includes(m.hostRole)).map((m) => m.groupId))];
    return { groupIds, via: new Map(groupIds.map((g) => [`group:${g}`, `host role (${source.name}, live)`])) };
  };

  return { permissionProvider, contributeToSubject };
}
