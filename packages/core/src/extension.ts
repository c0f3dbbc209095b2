/**
 * `@rowguard/core/extension`: the engine's building blocks, for extension packages (`@rowguard/hooks`,
 * `@rowguard/policy`, the CLI, the benchmark) and for authors of such packages.
 *
 * **Stability**: unlike `@rowguard/core`, this entry point may change between minor versions. Pin a minor
 * version (`~0.1.0`) if you build on it. A host application should not need it: everything a host uses is in
 * `@rowguard/core`.
 *
 * @example
 * ```ts
 * import { buildPlan, decideInMemory, loadSnapshot } from '@rowguard/core/extension';
 * ```
 *
 * @packageDocumentation
 */

// Seams the engine offers to extension packages.
export type { EngineExtension } from './engine/rowguard-engine.js';
export type { DecisionRecord } from './engine/engine-internals.js';
export type { SubjectContribution, SubjectContributor } from './decide/subject-resolver.js';

// Operations and criteria internals.
export { satisfyingOperations, operationSatisfies, operationWithin } from './model/operation-model.js';
export { checkCriteria, criteriaFields, referencedGroups, isToken, type FieldInfo } from './model/criteria-schema.js';
export { likeMatcher, likeToSqlPattern, likeToGlob, likePatternProblem } from './model/like-pattern.js';
export { compareValues } from './model/text-order.js';
export { PermissionRegistry, permissionEntries } from './model/functional-permissions.js';
export { deepFreeze, immutableCopy, FrozenMap, FrozenSet } from './model/deep-freeze.js';
export { detectDialect } from './model/dialect-kind.js';

// The decision: plan, in-memory decision, explanation, create and entity decisions.
export { buildPlan, compareTiers, NO_ADJUSTMENT, type AccessPlan, type PlannedEntry, type Tier, type ScopeAdjustment } from './decide/access-plan.js';
export { decideInMemory, objectCovers } from './decide/decision-memory.js';
export { toExplanation, explainEntry, entryLabel } from './decide/decision-explanation.js';
export { evaluateCriteria, isGroupMember, type MemoryContext } from './decide/membership-memory.js';
export { ALL_ENTITIES, NO_ENTITY, entityAllowed, decideEntity, permittedEntities, conditionsHold, entityPermissionSchema } from './decide/entity-permissions.js';
export { candidateFacts, decideCreate } from './decide/create-check.js';
export { reverseLookup, type ReverseLookup, type ReverseLookupInput } from './decide/who-can.js';
export { whoCanAllows, grantApplies, holdsHolder, decideGrants } from './decide/who-can-decision.js';

// The SQL form.
export { compileClause, baseFilters } from './sql/permission-clause.js';
export { criteriaSql, groupMemberSql, SQL_TRUE, SQL_FALSE, sqlAnd, sqlOr, sqlNot, type SqlContext } from './sql/membership-sql.js';
export { idListSql } from './sql/id-list-sql.js';
export { entityClauseSql } from './sql/entity-clause.js';
export { SMALL_GRANT_SHARE, PAGE_WALK_ROWS, chooseShape, pageWalkWins, GrantSizeEstimator } from './sql/clause-shape.js';

// The store: tables, migrations, snapshots.
export { loadContactFacts, loadSnapshot, readVersion, type StoreContext } from './store/policy-store.js';
export { consistentRead } from './store/consistent-read.js';
export { tableNames, type TableNames } from './store/table-names.js';
export { engineMigrations, addAttributeColumns, dropAttributeColumns } from './store/schema-migrations.js';
export { retryOnConflict, isWriteConflict, WRITE_ATTEMPTS } from './admin/conflict-retry.js';
