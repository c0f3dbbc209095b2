import { z } from 'zod';
import { PolicyError, type Domain } from '@rowguard/core';

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

/**
 * Throws `PolicyError` unless every mapped group is a static group of the domain.
 *
 * @example
 * ```ts
 * await checkMappedGroups(domain, [{ groupId: 4 }]);
 * ```
 */
export async function checkMappedGroups(domain: Domain, mappings: readonly { groupId: number }[]): Promise<void> {
  const policy = await domain.policy();
  for (const m of mappings) {
    const group = policy.groups.get(m.groupId);
    if (!group) throw new PolicyError('unknown_group', `group ${m.groupId} does not exist in domain ${domain.id}`, { groupId: m.groupId });
    if (group.kind !== 'static') throw new PolicyError('not_static_group', `group ${m.groupId} is smart; roles sync with static groups`, { groupId: m.groupId });
  }
}

/**
 * The roles a user should hold after a group -> role sync, by "any of": a member of a mapped group that holds
 * none of the group's roles gains the first one mapped to it; a mapped role is lost only when the user is a
 * member of none of the groups it maps to. Roles no mapping names are never touched.
 *
 * @example
 * ```ts
 * wantedRoles(['editor', 'subscriber'], [{ hostRole: 'editor', groupId: 4 }], () => false); // { roles: ['subscriber'], granted: [], revoked: ['editor'] }
 * ```
 */
export function wantedRoles(
  held: readonly string[],
  mappings: readonly { readonly hostRole: string; readonly groupId: number }[],
  member: (groupId: number) => boolean,
): { roles: string[]; granted: string[]; revoked: string[] } {
  const roles = new Set(held);
  const granted: string[] = [];
  const revoked: string[] = [];
  for (const groupId of new Set(mappings.map((m) => m.groupId))) {
    const groupRoles = mappings.filter((m) => m.groupId === groupId).map((m) => m.hostRole);
    const first = groupRoles[0];
    if (member(groupId) && first !== undefined && !groupRoles.some((r) => roles.has(r))) {
      roles.add(first);
      granted.push(first);
    }
  }
  for (const role of new Set(mappings.map((m) => m.hostRole))) {
    if (roles.has(role) && !mappings.some((m) => m.hostRole === role && member(m.groupId))) {
      roles.delete(role);
      revoked.push(role);
    }
  }
  return { roles: [...roles], granted, revoked };
}
