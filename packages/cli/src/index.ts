/**
 * `@rowguard/cli`: the `rowguard` command line and the policy file format (policy as code).
 *
 * @packageDocumentation
 */
export { runCli, CLI_VERSION } from './cli-main.js';
export { processIo, type CliIo } from './cli-io.js';
export { EXIT, CliError, formatProblem, type ExitCode, type PolicyProblem } from './cli-errors.js';
export * from './policy-file-schema.js';
export { policyJsonSchema, policyJsonSchemaText, JSON_SCHEMA_FILE } from './policy-json-schema.js';
export { parsePolicyText, readPolicyFile, fieldName, type PolicyText, type DocPath } from './policy-file-read.js';
export { validatePolicy, findCycles, DEFAULT_DOMAIN, type ValidatedPolicy } from './policy-validate.js';
export * from './policy-normal-form.js';
export { diffPolicies, CHANGE_KINDS, type Change, type ChangeKind, type PolicyDiff, type DiffConflict } from './policy-diff.js';
export { readDatabaseState, type DatabaseState, type StateIds } from './policy-state-read.js';
export { writeChanges, type ApplyContext } from './policy-apply.js';
export { syncPolicy, type SyncOutcome } from './policy-sync.js';
export { exportPolicy, policyToText } from './policy-export.js';
export { openEngine, openDomain, type OpenEngine } from './engine-open.js';
export { candidateSchema, checkCreate, toCandidateInput, type Candidate, type CreateCheck } from './create-check.js';
export { decisionWords, entryWords, type DecisionWords, type HeldEntryWords } from './decision-words.js';
export { criteriaWords, criteriaMissWords } from './criteria-words.js';
export { compileClauseSql } from './sql-compile.js';
export { DEMO_POLICY } from './command-demo.js';
