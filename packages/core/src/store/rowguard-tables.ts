/**
 * Storage (`store/`): Kysely table types for the engine's own tables, as the migrations in `schema-migrations.ts`
 * create them (a test compares both on every dialect). A host that reads rowguard's tables in its own typed
 * queries (reports, joins with its users) passes these to `Kysely<...>`.
 */
import type { ColumnType, Generated } from 'kysely';

/** An auto-increment integer primary key (`serial` on PostgreSQL): never written on insert. */
type Id = Generated<number>;
/** A 0/1 flag column with a default. */
type Flag = ColumnType<number, number | undefined, number>;
/** A NOT NULL column with a default. */
type Defaulted<T> = ColumnType<T, T | undefined, T>;

/**
 * `rg_domain`: one row per domain (tenant); `version` counts its policy changes (a `bigint`: PostgreSQL returns
 * it as a string).
 *
 * @example
 * ```ts
 * const rows = await db.selectFrom('rg_domain').select(['id', 'name']).execute();
 * ```
 */
export interface DomainTable {
  id: Id;
  name: string;
  version: ColumnType<number | string, number | undefined, number>;
}

/**
 * `rg_contact`: the reference contact table (attribute columns come on top: see {@link RowguardTablesWith}).
 *
 * @example
 * ```ts
 * await db.selectFrom('rg_contact').select(['id', 'contact_key']).where('is_deleted', '=', 0).execute();
 * ```
 */
export interface ContactTable {
  id: Id;
  domain_id: number;
  contact_key: string | null;
  contact_type: string;
  sort_name: string | null;
  is_deleted: Flag;
}

/**
 * `rg_contact_sub_type`: a contact's sub-types.
 *
 * @example
 * ```ts
 * await db.selectFrom('rg_contact_sub_type').select('sub_type').where('contact_id', '=', 12).execute();
 * ```
 */
export interface ContactSubTypeTable {
  contact_id: number;
  sub_type: string;
}

/**
 * `rg_user_link`: a host user linked to a contact (one contact per user and one user per contact, per domain);
 * `suspended` (1) while the host user is blocked: the link is kept but resolves to nothing.
 *
 * @example
 * ```ts
 * await db.selectFrom('rg_user_link').select('contact_id').where('user_id', '=', 'wp:3').execute();
 * ```
 */
export interface UserLinkTable {
  domain_id: number;
  user_id: string;
  contact_id: number;
  suspended: Flag;
}

/**
 * `rg_group`: static and smart groups (`criteria` holds a smart group's criteria as JSON).
 *
 * @example
 * ```ts
 * await db.selectFrom('rg_group').select(['id', 'name']).where('kind', '=', 'static').execute();
 * ```
 */
export interface GroupTable {
  id: Id;
  domain_id: number;
  name: string;
  kind: string;
  criteria: string | null;
  is_active: Flag;
  /** When the group's materialised members were last recomputed in full; null while it is not materialised. */
  members_at: ColumnType<string | null, string | null | undefined, string | null>;
  /** The fingerprint of the definition the materialised members were computed for. */
  members_of: ColumnType<string | null, string | null | undefined, string | null>;
}

/**
 * `rg_group_member`: the materialised members of non-tokenized smart groups (kept exact by every write through
 * the API; a host writing its own contact table calls `refreshGroups()`). Read-only for hosts.
 *
 * @example
 * ```ts
 * await db.selectFrom('rg_group_member').select('contact_id').where('group_id', '=', 7).execute();
 * ```
 */
export interface GroupMemberTable {
  group_id: number;
  contact_id: number;
}

/**
 * `rg_group_contact`: a static group's members, with their status (Added, Removed, Pending) and provenance
 * (`source`: the sync that made the row, null for a membership made by hand).
 *
 * @example
 * ```ts
 * await db.selectFrom('rg_group_contact').select('contact_id').where('group_id', '=', 4).where('status', '=', 'Added').execute();
 * ```
 */
export interface GroupContactTable {
  group_id: number;
  contact_id: number;
  status: string;
  source: ColumnType<string | null, string | null | undefined, string | null>;
}

/**
 * `rg_role`: ACL roles.
 *
 * @example
 * ```ts
 * await db.selectFrom('rg_role').select('name').where('is_administrator', '=', 1).execute();
 * ```
 */
export interface RoleTable {
  id: Id;
  domain_id: number;
  name: string;
  is_administrator: Flag;
  is_active: Flag;
}

/**
 * `rg_role_assignment`: a role given to a group or a contact (`assignee_type`).
 *
 * @example
 * ```ts
 * await db.selectFrom('rg_role_assignment').select('role_id').where('assignee_type', '=', 'group').execute();
 * ```
 */
export interface RoleAssignmentTable {
  id: Id;
  domain_id: number;
  role_id: number;
  assignee_type: string;
  assignee_id: number;
  is_active: Flag;
}

