/**
 * The policy's vocabulary (`model/`): what the engine reasons about, with no I/O. Entries (allow or deny an
 * operation, for an owner, on an object, at a priority), groups (static or smart, with criteria), roles and
 * their assignments, and the snapshot that bundles them per domain version; beside it in this folder:
 * operations and what satisfies what, criteria and their limits, subjects, relationship rules, functional
 * permissions, the engine configuration, dialect names and the errors. Every other folder builds on this one.
 */
import type { Criteria } from './criteria-schema.js';
import type { EntryOperation } from './operation-model.js';
import type { RelationshipTypeDef } from './relationship-model.js';

/** Membership statuses of a static group; only `Added` counts as membership. */
export const MEMBERSHIP_STATUSES = ['Added', 'Removed', 'Pending'] as const;
/** A group-membership status. */
export type MembershipStatus = (typeof MEMBERSHIP_STATUSES)[number];

/** Who an entry belongs to. */
export type OwnerRef =
  | { readonly type: 'contact'; readonly id: number }
  | { readonly type: 'group'; readonly id: number }
  | { readonly type: 'role'; readonly id: number }
  | { readonly type: 'everyone' }
  | { readonly type: 'authenticated' };

/** What an entry governs. `entity` is a non-contact object: `id: null` means every object of that type. */
export type ObjectRef =
  | { readonly type: 'all-contacts' }
  | { readonly type: 'contact'; readonly id: number }
  | { readonly type: 'group-members'; readonly groupId: number }
  | { readonly type: 'entity'; readonly entity: string; readonly id: number | null }
  /** A set of contacts (contributed at run time by an extension; not stored). */
  | { readonly type: 'contact-ids'; readonly ids: readonly number[] }
  /** The contacts matching criteria (contributed at run time by an extension; not stored). */
  | { readonly type: 'criteria'; readonly criteria: Criteria }
  /**
   * Contacts related to the subject through current relationships whose type grants at least `permission`
   * (of one type, first degree, when `relationshipTypeId` is set).
   */
  | { readonly type: 'related'; readonly relationshipTypeId: number | null; readonly permission: 'view' | 'edit' }
  /** A stored delegation, before it is checked against its parent (never applicable as such). */
  | {
      readonly type: 'delegation';
      readonly parentEntryId: number;
      readonly granterId: number;
      readonly criteria: Criteria | null;
    }
  /** A delegation as checked for one recipient: the parent's object (tokens of the granter) narrowed by criteria. */
  | {
      readonly type: 'delegated';
      readonly parentEntryId: number;
      readonly granterId: number;
      readonly base: ObjectRef;
      readonly criteria: Criteria | null;
      readonly granterValues: Readonly<Record<string, FieldValue>>;
    };

/** An entry's effect. */
export type Effect = 'allow' | 'deny';

/** One ACL rule as the engine reasons about it. Synthetic entries (functional permissions) have `id: null`. */
export interface EntryDef {
  readonly id: number | null;
  readonly key: string | null;
  readonly effect: Effect;
  readonly operation: EntryOperation;
  readonly owner: OwnerRef;
  readonly object: ObjectRef;
  readonly priority: number;
  readonly active: boolean;
  /** Where the entry comes from: `entry`, `permission:<name>`, or an extension's name. */
  readonly source: string;
}

/** A group: static (explicit members) or smart (criteria plus explicit Added, minus Removed). */
export interface GroupDef {
  readonly id: number;
  readonly name: string;
  readonly kind: 'static' | 'smart';
  readonly criteria: Criteria | null;
  readonly active: boolean;
  /**
   * For smart groups: whether any contact is explicitly Added / Removed (when not, the SQL form skips that
   * probe). Every membership write bumps the domain version, so these stay exact.
   */
  readonly hasAdded?: boolean;
  readonly hasRemoved?: boolean;
  /**
   * For smart groups: when the group's members were last fully computed into the materialised member table
   * (ISO 8601), or null/absent while it is not materialised (its criteria are then inlined in the clause). The
   * write API keeps a materialised group's rows exact in every write's transaction; a host that writes its
   * own contact table directly refreshes them with `domain.refreshGroups()`.
   */
  readonly membersAt?: string | null;
}

/** An ACL role; an administrator role makes its holders superusers of the domain. */
export interface RoleDef {
  readonly id: number;
  readonly name: string;
  readonly isAdministrator: boolean;
  readonly active: boolean;
}

/** A role held by a contact or by the Added members of a static group. */
export interface AssignmentDef {
  readonly id: number;
  readonly roleId: number;
  readonly assigneeType: 'contact' | 'group';
  readonly assigneeId: number;
  readonly active: boolean;
}

/** Everything the engine needs to decide for one domain, as of one version of that domain. */
export interface PolicySnapshot {
  readonly domainId: number;
  readonly version: number;
  readonly entries: readonly EntryDef[];
  readonly groups: ReadonlyMap<number, GroupDef>;
  readonly roles: ReadonlyMap<number, RoleDef>;
  readonly assignments: readonly AssignmentDef[];
  readonly rolePermissions: ReadonlyMap<number, readonly string[]>;
  readonly relationshipTypes: ReadonlyMap<number, RelationshipTypeDef>;
}

/** A scalar value of a contact field. */
export type FieldValue = string | number | null;

/** What the in-memory decision knows about one contact. */
export interface ContactFacts {
  readonly id: number;
  readonly domainId: number | null;
  readonly isDeleted: boolean;
  readonly values: Readonly<Record<string, FieldValue>>;
  readonly subTypes: ReadonlySet<string>;
  readonly statuses: ReadonlyMap<number, MembershipStatus>;
}
