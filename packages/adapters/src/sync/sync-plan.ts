import type { LinkedContactFields, MembershipRow, UserLink, UserSyncBatch } from '@rowguard/core';
import type { HostUserRecord } from '../host/host-source.js';
import type { AttributeValue, ParsedHostSyncOptions } from './sync-options.js';

/**
 * What the sync knows about one batch before planning: host users, deleted users, and rowguard's rows for them.
 *
 * @example
 * ```ts
 * const plan = planBatch(state satisfies BatchState, options, 'wordpress');
 * ```
 */
export interface BatchState {
  /** Users the host has. */
  readonly users: readonly HostUserRecord[];
  /** Linked users the host no longer has. */
  readonly gone: readonly string[];
  /** The links of these users, suspended ones included. */
  readonly links: ReadonlyMap<string, UserLink>;
  /** Unlinked contacts by lower-cased e-mail, lowest id first. */
  readonly candidates: ReadonlyMap<string, readonly number[]>;
  /** The current fields of the linked and candidate contacts. */
  readonly contacts: ReadonlyMap<number, LinkedContactFields>;
  /** The linked and candidate contacts' memberships in the mapped groups, keyed `group:contact`. */
  readonly memberships: ReadonlyMap<string, MembershipRow>;
}

/**
 * One membership change a plan makes; `contactId` null for a contact the batch creates (named by `userId`).
 *
 * @example
 * ```ts
 * const m: PlannedMembership = { groupId: 4, contactId: null, userId: 'wp:12', status: 'Added' };
 * ```
 */
export interface PlannedMembership {
  readonly groupId: number;
  readonly contactId: number | null;
  readonly userId: string;
  readonly status: 'Added' | 'Removed';
}

/**
 * What one batch will change.
 *
 * @example
 * ```ts
 * const plan: BatchPlan = planBatch(state, options, 'wordpress');
 * plan.create.length;
 * ```
 */
export interface BatchPlan {
  readonly create: NonNullable<UserSyncBatch['create']>;
  readonly link: NonNullable<UserSyncBatch['link']>;
  readonly unlink: string[];
  readonly suspend: NonNullable<UserSyncBatch['suspend']>;
  readonly update: NonNullable<UserSyncBatch['update']>;
  readonly memberships: PlannedMembership[];
  /** Blocked users without a link and users nothing matched while `createMissing` is off. */
  readonly skipped: string[];
}

/**
 * Whether a plan changes nothing.
 *
 * @example
 * ```ts
 * if (!emptyPlan(plan)) await write(plan);
 * ```
 */
export function emptyPlan(p: BatchPlan): boolean {
  return p.create.length + p.link.length + p.unlink.length + p.suspend.length + p.update.length + p.memberships.length === 0;
}

function same(a: unknown, b: AttributeValue | undefined): boolean {
  if ((a === null || a === undefined) && (b === null || b === undefined)) return true;
  return a !== null && a !== undefined && b !== null && b !== undefined && String(a) === String(b);
}

/**
 * The fields a contact should carry for a host user: sort name (name, else e-mail, else user id), the e-mail
 * attribute and whatever `attributesFor` maps.
 *
 * @example
 * ```ts
 * desiredFields(user, options); // { sortName: 'Lan', attributes: { email: 'lan@example.org', country: 'VN' } }
 * ```
 */
export function desiredFields(user: HostUserRecord, o: ParsedHostSyncOptions): { sortName: string; attributes: Record<string, AttributeValue> } {
  const attributes: Record<string, AttributeValue> = { ...(o.attributesFor?.(user) ?? {}) };
  if (o.emailAttribute) attributes[o.emailAttribute] = user.email;
  return { sortName: (user.name ?? user.email ?? user.id).slice(0, 255), attributes };
}

