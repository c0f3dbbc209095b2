import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { jsonSchemaErrors } from './support/json-schema-check.js';
import { CLI_DIR, FIXTURES, rowguard } from './support/cli-runner.js';

const SCHEMA_FILE = join(CLI_DIR, 'policies', 'rowguard-policy.schema.json');
const committed = JSON.parse(readFileSync(SCHEMA_FILE, 'utf8')) as Record<string, unknown>;

describe('the published JSON Schema of the policy file', () => {
  it.concurrent('is what `rowguard schema` generates from the zod schema (regenerate: rowguard schema > policies/rowguard-policy.schema.json)', async () => {
    const run = await rowguard(['schema']);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(readFileSync(SCHEMA_FILE, 'utf8'));
    expect((await rowguard(['schema', '--json'])).json()).toEqual(committed);
  });

  it.each([
    ['the country-sales example', join(CLI_DIR, '..', '..', 'examples', 'country-sales', 'country-sales.yaml')],
    ['the full test policy', join(FIXTURES, 'full-policy.yaml')],
  ])('validates %s', (_, file) => {
    expect(jsonSchemaErrors(committed, parse(readFileSync(file, 'utf8')))).toEqual([]);
  });

  it('rejects what the CLI rejects by shape: wrong types, unknown fields, bad owners, bad criteria', () => {
    const errors = (doc: unknown) => jsonSchemaErrors(committed, doc);
    expect(errors({ contacts: [{ key: 'a', attributes: { country: ['VN'] } }] })).not.toEqual([]);
    expect(errors({ entries: [{ key: 'e', effect: 'allow', operation: 'view', owner: 'everyone', object: 'all-contacts', prioritty: 1 }] })).not.toEqual([]);
    expect(errors({ entries: [{ key: 'e', effect: 'allow', operation: 'fly', owner: 'everyone', object: 'all-contacts' }] })).not.toEqual([]);
    expect(errors({ entries: [{ key: 'e', effect: 'allow', operation: 'view', owner: { team: 'x' }, object: 'all-contacts' }] })).not.toEqual([]);
    expect(errors({ groups: [{ name: 'g', kind: 'smart', criteria: { field: 'country', op: '~', value: 'VN' } }] })).not.toEqual([]);
    expect(errors({ groups: [{ name: 'g', kind: 'smart', criteria: { all: [{ inGroup: 'h' }, { field: 'country', op: '=', value: { $subject: 'country' } }] } }] })).toEqual([]);
    expect(errors({ version: 2 })).not.toEqual([]);
  });
});
