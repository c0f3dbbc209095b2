/**
 * `@rowguard/core`: ACL decisions for CRM contacts, and the same decisions as a SQL clause a host ANDs into
 * its own Kysely queries, on SQLite, MariaDB/MySQL and PostgreSQL.
 *
 * This is the public entry point: everything a host uses, under semantic versioning. The engine's building
 * blocks for extension packages (planning, the in-memory decision, the clause compiler, snapshot loading) are
 * in `@rowguard/core/extension`, which may change between minor versions.
 *
 * @example
 * ```ts
 * import { connectDatabase, createRowguard } from '@rowguard/core';
 * const { db } = await connectDatabase('sqlite:./crm.sqlite');
 * const rowguard = createRowguard({ db, contacts: { attributes: { country: { type: 'text' } } } });
 * await rowguard.migrate();
 * const domain = await rowguard.domain('default');
 * const allowed = await domain.subject({ userId: 'wp:3' }).check('view', 12);
 * ```
 *
 * @packageDocumentation
 */

// The engine, its domains and subject sessions.
export { createRowguard, Rowguard, type RowguardOptions } from './engine/rowguard-engine.js';
export { Domain } from './engine/engine-domain.js';
export { SubjectSession, type ClauseOptions, type ClauseExplanation } from './engine/subject-session.js';
export { contactQuerySchema, MAX_CONTACT_PAGE, type ContactQuery, type ContactRecord } from './engine/contact-query.js';
export {
  UserLinks,
  linkPageSchema,
  linkUserIdSchema,
  MAX_LINK_BATCH,
  type UserLink,
  type LinkPage,
  type LinkCandidate,
  type MembershipRow,
  type LinkedContactFields,
  type LinkedState,
} from './store/user-links.js';
export { userSyncBatchSchema, MAX_SYNC_BATCH, type UserSyncBatch, type UserSyncBatchResult } from './admin/user-sync-writes.js';
export {
  CLAUSE_SHAPES,
  CLAUSE_PURPOSES,
  CLAUSE_FORMS,
  clauseShapeSettingSchema,
  clauseFormSettingSchema,
  type ClauseShape,
  type ClauseForm,
  type ClauseFormSetting,
  type ClausePurpose,
  type ClauseShapeSetting,
  type ShapeChoice,
} from './sql/clause-shape.js';

// The reverse lookup: who holds an operation on a contact.
export { WhoCanReport, type WhoCanHolder, type WhoCanHolderKind, type Reach } from './engine/who-can-report.js';
export type { WhoCanOptions } from './engine/who-can-lookup.js';
export type { WhoCanGrant, WhoCanHolderRef, WhoCanCondition, ReverseRelation, RuntimeGrantSource } from './decide/who-can.js';
export type { SubjectHoldings } from './decide/who-can-decision.js';

// The audited write API and its input schemas.
export { PolicyAdmin, type ChangeRecord, type AuditRecord } from './admin/policy-admin.js';
export * from './admin/admin-schemas.js';

// Errors.
export { RowguardError, PolicyError, AccessDeniedError, StorageError, WriteConflictError, type PolicyErrorCode } from './model/engine-errors.js';
export { DatabaseTimeoutError, UnsafeSessionError, type TimeoutKind } from './connect/connection-errors.js';

// Configuration, operations, criteria and the policy's vocabulary.
export {
  engineConfigSchema,
  contactsConfigSchema,
  attributeSchema,
  identifierSchema,
  ATTRIBUTE_TYPES,
  type EngineConfig,
  type EngineConfigInput,
  type ContactsConfig,
  type AttributeType,
} from './model/engine-config.js';
export { domainNameSchema } from './model/domain-name.js';
export {
  clusterConfigSchema,
  consistencyTokenSchema,
  type ClusterConfig,
  type ClusterConfigInput,
  type ConsistencyToken,
} from './model/cluster-config.js';
export { replicasSchema, MAX_REPLICAS, type ReplicaReadCounts } from './engine/replica-reads.js';
export type { WriteRetry } from './admin/conflict-retry.js';
export { OPERATIONS, ENTRY_OPERATIONS, operationSchema, entryOperationSchema, type Operation, type EntryOperation } from './model/operation-model.js';
export { criteriaSchema, type Criteria, type CriteriaValue, type SubjectToken, type ComparisonOperator } from './model/criteria-schema.js';
export { MAX_GROUP_NESTING, MAX_GROUP_PARAMETERS, MAX_INLINE_IDS, integerRange } from './model/policy-limits.js';
export type {
  OwnerRef,
  ObjectRef,
  Effect,
  EntryDef,
  GroupDef,
  RoleDef,
  AssignmentDef,
  PolicySnapshot,
  ContactFacts,
  FieldValue,
  MembershipStatus,
} from './model/policy-model.js';
export { MEMBERSHIP_STATUSES } from './model/policy-model.js';
export { BUILTIN_PERMISSIONS, permissionDefinitionSchema, type PermissionDefinition } from './model/functional-permissions.js';
export { subjectInputSchema, type SubjectInput, type ResolvedSubject } from './model/subject-model.js';
export type { PermissionProvider, PermissionOverride } from './decide/subject-resolver.js';

// Decisions and explanations as a host receives them.
export type { DecisionDetail, DecisionReason, LosingEntry } from './decide/decision-memory.js';
export type { Explanation, ExplainedEntry } from './decide/decision-explanation.js';
export { BUILTIN_ENTITY_TYPES, entityConditionSchema, type EntityPermission, type EntityCondition, type EntityDecision } from './decide/entity-permissions.js';
export { candidateSchema, type Candidate, type CandidateInput, type CreateDecision } from './decide/create-check.js';

// Connections and the schema.
export { DIALECT_KINDS, dialectKindSchema, type DialectKind } from './model/dialect-kind.js';
export { DATABASE_DRIVERS, driverForUrl, loadDriver, MissingDriverError, type DatabaseDriver } from './connect/driver-load.js';
export { connectDatabase, connectOptionsSchema, DEFAULT_TIMEOUTS, type ConnectOptions, type DatabaseConnection } from './connect/database-connect.js';
export { serverSideParameters, type ServerBindingOptions, type RawMysqlPool, type RawMysqlConnection } from './connect/mysql-server-binding.js';
export { resilientPostgresPool, type PostgresGuardOptions, type RawPgPool } from './connect/postgres-pool-guard.js';
export { migrateSchema } from './store/schema-migrations.js';
export type {
  RowguardTables,
  RowguardTablesWith,
  RowguardTableRows,
  DomainTable,
  ContactTable,
  ContactSubTypeTable,
  UserLinkTable,
  GroupTable,
  GroupContactTable,
  GroupMemberTable,
  RoleTable,
  RoleAssignmentTable,
  RolePermissionTable,
  EntryTable,
  AuditLogTable,
  RelationshipTypeTable,
  RelationshipTable,
} from './store/rowguard-tables.js';
