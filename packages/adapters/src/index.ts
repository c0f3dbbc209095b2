/**
 * `@rowguard/adapters`: connect rowguard to a host's user framework — user <-> contact sync, host role <->
 * static group sync, and host roles as functional permissions. Built on `@rowguard/core`'s public API only.
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
