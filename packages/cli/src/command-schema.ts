import { policyJsonSchema, policyJsonSchemaText } from '@rowguard/policy';
import { expectPositionals } from './cli-args.js';
import type { Command } from './command-model.js';

/**
 * `rowguard schema`: prints the policy file's JSON Schema (the committed `policies/rowguard-policy.schema.json`
 * is this output).
 *
 * @example
 * ```ts
 * (await schemaCommand(ctx)).human.startsWith('{'); // true
 * ```
 */
export const schemaCommand: Command = async (ctx) => {
  expectPositionals(ctx.args, 0, 'schema');
  return { exitCode: 0, json: policyJsonSchema(), bare: true, human: policyJsonSchemaText() };
};
