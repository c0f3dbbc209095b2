import type { Domain } from '@rowguard/core';
import { CliError, EXIT, formatProblem, type PolicyProblem } from './cli-errors.js';
import type { CliIo } from './cli-io.js';
import { openDomain, type OpenEngine } from './engine-open.js';
import { pendingDelegations, writeChanges, writeDelegations } from './policy-apply.js';
import { diffPolicies, type PolicyDiff } from './policy-diff.js';
import { readDatabaseState, type DatabaseState } from './policy-state-read.js';
import { existingAttributes } from './schema-introspect.js';
import type { ValidatedPolicy } from './policy-validate.js';
import { createProgress } from './progress-report.js';

/**
 * The outcome of applying a policy: the diff (what was, or with `dryRun` would be, written), whether it was
 * written, and the changes still found after writing (empty unless something is wrong).
 *
 * @example
 * ```ts
 * const outcome: SyncOutcome = { domain: 'default', diff, written: true, remaining: [] };
 * ```
 */
export interface SyncOutcome {
  readonly domain: string;
  readonly diff: PolicyDiff;
  readonly written: boolean;
  readonly remaining: readonly string[];
}

function problemsFor(validated: ValidatedPolicy, items: readonly { kind: string; key: string; message: string }[]): PolicyProblem[] {
  return items.map((c) => {
    const path = validated.origins.get(`${c.kind}:${c.key}`) ?? [];
    return { file: validated.text.file, ...validated.text.locate(path), field: '', message: c.message };
  });
}

/** Refuses prunes the engine would refuse anyway: groups and roles still used by entries without a key. */
function checkPrunable(state: DatabaseState, diff: PolicyDiff): string[] {
  const groups = new Set(diff.changes.filter((c) => c.kind === 'group' && c.action === 'delete').map((c) => c.key));
  const roles = new Set(diff.changes.filter((c) => c.kind === 'role' && c.action === 'delete').map((c) => c.key));
  const out: string[] = [];
  for (const e of state.unkeyedEntries) {
    for (const g of e.groups) if (groups.has(g)) out.push(`cannot prune group '${g}': entry #${e.id} (which has no key, so no policy file manages it) refers to it`);
    for (const r of e.roles) if (roles.has(r)) out.push(`cannot prune role '${r}': entry #${e.id} (which has no key, so no policy file manages it) is owned by it`);
  }
  return out;
}

/**
 * Applies a validated policy to the database: migrates the schema (unless `dryRun`), reads the domain's state,
 * computes the diff (the same code for `--dry-run` and for writing), refuses conflicts and unsupported sections
 * before writing (exit 2), then writes every change in one transaction, with progress on stderr for long runs.
 * After writing it reads the state again and reports anything that still differs.
 *
 * @example
 * ```ts
 * const outcome = await syncPolicy(open, validated, { prune: false, dryRun: false, actor: 'ci', io, quiet: false });
 * outcome.diff.counts; // { create: 12, update: 0, delete: 0 }
 * ```
 */
export async function syncPolicy(
  open: OpenEngine,
  validated: ValidatedPolicy,
  options: { prune: boolean; dryRun: boolean; actor: string; io: CliIo; quiet: boolean },
): Promise<SyncOutcome> {
  const { engine } = open;
  const desired = validated.policy;
  // A dry run creates nothing: no schema, no domain; a database without them compares as empty.
  let domain: Domain | undefined;
  if (!options.dryRun) {
    await engine.migrate();
    domain = await openDomain(engine, desired.domain, { create: true });
  } else if (open.hasSchema && (await engine.domains()).some((d) => d.name === desired.domain)) {
    domain = await openDomain(engine, desired.domain, { create: false });
  }
  const columns = open.hasSchema || !options.dryRun ? await presentColumns(open, [...open.attributes.keys()]) : [];
  const state = await readDatabaseState(engine, { id: domain?.id, name: desired.domain }, columns);
  const diff = diffPolicies(desired, state.policy, { prune: options.prune });
  if (diff.conflicts.length > 0) {
    const problems = problemsFor(validated, diff.conflicts);
    throw new CliError('policy_conflict', problems.map(formatProblem).join('\n'), EXIT.badInput, problems);
  }
  const blocked = checkPrunable(state, diff);
  if (blocked.length > 0) throw new CliError('prune_blocked', blocked.join('\n'), EXIT.badInput);
  if (options.dryRun || diff.changes.length === 0 || !domain) {
    return { domain: desired.domain, diff, written: false, remaining: [] };
  }

  const progress = createProgress(options.io, `applying ${validated.text.file}`, diff.changes.length, { quiet: options.quiet });
  const context = { desired, current: state.policy, ids: state.ids, progress, text: validated.text, origins: validated.origins };
  // One transaction for the whole file, delegations included (the engine checks each delegation against the
  // transaction's own writes): a refused delegation leaves the database as it was.
  await domain.admin(options.actor).transaction(async (admin) => {
    await writeChanges(diff.changes, { ...context, admin });
    await writeDelegations(pendingDelegations(diff.changes, desired), { ...context, admin });
  });
  progress.done();

  const after = await readDatabaseState(engine, { id: domain.id, name: desired.domain }, await presentColumns(open, [...open.attributes.keys()]));
  const again = diffPolicies(desired, after.policy, { prune: options.prune });
  return { domain: desired.domain, diff, written: true, remaining: again.changes.map((c) => `${c.action} ${c.label}`) };
}

/** The attribute columns that exist now (after a migration, every declared one). */
async function presentColumns(open: OpenEngine, wanted: readonly string[]): Promise<string[]> {
  const existing = await existingAttributes(open.engine.db, open.engine.dialect, open.engine.tables.contact);
  return wanted.filter((a) => existing.has(a));
}
