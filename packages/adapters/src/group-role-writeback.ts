import { z } from 'zod';
import type { Domain } from '@rowguard/core';
import { allContacts, contactsOfUsers } from './domain-reads.js';
import { HostWritesDisabledError } from './host/host-role-writes.js';
import type { HostSource } from './host/host-source.js';
import { checkMappedGroups, roleGroupMappingSchema, wantedRoles, type RoleGroupMapping } from './role-group-mapping.js';

/** The roles a group -> role sync granted and revoked in a host. */
export interface HostRoleWriteReport {
  readonly rolesGranted: readonly { readonly userId: string; readonly role: string }[];
  readonly rolesRevoked: readonly { readonly userId: string; readonly role: string }[];
}

/**
 * Static groups -> roles in a host's own tables, through a {@link HostSource} built with `writes: true`: for
 * every user of the host linked to a contact (and not blocked), a member (Added) of a mapped group that holds
 * none of its roles gains the first role mapped to it; a mapped role is revoked only when the contact is a
 * member of none of the groups mapped to it ("any of"). Roles no mapping names are never touched, users without
 * a contact are left alone, and each user whose roles change is written in one host transaction. Run after the
 * role -> group sync ({@link HostSync}), the two reach a fixed point in one round.
 *
 * @example
 * ```ts
 * const source = wordpressSource(hostDb, { prefix: 'wp_', writes: true });
 * await syncGroupsToHostSource(domain, source, [{ hostRole: 'editor', groupId: editors }]);
 * ```
 */
export async function syncGroupsToHostSource(domain: Domain, source: HostSource, mappings: readonly RoleGroupMapping[], options: { pageSize?: number } = {}): Promise<HostRoleWriteReport> {
  const parsed = z.array(roleGroupMappingSchema).parse(mappings);
  const pageSize = z.number().int().min(1).max(10_000).default(1000).parse(options.pageSize);
  if (!source.setUserRoles) throw new HostWritesDisabledError(source.name, '*');
  await checkMappedGroups(domain, parsed);
  const members = new Set<string>();
  for (const groupId of new Set(parsed.map((m) => m.groupId))) {
    for (const c of await allContacts(domain, { membership: { groupId, status: 'Added' }, withDeleted: true })) members.add(`${groupId}:${c.id}`);
  }
  const roles = await source.listRoles();
  const rolesGranted: { userId: string; role: string }[] = [];
  const rolesRevoked: { userId: string; role: string }[] = [];
  for (let after = 0; ; ) {
    const page = await source.readUsers({ after, limit: pageSize }, roles);
    const contactOf = await contactsOfUsers(domain, page.map((u) => u.id));
    for (const user of page) {
      const contactId = contactOf.get(user.id);
      if (contactId === undefined || user.blocked) continue;
      const next = wantedRoles(user.roles, parsed, (groupId) => members.has(`${groupId}:${contactId}`));
      if (next.granted.length + next.revoked.length === 0) continue;
      await source.setUserRoles(user.id, next.roles);
      for (const role of next.granted) rolesGranted.push({ userId: user.id, role });
      for (const role of next.revoked) rolesRevoked.push({ userId: user.id, role });
    }
    if (page.length < pageSize) break;
    after = page[page.length - 1]?.key ?? after;
  }
  return { rolesGranted, rolesRevoked };
}
