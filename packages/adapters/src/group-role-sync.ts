import { z } from 'zod';
import { PolicyError, type Domain, type PermissionProvider, type Rowguard } from '@rowguard/core';
import { allContacts, contactsOfUsers } from './domain-reads.js';
import { readUsers, type HostUserFramework } from './user-framework.js';

/**
 * zod schema of a role <-> group mapping: a host role name and a static group of the domain.
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

/**
 * Validates the mappings (each group static and of the domain), then reads the users, their contacts, and the
 * Added members of the mapped groups, all through the core's public API.
 */
async function prepare(domain: Domain, framework: HostUserFramework, mappings: readonly RoleGroupMapping[]) {
  const parsed = z.array(roleGroupMappingSchema).parse(mappings);
  const policy = await domain.policy();
  for (const m of parsed) {
    const group = policy.groups.get(m.groupId);
    if (!group) throw new PolicyError('unknown_group', `group ${m.groupId} does not exist in domain ${domain.id}`, { groupId: m.groupId });
    if (group.kind !== 'static') throw new PolicyError('not_static_group', `group ${m.groupId} is smart; roles sync with static groups`, { groupId: m.groupId });
  }
  const users = await readUsers(framework);
  const contactOf = await contactsOfUsers(domain, users.map((u) => u.id));
  const userOf = new Map([...contactOf].map(([userId, contactId]) => [contactId, userId]));
  const added = new Set<string>();
  for (const groupId of new Set(parsed.map((m) => m.groupId))) {
    for (const c of await allContacts(domain, { membership: { groupId, status: 'Added' }, withDeleted: true })) added.add(`${groupId}:${c.id}`);
  }
  return { parsed, users, contactOf, userOf, added };
}

/**
 * Host roles -> static groups (the direction of CiviCRM's "group roles sync", reversed): for each mapping,
 * the contact of every user holding the host role is Added to the group, and a linked contact whose user no
 * longer holds the role is set to Removed. Contacts without a user are left alone, so members an
 * administrator added by hand stay. One audited transaction.
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
  const { parsed, users: list, contactOf, userOf, added: members } = await prepare(domain, framework, mappings);
  const users = new Map(list.map((u) => [u.id, u]));
  const added: { groupId: number; contactId: number }[] = [];
  const removed: { groupId: number; contactId: number }[] = [];
  for (const m of parsed) {
    for (const user of users.values()) {
      const contactId = contactOf.get(user.id);
      if (contactId !== undefined && user.roles.includes(m.hostRole) && !members.has(`${m.groupId}:${contactId}`)) {
        added.push({ groupId: m.groupId, contactId });
      }
    }
    for (const key of members) {
      const [groupId, contactId] = key.split(':').map(Number) as [number, number];
      if (groupId !== m.groupId) continue;
      const userId = userOf.get(contactId);
      const user = userId === undefined ? undefined : users.get(userId);
      if (user && !user.roles.includes(m.hostRole)) removed.push({ groupId, contactId });
    }
  }
  if (added.length + removed.length > 0) {
    await domain.admin(`sync:${framework.name}`).transaction(async (admin) => {
      for (const a of added) await admin.setMembership({ ...a, status: 'Added' });
      for (const r of removed) await admin.setMembership({ ...r, status: 'Removed' });
    });
  }
  return { added, removed, rolesGranted: [], rolesRevoked: [] };
}

/**
 * Static groups -> host roles: for each mapping, the user of every Added member gets the host role, and a user
 * holding the role whose contact is not an Added member loses it. Needs `setUserRoles` on the framework.
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
  const { parsed, users, contactOf, added: members } = await prepare(domain, framework, mappings);
  const rolesGranted: { userId: string; role: string }[] = [];
  const rolesRevoked: { userId: string; role: string }[] = [];
  for (const user of users) {
    const contactId = contactOf.get(user.id);
    const roles = new Set(user.roles);
    for (const m of parsed) {
      const member = contactId !== undefined && members.has(`${m.groupId}:${contactId}`);
      if (member && !roles.has(m.hostRole)) {
        roles.add(m.hostRole);
        rolesGranted.push({ userId: user.id, role: m.hostRole });
      } else if (!member && roles.has(m.hostRole) && !parsed.some((o) => o.hostRole === m.hostRole && contactId !== undefined && members.has(`${o.groupId}:${contactId}`))) {
        roles.delete(m.hostRole);
        rolesRevoked.push({ userId: user.id, role: m.hostRole });
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
