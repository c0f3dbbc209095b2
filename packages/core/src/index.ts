/**
 * `@rowguard/core`: ACL decisions for CRM contacts, and the same decisions as a SQL clause a host ANDs into
 * its own Kysely queries, on SQLite, MariaDB/MySQL and PostgreSQL.
 *
 * @packageDocumentation
 */
export { createRowguard, Rowguard, Domain, type RowguardOptions, type EngineExtension } from './rowguard-engine.js';
export { UserLinks, linkPageSchema, linkUserIdSchema, MAX_LINK_BATCH, type UserLink, type LinkPage } from './user-links.js';
export { contactQuerySchema, MAX_CONTACT_PAGE, type ContactQuery, type ContactRecord } from './contact-query.js';
export { SubjectSession, type ClauseOptions, type ClauseExplanation } from './subject-session.js';
export {
  CLAUSE_SHAPES,
  CLAUSE_PURPOSES,
  SMALL_GRANT_SHARE,
  chooseShape,
  clauseShapeSettingSchema,
  GrantSizeEstimator,
  type ClauseShape,
  type ClausePurpose,
  type ClauseShapeSetting,
  type ShapeChoice,
} from './clause-shape.js';
export { PolicyAdmin, type ChangeRecord, type AuditRecord } from './admin/policy-admin.js';
export * from './admin/admin-schemas.js';
export { RowguardError, PolicyError, AccessDeniedError, StorageError, type PolicyErrorCode } from './engine-errors.js';
export {
  OPERATIONS,
  ENTRY_OPERATIONS,
  operationSchema,
  entryOperationSchema,
  satisfyingOperations,
  operationSatisfies,
  operationWithin,
  type Operation,
  type EntryOperation,
} from './operation-model.js';
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
} from './engine-config.js';
export {
  criteriaSchema,
  checkCriteria,
  criteriaFields,
  referencedGroups,
  isToken,
  type Criteria,
  type CriteriaValue,
  type SubjectToken,
  type ComparisonOperator,
  type FieldInfo,
} from './criteria-schema.js';
export { evaluateCriteria, isGroupMember, type MemoryContext } from './membership-memory.js';
export { criteriaSql, groupMemberSql, SQL_TRUE, SQL_FALSE, sqlAnd, sqlOr, sqlNot, type SqlContext } from './membership-sql.js';
export { likeMatcher, likeToSqlPattern, likeToGlob, likePatternProblem } from './like-pattern.js';
export { MAX_GROUP_NESTING, MAX_INLINE_IDS, integerRange } from './policy-limits.js';
export { idListSql } from './id-list-sql.js';
export { compareValues } from './text-order.js';
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
} from './policy-model.js';
export { MEMBERSHIP_STATUSES } from './policy-model.js';
export {
  PermissionRegistry,
  BUILTIN_PERMISSIONS,
  permissionDefinitionSchema,
  permissionEntries,
  type PermissionDefinition,
} from './functional-permissions.js';
export { subjectInputSchema, type SubjectInput, type ResolvedSubject } from './subject-model.js';
export type { PermissionProvider, PermissionOverride, SubjectContribution, SubjectContributor } from './subject-resolver.js';
export { buildPlan, compareTiers, NO_ADJUSTMENT, type AccessPlan, type PlannedEntry, type Tier, type ScopeAdjustment } from './access-plan.js';
export { decideInMemory, objectCovers, type DecisionDetail, type DecisionReason, type LosingEntry } from './decision-memory.js';
export { compileClause, baseFilters } from './permission-clause.js';
export { toExplanation, explainEntry, entryLabel, type Explanation, type ExplainedEntry } from './decision-explanation.js';
export { loadContactFacts, loadSnapshot, readVersion, type StoreContext } from './policy-store.js';
export { consistentRead } from './consistent-read.js';
export { deepFreeze, immutableCopy, FrozenMap, FrozenSet } from './deep-freeze.js';
export type { DecisionRecord } from './engine-internals.js';
export { detectDialect, DIALECT_KINDS, dialectKindSchema, type DialectKind } from './dialect-kind.js';
export { tableNames, type TableNames } from './table-names.js';
export { migrateSchema, engineMigrations, addAttributeColumns, dropAttributeColumns } from './schema-migrations.js';
export { domainNameSchema } from './domain-name.js';
export { connectDatabase, connectOptionsSchema, DEFAULT_TIMEOUTS, type ConnectOptions, type DatabaseConnection } from './database-connect.js';
export { serverSideParameters, type ServerBindingOptions, type RawMysqlPool, type RawMysqlConnection } from './mysql-server-binding.js';
export { resilientPostgresPool, type PostgresGuardOptions, type RawPgPool } from './postgres-pool-guard.js';
export { DatabaseTimeoutError, UnsafeSessionError, type TimeoutKind } from './connection-errors.js';
export {
  BUILTIN_ENTITY_TYPES,
  ALL_ENTITIES,
  NO_ENTITY,
  entityAllowed,
  decideEntity,
  permittedEntities,
  entityClauseSql,
  conditionsHold,
  entityConditionSchema,
  entityPermissionSchema,
  type EntityPermission,
  type EntityCondition,
  type EntityDecision,
} from './entity-permissions.js';
export { candidateSchema, candidateFacts, decideCreate, type Candidate, type CandidateInput, type CreateDecision } from './create-check.js';