/**
 * Plans one batch, deterministically and without reading anything: links or creates contacts for active users
 * (e-mail matched ignoring case), keeps name, e-mail and mapped attributes current, suspends or unlinks blocked
 * and deleted users, resumes users no longer blocked, and sets each mapped group from the roles: a user is a
 * member when it holds any of the group's roles. Only memberships this source made are ever set Removed or
 * re-Added; one made by hand or by another source is never touched. Running the plan twice changes nothing.
 *
 * @example
 * ```ts
 * const plan = planBatch(state, options, 'wordpress');
 * ```
 */
export function planBatch(state: BatchState, o: ParsedHostSyncOptions, source: string): BatchPlan {
  const plan: BatchPlan = { create: [], link: [], unlink: [], suspend: [], update: [], memberships: [], skipped: [] };
  const groups = new Map<number, Set<string>>();
  for (const m of o.mappings) groups.set(m.groupId, (groups.get(m.groupId) ?? new Set()).add(m.hostRole));
  const taken = new Set<number>();

  /** Sets the mapped groups of a contact: `wanted` the groups it should be in (none for a blocked or gone user). */
  const setGroups = (userId: string, contactId: number | null, wanted: ReadonlySet<number>) => {
    for (const groupId of groups.keys()) {
      const row = contactId === null ? undefined : state.memberships.get(`${groupId}:${contactId}`);
      if (wanted.has(groupId)) {
        // Added already (by anyone) stays; a Removed/Pending row this source made is re-Added; a row made by
        // hand or by another source is theirs.
        if (!row || (row.status !== 'Added' && row.source === source)) plan.memberships.push({ groupId, contactId, userId, status: 'Added' });
      } else if (row && row.status === 'Added' && row.source === source) {
        plan.memberships.push({ groupId, contactId, userId, status: 'Removed' });
      }
    }
  };

  for (const user of state.users) {
    const link = state.links.get(user.id);
    if (user.blocked) {
      if (!link) {
        plan.skipped.push(user.id);
        continue;
      }
      setGroups(user.id, link.contactId, new Set());
      if (o.blocked === 'unlink') plan.unlink.push(user.id);
      else if (!link.suspended) plan.suspend.push({ userId: user.id, suspended: true });
      continue;
    }
    const wanted = new Set([...groups].flatMap(([groupId, roles]) => (user.roles.some((r) => roles.has(r)) ? [groupId] : [])));
    const fields = desiredFields(user, o);
    /** Name, e-mail and mapped attributes kept current on an existing contact. */
    const keepCurrent = (contactId: number) => {
      const contact = state.contacts.get(contactId);
      if (!contact) return;
      const attributes = Object.fromEntries(Object.entries(fields.attributes).filter(([k, v]) => !same(contact.attributes[k], v)));
      const sortName = contact.sortName === fields.sortName ? undefined : fields.sortName;
      if (sortName !== undefined || Object.keys(attributes).length > 0) {
        plan.update.push({ contactId, ...(sortName === undefined ? {} : { sortName }), ...(Object.keys(attributes).length > 0 ? { attributes } : {}) });
      }
    };
    if (link) {
      if (link.suspended) plan.suspend.push({ userId: user.id, suspended: false });
      keepCurrent(link.contactId);
      setGroups(user.id, link.contactId, wanted);
      continue;
    }
    const match = user.email ? state.candidates.get(user.email.toLowerCase())?.find((id) => !taken.has(id)) : undefined;
    if (match !== undefined) {
      taken.add(match);
      plan.link.push({ userId: user.id, contactId: match });
      keepCurrent(match);
      setGroups(user.id, match, wanted);
      continue;
    }
    if (!o.createMissing) {
      plan.skipped.push(user.id);
      continue;
    }
    plan.create.push({ userId: user.id, contactType: o.contactType, sortName: fields.sortName, attributes: fields.attributes });
    setGroups(user.id, null, wanted);
  }

  for (const userId of state.gone) {
    const link = state.links.get(userId);
    if (!link) continue;
    setGroups(userId, link.contactId, new Set());
    if (o.deleted === 'unlink') plan.unlink.push(userId);
    else if (!link.suspended) plan.suspend.push({ userId, suspended: true });
  }
  return plan;
}
