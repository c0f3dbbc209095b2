import type { Rowguard } from '@rowguard/core';
import { diffPolicies, type PolicyDiff } from './policy-diff.js';
import { exportPolicy } from './policy-export.js';
import type { PolicyFileInput } from './policy-file-schema.js';
import type { PolicyReporter } from './policy-reporter.js';
import { readDatabaseState } from './policy-state-read.js';
import { readProvenance } from './policy-provenance.js';
import type { ValidatedPolicy } from './policy-validate.js';
import { schemaPresent } from './schema-introspect.js';

/**
 * The difference between a validated policy and what the database holds for its domain now, by key, read
 * without locking (a domain or schema that does not exist yet reads as empty). It is a preview: `syncPolicy` with
 * `dryRun` computes the same diff inside the locked transaction and also runs every check the engine makes.
 *
 * @example
 * ```ts
 * const diff = await diffAgainstDatabase(engine, validated, { prune: true });
 * diff.counts; // { create: 0, update: 2, delete: 1 }
 * ```
 */
export async function diffAgainstDatabase(engine: Rowguard, validated: ValidatedPolicy, options: { prune?: boolean } = {}): Promise<PolicyDiff> {
  const name = validated.policy.domain;
  const hasSchema = await schemaPresent(engine.db, engine.dialect, engine.tables.domain);
  const stored = hasSchema ? (await engine.domains()).find((d) => d.name === name) : undefined;
  const state = await readDatabaseState(engine, { id: stored?.id, name }, Object.keys(engine.config.contacts.attributes));
  const created = await readProvenance(engine, stored?.id, new Map([...state.ids.contacts].map(([key, id]) => [id, key])));
  return diffPolicies(validated.policy, state.policy, { prune: options.prune === true, created });
}

/**
 * A domain's stored policy as a policy-file object (see `exportPolicy`): what cannot be written with keys is left
 * out, and each such omission is passed to the reporter's `warning` and listed in `warnings`. Write it with
 * `policyToText`; applying it to the same database changes nothing.
 *
 * @example
 * ```ts
 * const { policy } = await exportDomain(engine, await engine.domain('default'), { reporter: { warning: console.warn } });
 * writeFileSync('policy.yaml', policyToText(policy, 'yaml'));
 * ```
 */
export async function exportDomain(
  engine: Rowguard,
  domain: { readonly id: number; readonly name: string },
  options: { reporter?: PolicyReporter | undefined } = {},
): Promise<{ policy: PolicyFileInput; warnings: string[] }> {
  const state = await readDatabaseState(engine, { id: domain.id, name: domain.name }, Object.keys(engine.config.contacts.attributes));
  const exported = exportPolicy(state);
  for (const w of exported.warnings) options.reporter?.warning?.(w);
  return exported;
}
