import { PolicyError } from './engine-errors.js';
import type { PermissionRegistry } from './functional-permissions.js';
import type { EntryDef, PolicySnapshot } from './policy-model.js';
import { loadContactFacts, type StoreContext } from './policy-store.js';
import type { ResolvedSubject, SubjectInput } from './subject-model.js';

/**
 * Supplies functional permissions for a subject from the host's own permission system (Drupal roles,
 * WordPress capabilities, ...). What it returns is added to the permissions stored per role; throwing makes
 * every decision for that subject deny.
 *
 * @example
 * ```ts
 * const provider: PermissionProvider = async ({ userId }) => (userId === 'admin' ? ['administer CRM'] : []);
 * ```
 */
export type PermissionProvider = (subject: {
  readonly domainId: number;
  readonly contactId: number | null;
  readonly userId: string | null;
}) => readonly string[] | Promise<readonly string[]>;

/** What an extension adds to a subject at resolution time (see `@rowguard/hooks`). */
export interface SubjectContribution {
  readonly groupIds?: readonly number[];
  readonly roleIds?: readonly number[];
  readonly entries?: readonly EntryDef[];
  readonly permissions?: readonly string[];
  /** How each contribution came about, keyed like `group:3`, for explanations. */
  readonly via?: ReadonlyMap<string, string>;
}

/**
 * Overrides functional-permission checks for a subject: `allow` adds a permission (with what it implies),
 * `deny` removes one; deny wins over allow.
 */
export type PermissionOverride = (
  subject: Omit<ResolvedSubject, 'isAdministrator' | 'permissions' | 'extraEntries'>,
  held: ReadonlySet<string>,
) => Promise<{ readonly allow?: readonly string[]; readonly deny?: readonly string[] } | undefined>;

/** A hook the engine calls after the stored holdings are resolved and before roles are expanded. */
export type SubjectContributor = (
  subject: Omit<ResolvedSubject, 'roleIds' | 'isAdministrator' | 'permissions' | 'extraEntries'>,
  snapshot: PolicySnapshot,
) => Promise<SubjectContribution | undefined>;

/**
 * Resolves a subject against a snapshot: finds its contact through the user link, reads its field values (for
 * tokens) and group memberships, then the roles held directly or through static groups, administrator status
 * and functional permissions (stored per role, from the host, implications expanded).
 *
 * @example
 * ```ts
 * const subject = await resolveSubject(store, snapshot, { userId: 'u-17' }, { registry });
 * subject.roleIds; // Set { 2, 5 }
 * ```
 */
export async function resolveSubject(
  store: StoreContext,
  snapshot: PolicySnapshot,
  input: SubjectInput,
  options: {
    readonly registry: PermissionRegistry;
    readonly permissionProvider?: PermissionProvider | undefined;
    readonly contributor?: SubjectContributor | undefined;
    readonly permissionOverride?: PermissionOverride | undefined;
  },
): Promise<ResolvedSubject> {
  const domainId = snapshot.domainId;
  let contactId = input.contactId ?? null;
  const userId = input.userId ?? null;
  let hasUser = userId !== null;
  if (userId !== null) {
    const link = await store.db
      .selectFrom(store.tables.userLink)
      .select('contact_id')
      .where('domain_id', '=', domainId)
      .where('user_id', '=', userId)
      .executeTakeFirst();
    const linked = link ? Number(link.contact_id) : null;
    if (linked !== null && contactId !== null && linked !== contactId) {
      throw new PolicyError('invalid_input', `user '${userId}' is linked to contact ${linked}, not ${contactId}`, {
        userId,
        contactId,
        linked,
      });
    }
    contactId = contactId ?? linked;
  } else if (contactId !== null) {
    const link = await store.db
      .selectFrom(store.tables.userLink)
      .select('user_id')
      .where('domain_id', '=', domainId)
      .where('contact_id', '=', contactId)
      .executeTakeFirst();
    hasUser = link !== undefined;
  }

  const via = new Map<string, string>();
  const groupIds = new Set<number>();
  let values: Record<string, string | number | null> = {};
  if (contactId !== null) {
    const facts = (await loadContactFacts(store, [contactId])).get(contactId);
    if (!facts || (facts.domainId !== null && facts.domainId !== domainId)) {
      throw new PolicyError('unknown_contact', `subject contact ${contactId} does not exist in domain ${domainId}`, {
        contactId,
        domainId,
      });
    }
    values = { ...facts.values };
    for (const [groupId, status] of facts.statuses) {
      const group = snapshot.groups.get(groupId);
      if (status === 'Added' && group?.active && group.kind === 'static') {
        groupIds.add(groupId);
        via.set(`group:${groupId}`, 'member');
      }
    }
  }

  const base = { domainId, contactId, userId, hasUser, values, groupIds, via };
  const contribution = options.contributor ? await options.contributor(base, snapshot) : undefined;
  for (const id of contribution?.groupIds ?? []) groupIds.add(id);
  for (const [k, v] of contribution?.via ?? []) via.set(k, v);

  const roleIds = new Set<number>(contribution?.roleIds ?? []);
  for (const a of snapshot.assignments) {
    if (!a.active || !snapshot.roles.get(a.roleId)?.active) continue;
    if (a.assigneeType === 'contact' && a.assigneeId === contactId) {
      roleIds.add(a.roleId);
      via.set(`role:${a.roleId}`, 'assigned to the subject');
    } else if (a.assigneeType === 'group' && groupIds.has(a.assigneeId)) {
      roleIds.add(a.roleId);
      if (!via.has(`role:${a.roleId}`)) via.set(`role:${a.roleId}`, `via group ${a.assigneeId}`);
    }
  }
  for (const id of roleIds) if (!snapshot.roles.get(id)?.active) roleIds.delete(id);
  const isAdministrator = [...roleIds].some((id) => snapshot.roles.get(id)?.isAdministrator === true);

  const granted: string[] = [...(contribution?.permissions ?? [])];
  for (const id of roleIds) granted.push(...(snapshot.rolePermissions.get(id) ?? []));
  if (options.permissionProvider) granted.push(...(await options.permissionProvider({ domainId, contactId, userId })));
  let permissions = options.registry.expand(granted);
  if (options.permissionOverride) {
    const verdict = await options.permissionOverride({ ...base, roleIds }, permissions);
    permissions = options.registry.expand([...permissions, ...(verdict?.allow ?? [])]);
    for (const name of verdict?.deny ?? []) permissions.delete(name);
  }

  return { ...base, roleIds, isAdministrator, permissions, extraEntries: contribution?.entries ?? [] };
}
