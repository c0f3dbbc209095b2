import { addAttributeColumns, dropAttributeColumns, migrateSchema, PolicyError, type Domain } from '@rowguard/core';
import { sql, type Transaction } from 'kysely';
import { CliError, EXIT, formatProblem, type PolicyProblem } from './cli-errors.js';
import type { CliIo } from './cli-io.js';
import { openDomain, openEngine, type OpenEngine } from './engine-open.js';
import { pendingDelegations, writeChanges, writeDelegations } from './policy-apply.js';
import { diffPolicies, type PolicyDiff } from './policy-diff.js';
import { pruneGuard, type PruneGuard } from './prune-guard.js';
import { readDatabaseState, type DatabaseState } from './policy-state-read.js';
import { existingAttributes } from './schema-introspect.js';
import type { ValidatedPolicy } from './policy-validate.js';
import { createProgress } from './progress-report.js';

/**
 * The outcome of applying a policy: the diff (what was, or with `dryRun` would be, written), whether it was
 * written, the changes still found after writing (always empty: anything left over is an error), the prune guard's
 * verdict, and notes for the reader.
 *
 * @example
 * ```ts
 * const outcome: SyncOutcome = { domain: 'default', diff, written: true, remaining: [], guard: undefined, notes: [] };
 * ```
 */
export interface SyncOutcome {
  readonly domain: string;
  readonly diff: PolicyDiff;
  readonly written: boolean;
  readonly remaining: readonly string[];
  /** With `--prune`: how much of the domain the diff removes, and whether that needs `--force`. */
  readonly guard: PruneGuard | undefined;
  readonly notes: readonly string[];
}

/**
 * How to apply: `dryRun` rehearses every write inside the transaction and rolls it back; `force` lets `--prune`
 * remove more than the prune guard's share of the domain.
 *
 * @example
 * ```ts
 * const options: SyncOptions = { prune: true, dryRun: false, force: false, actor: 'ci', io, quiet: false };
 * ```
 */
export interface SyncOptions {
  readonly prune: boolean;
  readonly dryRun: boolean;
  readonly force: boolean;
  readonly actor: string;
  readonly io: CliIo;
  readonly quiet: boolean;
}

