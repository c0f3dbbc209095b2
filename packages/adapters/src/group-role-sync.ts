import { z } from 'zod';
import type { Domain, PermissionProvider, Rowguard } from '@rowguard/core';
import { allContacts, contactsOfUsers } from './domain-reads.js';
import { syncGroupsToHostSource } from './group-role-writeback.js';
import { frameworkSource } from './host/framework-source.js';
import type { HostSource } from './host/host-source.js';
import { checkMappedGroups, roleGroupMappingSchema, wantedRoles, type RoleGroupMapping } from './role-group-mapping.js';
import { HostSync } from './sync/host-sync.js';
import { readUsers, type HostUserFramework } from './user-framework.js';

export { roleGroupMappingSchema, type RoleGroupMapping } from './role-group-mapping.js';

/** What a role/group sync changed. */
export interface RoleGroupSyncReport {
  readonly added: readonly { readonly groupId: number; readonly contactId: number }[];
  readonly removed: readonly { readonly groupId: number; readonly contactId: number }[];
  readonly rolesGranted: readonly { readonly userId: string; readonly role: string }[];
  readonly rolesRevoked: readonly { readonly userId: string; readonly role: string }[];
}

/**
 * Host roles -> static groups over a {@link HostUserFramework} (for a CMS, use {@link HostSync} with its
 * source): a linked user is a member of a group when it holds any of the roles mapped to it. Memberships the
 * sync makes carry the framework's name as their source, and only those are ever set Removed — by hand or by
 * another source stays. A linked user missing from the list loses the memberships the sync made (its link is
 * suspended). Users without a contact are left alone (link them with {@link syncUsersToContacts}). Batched,
 * audited writes.
 *
 * @example
 * ```ts
 * await syncHostRolesToGroups(rowguard, domain, drupalUsers, [{ hostRole: 'manager', groupId: managers }]);
 * ```
 */
export async function syncHostRolesToGroups(
  _engine: Rowguard,
  domain: Domain,
  framework: HostUserFramework,
  mappings: readonly RoleGroupMapping[],
): Promise<RoleGroupSyncReport> {
  const parsed = z.array(roleGroupMappingSchema).parse(mappings);
  await checkMappedGroups(domain, parsed);
  const source = frameworkSource(framework, { knownRoles: parsed.map((m) => m.hostRole) });
  const sync = new HostSync(domain, source, { mappings: parsed, createMissing: false, deleted: 'suspend', removalGuard: { maxShare: 1, minimum: 0 } });
  const report = await sync.reconcileAll({ listLimit: Number.MAX_SAFE_INTEGER });
  const contactOf = await contactsOfUsers(domain, [...report.changes.added, ...report.changes.removed].map((m) => m.userId));
  const pick = (list: readonly { groupId: number; contactId: number | null; userId: string }[]) =>
    list.map((m) => ({ groupId: m.groupId, contactId: m.contactId ?? contactOf.get(m.userId) ?? 0 }));
  return { added: pick(report.changes.added), removed: pick(report.changes.removed), rolesGranted: [], rolesRevoked: [] };
}

/**
 * Static groups -> host roles: the user of every Added member of a group holds one of its mapped roles (the
 * first is granted when it holds none), and a user holding a mapped role whose contact is an Added member of
 * none of the role's groups loses it; roles no mapping names are never touched. Over a {@link HostSource} built
 * with `writes: true` (WordPress, Drupal, Joomla, generic SQL) the roles are written into the host's own tables
 * by {@link syncGroupsToHostSource} (users without a contact left alone); over a {@link HostUserFramework} through
 * its `setUserRoles`. Run after the role -> group sync, the two reach a fixed point in one round.
 *
 * @example
 * ```ts
 * await syncGroupsToHostRoles(rowguard, domain, wordpressSource(hostDb, { writes: true }), [{ hostRole: 'editor', groupId: editors }]);
 * ```
 */
export async function syncGroupsToHostRoles(
  _engine: Rowguard,
  domain: Domain,
  host: HostUserFramework | HostSource,
  mappings: readonly RoleGroupMapping[],
): Promise<RoleGroupSyncReport> {
  if ('readUsers' in host) return { added: [], removed: [], ...(await syncGroupsToHostSource(domain, host, mappings)) };
  const framework = host;
  if (!framework.setUserRoles) throw new Error(`${framework.name} cannot set user roles`);
  const parsed = z.array(roleGroupMappingSchema).parse(mappings);
  await checkMappedGroups(domain, parsed);
  const users = await readUsers(framework);
  const contactOf = await contactsOfUsers(domain, users.map((u) => u.id));
  const members = new Set<string>();
  for (const groupId of new Set(parsed.map((m) => m.groupId))) {
    for (const c of await allContacts(domain, { membership: { groupId, status: 'Added' }, withDeleted: true })) members.add(`${groupId}:${c.id}`);
  }
  const rolesGranted: { userId: string; role: string }[] = [];
  const rolesRevoked: { userId: string; role: string }[] = [];
  for (const user of users) {
    const contactId = contactOf.get(user.id);
    const next = wantedRoles(user.roles, parsed, (groupId) => contactId !== undefined && members.has(`${groupId}:${contactId}`));
    for (const role of next.granted) rolesGranted.push({ userId: user.id, role });
    for (const role of next.revoked) rolesRevoked.push({ userId: user.id, role });
    if (next.granted.length + next.revoked.length > 0) await framework.setUserRoles(user.id, next.roles);
  }
  return { added: [], removed: [], rolesGranted, rolesRevoked };
}

/**
 * A permission provider for hosts with their own permission system: host roles mapped to rowguard functional
 * permissions (`{ administrator: ['administer CRM'], staff: ['view all contacts'] }`). The host's roles for a
 * user come from `rolesOf`; a subject without a user gets none.
 *
 * @example
 * ```ts
 * const rowguard = createRowguard({ db, permissionProvider: hostRolePermissions((id) => drupal.rolesOf(id), { staff: ['view all contacts'] }) });
 * ```
 */
export function hostRolePermissions(
  rolesOf: (userId: string) => readonly string[] | Promise<readonly string[]>,
  map: Readonly<Record<string, readonly string[]>>,
): PermissionProvider {
  return async ({ userId }) => {
    if (userId === null) return [];
    const roles = await rolesOf(userId);
    return roles.flatMap((r) => map[r] ?? []);
  };
}
