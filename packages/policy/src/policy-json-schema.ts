import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { policyFileSchema } from './policy-file-schema.js';

/**
 * Where the committed JSON Schema lives, relative to the policy package (which exports it as
 * `@rowguard/policy/policy-file.schema.json`).
 *
 * @example
 * ```ts
 * writeFileSync(JSON_SCHEMA_FILE, policyJsonSchemaText());
 * ```
 */
export const JSON_SCHEMA_FILE = 'policies/rowguard-policy.schema.json';

/**
 * The committed JSON Schema's absolute path, inside the installed policy package.
 *
 * @example
 * ```ts
 * readFileSync(JSON_SCHEMA_PATH, 'utf8') === policyJsonSchemaText(); // true
 * ```
 */
export const JSON_SCHEMA_PATH = fileURLToPath(new URL(`../${JSON_SCHEMA_FILE}`, import.meta.url));

/**
 * The policy file format as JSON Schema (draft 2020-12), generated from the zod schema, for editors (e.g. the
 * YAML language server's `# yaml-language-server: $schema=...`). Checks that need the whole file (references,
 * duplicates, cycles) are not expressible in JSON Schema; `validatePolicy` (and `rowguard apply --dry-run`) makes them.
 *
 * @example
 * ```ts
 * const schema = policyJsonSchema();
 * schema.title; // 'rowguard policy file'
 * ```
 */
export function policyJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(policyFileSchema, { io: 'input', target: 'draft-2020-12', unrepresentable: 'any' }) as Record<string, unknown>;
  return {
    $schema: schema.$schema,
    ...schema,
    description: 'A rowguard policy: contacts, groups, roles, entries, relationships and delegations, all referring to each other by key.',
  };
}

/**
 * The JSON Schema as committed text (stable formatting, trailing newline).
 *
 * @example
 * ```ts
 * writeFileSync('policies/rowguard-policy.schema.json', policyJsonSchemaText());
 * ```
 */
export function policyJsonSchemaText(): string {
  return `${JSON.stringify(policyJsonSchema(), null, 2)}\n`;
}