/** Thrown inside a dry run's transaction to roll its writes back, carrying what the rehearsal found. */
class RolledBack extends Error {
  override readonly name = 'RolledBack';
  constructor(readonly outcome: SyncOutcome) {
    super('dry run: rolled back');
  }
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
 * Applies a validated policy to the database. Everything happens in ONE transaction that first locks the domain
 * (so a concurrent apply of the same domain waits, then sees this one's result): add the attribute columns the
 * file needs (where the database can roll them back), read the stored state, diff, refuse conflicts, blocked or
 * oversized prunes (exit 2), write every change and the delegations (the engine checks each), and read the state
 * again: anything that still differs is an error (exit 3) and rolls everything back. A dry run does all of that
 * and rolls back, so it refuses exactly what the apply would refuse. A domain that does not exist yet (or a
 * database without the schema) is rehearsed on a scratch in-memory database first, so a refused file creates
 * nothing. On MariaDB, where a schema change commits at once, new attribute columns are added before the
 * transaction and dropped again if it fails.
 *
 * @example
 * ```ts
 * const outcome = await syncPolicy(open, validated, { prune: false, dryRun: false, force: false, actor: 'ci', io, quiet: false });
 * outcome.diff.counts; // { create: 12, update: 0, delete: 0 }
 * ```
 */
export async function syncPolicy(open: OpenEngine, validated: ValidatedPolicy, options: SyncOptions): Promise<SyncOutcome> {
  const { engine } = open;
  const name = validated.policy.domain;
  const stored = open.hasSchema && (await engine.domains()).some((d) => d.name === name);
  if (!stored) {
    // Nothing stored for this domain: the rehearsal on an empty scratch database is exact.
    const rehearsal = await rehearseOnScratch(open, validated, options);
    if (options.dryRun) return rehearsal;
  }
  if (!options.dryRun) await migrateTables(open);
  const domain = await openDomain(engine, name, { create: !options.dryRun });
  const missing = await missingColumns(open);
  const notes: string[] = [];
  let added: string[] = [];
  if (missing.length > 0 && engine.dialect === 'mysql') {
    if (options.dryRun) {
      notes.push(
        `not rehearsed: the file adds attribute column(s) ${missing.join(', ')}, which MariaDB cannot add inside a transaction; ` +
          'the apply checks every write before it keeps them',
      );
      return await lockedSync(open, domain, validated, options, { rehearse: false, notes });
    }
    added = await addAttributeColumns(engine.db, engine.dialect, engine.config);
  }
  try {
    return await lockedSync(open, domain, validated, options, { rehearse: true, notes });
  } catch (err) {
    // MariaDB only: the columns this run added go again, so a refused file leaves the schema as it was.
    if (added.length > 0) await dropAttributeColumns(engine.db, engine.dialect, engine.config, added).catch(() => undefined);
    throw err;
  }
}

/** Creates or upgrades the engine's tables, without adding any attribute column (that waits for the transaction). */
async function migrateTables(open: OpenEngine): Promise<void> {
  const { engine } = open;
  const present = open.hasSchema ? await existingAttributes(engine.db, engine.dialect, engine.tables.contact) : new Map();
  const attributes = Object.fromEntries(Object.entries(engine.config.contacts.attributes).filter(([n]) => present.has(n)));
  await migrateSchema(engine.db, engine.dialect, { ...engine.config, contacts: { ...engine.config.contacts, attributes } });
}

async function missingColumns(open: OpenEngine): Promise<string[]> {
  const existing = await existingAttributes(open.engine.db, open.engine.dialect, open.engine.tables.contact);
  return [...open.attributes.keys()].filter((a) => !existing.has(a));
}

/** Applies the file to a fresh in-memory SQLite database with the same configuration, and rolls back. */
async function rehearseOnScratch(open: OpenEngine, validated: ValidatedPolicy, options: SyncOptions): Promise<SyncOutcome> {
  const scratch = await openEngine('sqlite::memory:', { requireSchema: false, declared: open.attributes, entityTypes: new Set(open.engine.config.entityTypes) });
  try {
    await scratch.engine.migrate();
    const domain = await openDomain(scratch.engine, validated.policy.domain, { create: true });
    return await lockedSync(scratch, domain, validated, { ...options, dryRun: true }, { rehearse: true, notes: [] });
  } finally {
    await scratch.close().catch(() => undefined);
  }
}

/**
 * The one transaction: lock the domain, add columns (SQLite, PostgreSQL), read, diff, check, write, verify; a dry
 * run (or a rehearsal) rolls back at the end. With `rehearse: false` (a MariaDB dry run that needs new columns)
 * the writes are not tried: the diff comes from the stored state alone.
 */
async function lockedSync(
  open: OpenEngine,
  domain: Domain,
  validated: ValidatedPolicy,
  options: SyncOptions,
  how: { rehearse: boolean; notes: string[] },
): Promise<SyncOutcome> {
  const { engine } = open;
  const desired = validated.policy;
  const ref = { id: domain.id, name: desired.domain };
  if (engine.dialect === 'sqlite') await sql`pragma busy_timeout = 60000`.execute(engine.db); // wait for a concurrent apply's lock
  try {
    return await domain.admin(options.actor).lockedTransaction(async (admin, trx) => {
      if (engine.dialect !== 'mysql' && how.rehearse) await addAttributeColumns(trx, engine.dialect, engine.config);
      const state = await readDatabaseState(engine, ref, await presentColumns(open, trx), trx);
      const diff = diffPolicies(desired, state.policy, { prune: options.prune });
      if (diff.conflicts.length > 0) {
        const problems = problemsFor(validated, diff.conflicts);
        throw new CliError('policy_conflict', problems.map(formatProblem).join('\n'), EXIT.badInput, problems);
      }
      const blocked = checkPrunable(state, diff);
      if (blocked.length > 0) throw new CliError('prune_blocked', blocked.join('\n'), EXIT.badInput);
      const guard = options.prune ? pruneGuard(state.policy, diff) : undefined;
      if (guard?.exceeded && !options.force && !options.dryRun) throw new CliError('prune_too_large', guard.message, EXIT.badInput);
      const outcome = (written: boolean): SyncOutcome => ({ domain: desired.domain, diff, written, remaining: [], guard, notes: how.notes });
      if (diff.changes.length === 0 || !how.rehearse) {
        if (options.dryRun) throw new RolledBack(outcome(false));
        return outcome(false);
      }

      const quiet = options.quiet || options.dryRun;
      const progress = createProgress(options.io, `applying ${validated.text.file}`, diff.changes.length, { quiet });
      const context = { desired, current: state.policy, ids: state.ids, progress, text: validated.text, origins: validated.origins };
      // Delegations last, in the same transaction: the engine checks each against the transaction's own writes.
      await writeChanges(diff.changes, { ...context, admin });
      await writeDelegations(pendingDelegations(diff.changes, desired), { ...context, admin });
      progress.done();

      const after = await readDatabaseState(engine, ref, await presentColumns(open, trx), trx);
      const remaining = diffPolicies(desired, after.policy, { prune: options.prune }).changes.map((c) => `${c.action} ${c.label}`);
      if (remaining.length > 0) {
        throw new CliError(
          'apply_incomplete',
          `the database still differs from the file after writing (nothing was kept):\n${remaining.map((r) => `  ${r}`).join('\n')}`,
          EXIT.database,
        );
      }
      if (options.dryRun) throw new RolledBack(outcome(false));
      return outcome(true);
    });
  } catch (err) {
    if (err instanceof RolledBack) return err.outcome;
    if (err instanceof PolicyError && err.code === 'unknown_domain') {
      throw new CliError('domain_removed', `domain '${desired.domain}' was removed while applying`, EXIT.database);
    }
    throw err;
  }
}

/** The declared attribute columns that exist now, as the transaction sees them. */
async function presentColumns(open: OpenEngine, trx: Transaction<any>): Promise<string[]> {
  const existing = await existingAttributes(trx, open.engine.dialect, open.engine.tables.contact);
  return [...open.attributes.keys()].filter((a) => existing.has(a));
}
