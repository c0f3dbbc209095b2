import { readFileSync } from 'node:fs';
import { connectDatabase, createRowguard, type DatabaseConnection } from '@rowguard/core';
import { describe, expect, it } from 'vitest';
import {
  diffAgainstDatabase,
  engineSettingsFor,
  exportDomain,
  JSON_SCHEMA_PATH,
  parsePolicyText,
  PolicyFileError,
  policyJsonSchemaText,
  policyToText,
  syncPolicy,
  validatePolicy,
  type PolicyReporter,
} from '../src/index.js';

const POLICY = `
domain: shop
attributes:
  country: { type: text }
contacts:
  - { key: boss, name: "Boss, Ann", attributes: { country: VN } }
  - { key: clerk, name: "Clerk, Bo", subTypes: [sales], attributes: { country: VN }, user: crm-clerk }
  - { key: cust-fr, name: "Client, Cy", attributes: { country: FR } }
groups:
  - { name: Staff, kind: static, members: [boss, clerk] }
  - name: Same country
    kind: smart
    criteria: { field: country, op: "=", value: { $subject: country } }
entries:
  - { key: staff-view-country, effect: allow, operation: view, owner: { group: Staff }, object: { members: Same country } }
`;

/** Opens an in-memory SQLite database with an engine configured for a validated policy, as a host would. */
async function openFor(connection: DatabaseConnection, source: string, file: string) {
  const validated = validatePolicy(parsePolicyText(source, file));
  const settings = await engineSettingsFor(connection.db, connection.dialect, {
    declared: validated.policy.attributes,
    entityTypes: validated.policy.entityTypes,
  });
  return { validated, engine: createRowguard({ db: connection.db, dialect: connection.dialect, ...settings.config }) };
}

describe('@rowguard/policy', () => {
  it('publishes the JSON Schema generated from the zod schema', () => {
    expect(readFileSync(JSON_SCHEMA_PATH, 'utf8')).toBe(policyJsonSchemaText());
  });

  it('applies a policy to a database, exports it back, and the export applies as no change', async () => {
    const connection = await connectDatabase('sqlite::memory:');
    try {
      const { validated, engine } = await openFor(connection, POLICY, 'shop.yaml');
      const dry = await syncPolicy(engine, validated, { dryRun: true, actor: 'test' });
      expect(dry.written).toBe(false);
      expect(dry.diff.counts).toEqual({ create: 9, update: 0, delete: 0 });

      const labels: string[] = [];
      const reporter: PolicyReporter = { progress: (label) => (labels.push(label), { tick: () => undefined, done: () => undefined }) };
      const applied = await syncPolicy(engine, validated, { actor: 'test', reporter });
      expect(applied.written).toBe(true);
      expect(applied.diff.counts).toEqual(dry.diff.counts);
      expect(labels).toEqual(['applying shop.yaml']);

      const domain = await engine.domain('shop');
      const clerk = await domain.subject({ userId: 'crm-clerk' }).listIds('view');
      expect(clerk).toHaveLength(2); // boss and clerk (VN), not the French customer

      const { policy, warnings } = await exportDomain(engine, domain);
      expect(warnings).toEqual([]);
      const again = validatePolicy(parsePolicyText(policyToText(policy, 'yaml'), 'export.yaml'));
      expect((await diffAgainstDatabase(engine, again, { prune: true })).changes).toEqual([]);
      expect((await syncPolicy(engine, again, { prune: true, actor: 'test' })).written).toBe(false);
    } finally {
      await connection.close();
    }
  });

  it('reports problems as PolicyFileError with a kind, file, line and field', async () => {
    const bad = () => validatePolicy(parsePolicyText('contacts:\n  - key: a\n    colour: red\n', 'bad.yaml'));
    expect(bad).toThrow(PolicyFileError);
    try {
      bad();
    } catch (err) {
      const e = err as PolicyFileError;
      expect([e.code, e.kind]).toEqual(['invalid_policy', 'invalid']);
      expect(e.problems).toEqual([{ file: 'bad.yaml', line: 3, column: 5, field: 'contacts[0].colour', message: "unknown field 'colour'" }]);
    }

    const connection = await connectDatabase('sqlite::memory:');
    try {
      const { validated, engine } = await openFor(connection, POLICY, 'shop.yaml');
      await syncPolicy(engine, validated, { actor: 'test' });
      const smaller = validatePolicy(parsePolicyText('domain: shop\ncontacts: [{ key: boss }]\n', 'small.yaml'));
      const refused = await syncPolicy(engine, smaller, { prune: true, actor: 'test' }).catch((err: unknown) => err);
      expect(refused).toBeInstanceOf(PolicyFileError);
      expect([(refused as PolicyFileError).code, (refused as PolicyFileError).kind]).toEqual(['prune_too_large', 'refused']);
    } finally {
      await connection.close();
    }
  });
});
