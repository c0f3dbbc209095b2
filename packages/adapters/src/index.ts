/**
 * `@rowguard/adapters`: connect rowguard to a host's users — ready sources over WordPress, Drupal 7, Drupal 8+,
 * Joomla and generic SQL tables, a sync that keeps contacts, links and group memberships following the host
 * (`reconcileUser`, `reconcileAll`, provenance, removal guard), a live source read at decision time, and the
 * older batch functions over a {@link HostUserFramework}. Built on `@rowguard/core`'s public API only. The
 * conformance kit for adapter authors is `@rowguard/adapters/conformance`.
 *
 * @packageDocumentation
 */
export { hostUserSchema, readUsers, type HostUser, type HostUserFramework } from './user-framework.js';
export { MemoryUserFramework } from './memory-user-framework.js';
export { syncUsersToContacts, syncContactsToUsers, userSyncOptionsSchema, type UserSyncOptions, type UserSyncReport } from './user-contact-sync.js';
export {
  syncHostRolesToGroups,
  syncGroupsToHostRoles,
  hostRolePermissions,
  roleGroupMappingSchema,
  type RoleGroupMapping,
  type RoleGroupSyncReport,
} from './group-role-sync.js';

// Host sources over the hosts' real tables.
export {
  hostUserRecordSchema,
  effectivePermissions,
  userKey,
  tablePrefixSchema,
  sqlIdentifierSchema,
  type HostUserRecord,
  type HostRole,
  type HostPage,
  type HostSource,
} from './host/host-source.js';
export { HostDataError } from './host/host-data-error.js';
export { hostWritesSchema, HostWritesDisabledError, UnknownHostRoleError, HostUserMissingError } from './host/host-role-writes.js';
export { syncGroupsToHostSource, type HostRoleWriteReport } from './group-role-writeback.js';
export { wantedRoles } from './role-group-mapping.js';
export { wordpressUserLevel } from './wordpress/wordpress-role-write.js';
export { parsePhpSerialized, phpArray, phpTruthy, type SerializedOrigin } from './host/php-serialized.js';
export { frameworkSource } from './host/framework-source.js';
export { wordpressSource, wordpressOptionsSchema, type WordpressOptions } from './wordpress/wordpress-source.js';
export { drupal7Source, drupal7OptionsSchema, DRUPAL7_ANONYMOUS_RID, DRUPAL7_AUTHENTICATED_RID, type Drupal7Options } from './drupal/drupal7-source.js';
export { drupal8Source, drupal8OptionsSchema, DRUPAL8_AUTHENTICATED, type Drupal8Options } from './drupal/drupal8-source.js';
export { joomlaSource, joomlaOptionsSchema, type JoomlaOptions } from './joomla/joomla-source.js';
export { rootAssetRules } from './joomla/joomla-asset-rules.js';
export { sqlSource, sqlSourceOptionsSchema, type SqlSourceOptions } from './generic-sql/sql-source.js';
export { hostSourceFor, HOST_KINDS, type HostKind } from './host/host-kinds.js';

// Keeping access current.
export {
  HostSync,
  reconcileAllSchema,
  type ReconcileAllOptions,
  type SyncChanges,
  type SyncProgress,
  type SyncRunReport,
  type MembershipChange,
} from './sync/host-sync.js';
export { hostSyncOptionsSchema, roleMappingSchema, type HostSyncOptions, type RoleMapping, type AttributeValue } from './sync/sync-options.js';
export { MissingHostRoleError, SyncCursorError } from './sync/sync-errors.js';
export { RemovalGuard, type GuardHit } from './sync/removal-guard.js';
export { planBatch, desiredFields, type BatchPlan, type BatchState, type PlannedMembership } from './sync/sync-plan.js';
export { liveHostAccess, type LiveHostAccessOptions, type SubjectContributorHook } from './sync/live-host-access.js';
