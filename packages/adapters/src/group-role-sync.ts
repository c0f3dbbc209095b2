import { z } from 'zod';
import { PolicyError, type Domain, type PermissionProvider, type Rowguard } from '@rowguard/core';
import { allContacts, contactsOfUsers } from './domain-reads.js';
import { frameworkSource } from './host/framework-source.js';
import { HostSync } from './sync/host-sync.js';
import { readUsers, type HostUserFramework } from './user-framework.js';

/**
 * zod schema of a role <-> group mapping: a host role by stable id or machine name (never a label) and a static
 * group of the domain.
 *
 * @example
 * ```ts
 * roleGroupMappingSchema.parse({ hostRole: 'manager', groupId: 4 });
 * ```
 */
export const roleGroupMappingSchema = z.object({ hostRole: z.string().min(1).max(128), groupId: z.number().int().positive() }).strict();
/** A role <-> group mapping. */
export type RoleGroupMapping = z.input<typeof roleGroupMappingSchema>;

/** What a role/group sync changed. */
export interface RoleGroupSyncReport {
  readonly added: readonly { readonly groupId: number; readonly contactId: number }[];
  readonly removed: readonly { readonly groupId: number; readonly contactId: number }[];
  readonly rolesGranted: readonly { readonly userId: string; readonly role: string }[];
  readonly rolesRevoked: readonly { readonly userId: string; readonly role: string }[];
}

/** Throws unless every mapped group is a static group of the domain. */
async function checkGroups(domain: Domain, mappings: readonly { groupId: number }[]): Promise<void> {
  const policy = await domain.policy();
  for (const m of mappings) {
    const group = policy.groups.get(m.groupId);
    if (!group) throw new PolicyError('unknown_group', `group ${m.groupId} does not exist in domain ${domain.id}`, { groupId: m.groupId });
    if (group.kind !== 'static') throw new PolicyError('not_static_group', `group ${m.groupId} is smart; roles sync with static groups`, { groupId: m.groupId });
  }
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
  await checkGroups(domain, parsed);
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
 * none of the role's groups loses it. Run after {@link syncHostRolesToGroups}, the two reach a fixed point in
 * one round. Needs `setUserRoles` on the framework.
 *
 * @example
 * ```ts
 * await syncGroupsToHostRoles(rowguard, domain, wordpressUsers, [{ hostRole: 'editor', groupId: editors }]);
 * ```
 */
export async function syncGroupsToHostRoles(
  _engine: Rowguard,
  domain: Domain,
  framework: HostUserFramework,
  mappings: readonly RoleGroupMapping[],
): Promise<RoleGroupSyncReport> {
  if (!framework.setUserRoles) throw new Error(`${framework.name} cannot set user roles`);
  const parsed = z.array(roleGroupMappingSchema).parse(mappings);
  await checkGroups(domain, parsed);
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
    const member = (groupId: number) => contactId !== undefined && members.has(`${groupId}:${contactId}`);
    const roles = new Set(user.roles);
    // A member of a group holds one of its roles: the first mapped one is granted when it holds none.
    for (const groupId of new Set(parsed.map((m) => m.groupId))) {
      const groupRoles = parsed.filter((m) => m.groupId === groupId).map((m) => m.hostRole);
      const first = groupRoles[0];
      if (member(groupId) && first !== undefined && !groupRoles.some((r) => roles.has(r))) {
        roles.add(first);
        rolesGranted.push({ userId: user.id, role: first });
      }
    }
    // A role is revoked when the user is a member of none of the groups it maps to.
    for (const role of new Set(parsed.map((m) => m.hostRole))) {
      if (roles.has(role) && !parsed.some((m) => m.hostRole === role && member(m.groupId))) {
        roles.delete(role);
        rolesRevoked.push({ userId: user.id, role });
      }
    }
    if (roles.size !== user.roles.length || user.roles.some((r) => !roles.has(r))) await framework.setUserRoles(user.id, [...roles]);
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
