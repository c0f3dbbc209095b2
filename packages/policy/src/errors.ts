/**
 * `@rowguard/policy/errors`: the policy package's error type and error classification alone, without the parser,
 * the schema or the engine, for callers that handle errors on a path that must stay light (a command line's
 * usage errors, say). Everything here is also exported by `@rowguard/policy`.
 *
 * @packageDocumentation
 */
export { PolicyFileError, formatProblem, type PolicyFailureKind, type PolicyProblem } from './policy-file-error.js';
export { asPolicyFileError, isDatabaseError, redactUrls } from './failure-classify.js';
