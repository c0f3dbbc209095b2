/**
 * `@rowguard/policy`: rowguard's policy file (policy as code) as a library. A policy file (YAML or JSON) is read
 * with every problem located by file, line and field ({@link readPolicyFile}, {@link parsePolicyText}), validated as a
 * whole into a normal form keyed by name ({@link validatePolicy}), compared with what a database holds
 * ({@link diffAgainstDatabase}), applied in one transaction that locks the domain, with dry run, prune and its guard
 * ({@link syncPolicy}), and written back from a database ({@link exportDomain}, {@link policyToText}). The caller
 * opens the database and the engine (see {@link engineSettingsFor} for the engine settings a policy needs); every
 * failure is a {@link PolicyFileError} with a `kind`, and progress and warnings go to a {@link PolicyReporter}. The
 * `rowguard` command line is a thin layer over this package.
 *
 * @packageDocumentation
 */

// Errors and reporting.
export { PolicyFileError, formatProblem, type PolicyFailureKind, type PolicyProblem } from './policy-file-error.js';
export { asPolicyFileError, isDatabaseError, redactUrls } from './failure-classify.js';
export { NO_PROGRESS, type PolicyReporter, type Progress } from './policy-reporter.js';

// The file format: its zod schema, its JSON Schema, reading and validating.
export * from './policy-file-schema.js';
export { policyJsonSchema, policyJsonSchemaText, JSON_SCHEMA_FILE, JSON_SCHEMA_PATH } from './policy-json-schema.js';
export { parsePolicyText, readPolicyFile, fieldName, type PolicyText, type DocPath } from './policy-file-read.js';
export { MAX_POLICY_DEPTH } from './policy-yaml-limits.js';
export { validatePolicy, findCycles, DEFAULT_DOMAIN, type ValidatedPolicy } from './policy-validate.js';
export * from './policy-normal-form.js';

// The database: engine settings, the stored state, the diff, applying and exporting.
export { engineSettingsFor, attributeDeclaredAt, type EngineSettings } from './engine-settings.js';
export { schemaPresent, existingAttributes, storedEntityTypes } from './schema-introspect.js';
export { readDatabaseState, type DatabaseState, type StateIds } from './policy-state-read.js';
export { POLICY_CREATED, readProvenance, recordProvenance, madeLink, type PolicyProvenance } from './policy-provenance.js';
export { diffPolicies, CHANGE_KINDS, type Change, type ChangeKind, type PolicyDiff, type DiffConflict } from './policy-diff.js';
export { diffAgainstDatabase, exportDomain } from './database-policy.js';
export { pruneGuard, storedObjects, PRUNE_SHARE_LIMIT, type PruneGuard } from './prune-guard.js';
export { syncPolicy, syncOptionsSchema, type SyncOptions, type SyncOutcome } from './policy-sync.js';
export { writeChanges, writeDelegations, pendingDelegations, type ApplyContext } from './policy-apply.js';
export { exportPolicy, policyToText } from './policy-export.js';
