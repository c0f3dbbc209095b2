import type { Domain, Rowguard } from '@rowguard/core';
import { exportDomain, parsePolicyText, policyToText, syncPolicy, validatePolicy } from '@rowguard/policy';
import type { z } from 'zod';
import { AdminHttpError } from './admin-errors.js';
import type { policyUploadSchema } from './api-schemas.js';

/**
 * Checks a policy file and rehearses it against the domain (`dryRun`), or applies it, through
 * `@rowguard/policy` with the person as the audit actor. A file with problems throws a `PolicyFileError` whose
 * problems carry file, line and field.
 *
 * @example
 * ```ts
 * const { diff } = await runPolicy(engine, domain, 'alice', { text, fileName: 'acl.yaml', prune: false }, true);
 * ```
 */
export async function runPolicy(
  engine: Rowguard,
  domain: Domain,
  actor: string,
  upload: z.output<typeof policyUploadSchema>,
  dryRun: boolean,
): Promise<Record<string, unknown>> {
  const validated = validatePolicy(parsePolicyText(upload.text, upload.fileName));
  if (validated.policy.domain !== domain.name) {
    throw new AdminHttpError(400, 'other_domain', `the file is for domain '${validated.policy.domain}'; this page administers '${domain.name}'`);
  }
  const outcome = await syncPolicy(engine, validated, { dryRun, prune: upload.prune, force: false, actor });
  return {
    written: outcome.written,
    changes: outcome.diff.changes.map((c) => ({ kind: c.kind, action: c.action, label: c.label, fields: c.fields, note: c.note ?? null })),
    conflicts: outcome.diff.conflicts,
    counts: outcome.diff.counts,
    notes: outcome.notes,
    remaining: outcome.remaining,
    guard: outcome.guard ?? null,
  };
}

/**
 * The domain's policy as a policy file (YAML or JSON).
 *
 * @example
 * ```ts
 * const { text } = await exportPolicyText(engine, domain, 'yaml');
 * ```
 */
export async function exportPolicyText(engine: Rowguard, domain: Domain, format: 'yaml' | 'json'): Promise<{ text: string; warnings: string[] }> {
  const { policy, warnings } = await exportDomain(engine, { id: domain.id, name: domain.name });
  return { text: policyToText(policy, format), warnings };
}