/**
 * `rg_role_permission`: functional permissions a role grants.
 *
 * @example
 * ```ts
 * await db.selectFrom('rg_role_permission').select('permission').where('role_id', '=', 2).execute();
 * ```
 */
export interface RolePermissionTable {
  role_id: number;
  permission: string;
}

/**
 * `rg_entry`: ACL entries (allow / deny an operation, owner -> object, in a priority tier), delegations included
 * (`parent_entry_id`, `granted_by`).
 *
 * @example
 * ```ts
 * await db.selectFrom('rg_entry').select(['id', 'entry_key']).where('effect', '=', 'deny').execute();
 * ```
 */
export interface EntryTable {
  id: Id;
  domain_id: number;
  entry_key: string | null;
  effect: string;
  operation: string;
  owner_type: string;
  owner_id: number | null;
  object_type: string;
  object_entity: string | null;
  object_id: number | null;
  priority: Defaulted<number>;
  is_active: Flag;
  parent_entry_id: number | null;
  criteria: string | null;
  granted_by: number | null;
}

/**
 * `rg_audit_log`: every audited write (before and after images as JSON, an ISO 8601 time).
 *
 * @example
 * ```ts
 * await db.selectFrom('rg_audit_log').select(['actor', 'action']).orderBy('id', 'desc').limit(10).execute();
 * ```
 */
export interface AuditLogTable {
  id: Id;
  domain_id: number;
  actor: string;
  action: string;
  target_type: string;
  target_id: string | null;
  before_json: string | null;
  after_json: string | null;
  created_at: string;
}

/**
 * `rg_relationship_type`: relationship types and the permission each direction carries.
 *
 * @example
 * ```ts
 * await db.selectFrom('rg_relationship_type').select(['name', 'permission_a_b']).execute();
 * ```
 */
export interface RelationshipTypeTable {
  id: Id;
  domain_id: number;
  name: string;
  name_b_a: string | null;
  permission_a_b: Defaulted<string>;
  permission_b_a: Defaulted<string>;
  is_active: Flag;
}

/**
 * `rg_relationship`: a relationship between two contacts (dates as `YYYY-MM-DD`).
 *
 * @example
 * ```ts
 * await db.selectFrom('rg_relationship').select('contact_b').where('contact_a', '=', 12).execute();
 * ```
 */
export interface RelationshipTable {
  id: Id;
  domain_id: number;
  type_id: number;
  contact_a: number;
  contact_b: number;
  is_active: Flag;
  start_date: string | null;
  end_date: string | null;
}

/**
 * The engine's tables by their name without the prefix (the migrator's own two tables are not included).
 *
 * @example
 * ```ts
 * type Row = RowguardTableRows['entry']; // EntryTable
 * ```
 */
export interface RowguardTableRows {
  domain: DomainTable;
  contact: ContactTable;
  contact_sub_type: ContactSubTypeTable;
  user_link: UserLinkTable;
  group: GroupTable;
  group_contact: GroupContactTable;
  group_member: GroupMemberTable;
  role: RoleTable;
  role_assignment: RoleAssignmentTable;
  role_permission: RolePermissionTable;
  entry: EntryTable;
  audit_log: AuditLogTable;
  relationship_type: RelationshipTypeTable;
  relationship: RelationshipTable;
}

/**
 * rowguard's tables under the default prefix `rg_`, for a typed Kysely: `Kysely<HostTables & RowguardTables>`.
 *
 * @example
 * ```ts
 * import type { RowguardTables } from '@rowguard/core';
 * const typed = db as unknown as Kysely<RowguardTables>;
 * const links = await typed.selectFrom('rg_user_link').select(['user_id', 'contact_id']).execute();
 * ```
 */
export interface RowguardTables {
  rg_domain: DomainTable;
  rg_contact: ContactTable;
  rg_contact_sub_type: ContactSubTypeTable;
  rg_user_link: UserLinkTable;
  rg_group: GroupTable;
  rg_group_contact: GroupContactTable;
  rg_group_member: GroupMemberTable;
  rg_role: RoleTable;
  rg_role_assignment: RoleAssignmentTable;
  rg_role_permission: RolePermissionTable;
  rg_entry: EntryTable;
  rg_audit_log: AuditLogTable;
  rg_relationship_type: RelationshipTypeTable;
  rg_relationship: RelationshipTable;
}

/**
 * rowguard's tables under another prefix (the engine's `tablePrefix`), with the contact table's attribute
 * columns (`Attributes`, one property per declared attribute).
 *
 * @example
 * ```ts
 * type Tables = RowguardTablesWith<'acl_', { country: string | null }>;
 * const typed = db as unknown as Kysely<Tables>;
 * await typed.selectFrom('acl_contact').select(['id', 'country']).execute();
 * ```
 */
export type RowguardTablesWith<Prefix extends string = 'rg_', Attributes extends object = Record<never, never>> = {
  [K in keyof RowguardTableRows as `${Prefix}${K}`]: K extends 'contact' ? ContactTable & Attributes : RowguardTableRows[K];
};
