/**
 * `@rowguard/cli`: the `rowguard` command line: policy files (through `@rowguard/policy`), checks, explanations,
 * the SQL clause, checked creates and the demo.
 *
 * @packageDocumentation
 */
export { runCli, CLI_VERSION } from './cli-main.js';
export { processIo, type CliIo } from './cli-io.js';
export { EXIT, CliError, formatProblem, type ExitCode, type PolicyProblem } from './cli-errors.js';
// The policy file API lives in `@rowguard/policy` (import it from there); re-exported for code that imported it from here.
export * from '@rowguard/policy';
export { openEngine, openDomain, missingDriver, type OpenEngine } from './engine-open.js';
export { rowguardConfigSchema, loadConfigModule, resolveConfig, ConfigModuleError, type RowguardConfig, type ConfigContext, type EngineOptionsInput } from './config-module.js';
export { candidateSchema, checkCreate, toCandidateInput, type Candidate, type CreateCheck } from './create-check.js';
export { decisionWords, entryWords, type DecisionWords, type HeldEntryWords } from './decision-words.js';
export { criteriaWords, criteriaMissWords } from './criteria-words.js';
export { compileClauseSql } from './sql-compile.js';
export { DEMO_POLICY } from './command-demo.js';
