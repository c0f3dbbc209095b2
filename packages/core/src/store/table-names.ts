/** The engine's own tables, each name carrying the configured prefix. */
export interface TableNames {
  readonly domain: string;
  readonly contact: string;
  readonly contactSubType: string;
  readonly userLink: string;
  readonly group: string;
  readonly groupContact: string;
  /** The materialised members of non-tokenized smart groups (migration `0004_group_members`). */
  readonly groupMember: string;
  readonly role: string;
  readonly roleAssignment: string;
  readonly rolePermission: string;
  readonly entry: string;
  readonly audit: string;
  readonly relationshipType: string;
  readonly relationship: string;
  readonly migration: string;
  readonly migrationLock: string;
}

/**
 * The engine's table names for a prefix (already validated as an identifier prefix).
 *
 * @example
 * ```ts
 * tableNames('rg_').entry; // 'rg_entry'
 * ```
 */
export function tableNames(prefix: string): TableNames {
  return {
    domain: `${prefix}domain`,
    contact: `${prefix}contact`,
    contactSubType: `${prefix}contact_sub_type`,
    userLink: `${prefix}user_link`,
    group: `${prefix}group`,
    groupContact: `${prefix}group_contact`,
    groupMember: `${prefix}group_member`,
    role: `${prefix}role`,
    roleAssignment: `${prefix}role_assignment`,
    rolePermission: `${prefix}role_permission`,
    entry: `${prefix}entry`,
    audit: `${prefix}audit_log`,
    relationshipType: `${prefix}relationship_type`,
    relationship: `${prefix}relationship`,
    migration: `${prefix}migration`,
    migrationLock: `${prefix}migration_lock`,
  };
}
