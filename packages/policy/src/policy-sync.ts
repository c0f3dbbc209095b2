import { connectDatabase, createRowguard, migrateSchema, MissingDriverError, PolicyError, type Domain, type Rowguard } from '@rowguard/core';
import { addAttributeColumns, dropAttributeColumns } from '@rowguard/core/extension';
import { sql, type Transaction } from 'kysely';
import { z } from 'zod';
import { pendingDelegations, writeChanges, writeDelegations } from './policy-apply.js';
import { diffPolicies, type PolicyDiff } from './policy-diff.js';
import { emptyPolicy } from './policy-normal-form.js';
import { formatProblem, PolicyFileError, type PolicyProblem } from './policy-file-error.js';
import { NO_PROGRESS, type PolicyReporter } from './policy-reporter.js';
import { pruneGuard, type PruneGuard } from './prune-guard.js';
import { readProvenance, recordProvenance } from './policy-provenance.js';
import { readDatabaseState, type DatabaseState } from './policy-state-read.js';
import { existingAttributes, schemaPresent } from './schema-introspect.js';
import type { ValidatedPolicy } from './policy-validate.js';

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
  /** With `prune`: how much of the domain the diff removes, and whether that needs `force`. */
  readonly guard: PruneGuard | undefined;
  readonly notes: readonly string[];
}

/**
 * How to apply, checked by {@link syncPolicy}: `prune` also removes what the file no longer has; `dryRun` rehearses
 * every write inside the transaction and rolls it back; `force` lets a prune remove more than the prune guard's
 * share of the domain; `actor` is recorded in the audit log.
 *
 * @example
 * ```ts
 * syncOptionsSchema.parse({ prune: true }); // { prune: true, dryRun: false, force: false, actor: 'rowguard-policy' }
 * ```
 */
export const syncOptionsSchema = z
  .object({
    prune: z.boolean().default(false),
    dryRun: z.boolean().default(false),
    force: z.boolean().default(false),
    actor: z.string().min(1).max(191).default('rowguard-policy'),
  })
  .strip();

/**
 * The options of {@link syncPolicy}: those of {@link syncOptionsSchema}, and a reporter for the progress of long
 * applies (a dry run reports none).
 *
 * @example
 * ```ts
 * const options: SyncOptions = { prune: true, dryRun: false, force: false, actor: 'ci', reporter };
 * ```
 */
export type SyncOptions = z.input<typeof syncOptionsSchema> & { readonly reporter?: PolicyReporter | undefined };

/** The checked options, as the steps of an apply pass them on. */
type Settings = z.output<typeof syncOptionsSchema> & { readonly reporter: PolicyReporter | undefined };

/** The engine an apply runs on, with the names of its attribute columns and whether its schema existed. */
interface Target {
  readonly engine: Rowguard;
  readonly attributes: readonly string[];
  readonly hasSchema: boolean;
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
 * Applies a validated policy to the database of `engine` (an engine configured with the policy's attributes and
 * host object types: see `engineSettingsFor`). Everything happens in ONE transaction that first locks the domain
 * (so a concurrent apply of the same domain waits, then sees this one's result): add the attribute columns the
 * file needs (where the database can roll them back), read the stored state, diff, refuse conflicts, blocked or
 * oversized prunes (kind `refused`), write every change and the delegations (the engine checks each), and read the
 * state again: anything that still differs is an error (kind `incomplete`) and rolls everything back. A dry run does
 * all of that and rolls back, so it refuses exactly what the apply would refuse. A domain that does not exist yet
 * (or a database without the schema) is rehearsed on a scratch in-memory SQLite database first (better-sqlite3), so
 * a refused file creates nothing. On MariaDB, where a schema change commits at once, new attribute columns are
 * added before the transaction and dropped again if it fails. Failures are {@link PolicyFileError}s, or the
 * database's own errors when reading fails.
 *
 * @example
 * ```ts
 * const outcome = await syncPolicy(engine, validated, { prune: false, dryRun: false, actor: 'installer' });
 * outcome.diff.counts; // { create: 12, update: 0, delete: 0 }
 * ```
 */
export async function syncPolicy(engine: Rowguard, validated: ValidatedPolicy, options: SyncOptions = {}): Promise<SyncOutcome> {
  const parsed = syncOptionsSchema.safeParse(options);
  if (!parsed.success) throw new PolicyFileError('invalid_options', 'invalid', `invalid apply options: ${z.prettifyError(parsed.error)}`);
  const settings: Settings = { ...parsed.data, reporter: options.reporter };
  const target: Target = {
    engine,
    attributes: Object.keys(engine.config.contacts.attributes),
    hasSchema: await schemaPresent(engine.db, engine.dialect, engine.tables.domain),
  };
  const name = validated.policy.domain;
  const stored = target.hasSchema && (await engine.domains()).some((d) => d.name === name);
  const notes: string[] = [];
  if (!stored) {
    // Nothing stored for this domain: the rehearsal on an empty scratch database is exact.
    const rehearsal = await rehearseOnScratch(target, validated, settings);
    if (rehearsal === undefined) {
      // No better-sqlite3 (an optional peer): the apply below still runs in one transaction that keeps nothing
      // when a write is refused; only the schema and the empty domain it creates first would remain.
      const why = 'not rehearsed on a scratch database: better-sqlite3 (an optional peer dependency) is not installed';
      if (settings.dryRun) {
        const diff = diffPolicies(validated.policy, emptyPolicy(name), { prune: settings.prune });
        return { domain: name, diff, written: false, remaining: [], guard: undefined, notes: [`${why}; the diff is against an empty domain`] };
      }
      notes.push(why);
    } else if (settings.dryRun) return rehearsal;
  }
  if (!settings.dryRun) await migrateTables(target);
  const domain = await openDomain(engine, name, { create: !settings.dryRun });
  const missing = await missingColumns(target);
  let added: string[] = [];
  if (missing.length > 0 && engine.dialect === 'mysql') {
    if (settings.dryRun) {
      notes.push(
        `not rehearsed: the file adds attribute column(s) ${missing.join(', ')}, which MariaDB cannot add inside a transaction; ` +
          'the apply checks every write before it keeps them',
      );
      return await lockedSync(target, domain, validated, settings, { rehearse: false, notes });
    }
    added = await addAttributeColumns(engine.db, engine.dialect, engine.config);
  }
  try {
    return await lockedSync(target, domain, validated, settings, { rehearse: true, notes });
  } catch (err) {
    // MariaDB only: the columns this run added go again, so a refused file leaves the schema as it was.
    if (added.length > 0) await dropAttributeColumns(engine.db, engine.dialect, engine.config, added).catch(() => undefined);
    throw err;
  }
}

/** The domain with this name; with `create: false` a missing domain is refused instead of created. */
async function openDomain(engine: Rowguard, name: string, options: { create: boolean }): Promise<Domain> {
  if (!options.create) {
    const known = await engine.domains();
    if (!known.some((d) => d.name === name)) {
      const list = known.length > 0 ? ` (known: ${known.map((d) => d.name).join(', ')})` : '';
      throw new PolicyFileError('unknown_domain', 'refused', `domain '${name}' does not exist${list}`);
    }
  }
  return engine.domain(name);
}

/** Creates or upgrades the engine's tables, without adding any attribute column (that waits for the transaction). */
async function migrateTables(target: Target): Promise<void> {
  const { engine } = target;
  const present = target.hasSchema ? await existingAttributes(engine.db, engine.dialect, engine.tables.contact) : new Map();
  const attributes = Object.fromEntries(Object.entries(engine.config.contacts.attributes).filter(([n]) => present.has(n)));
  await migrateSchema(engine.db, engine.dialect, { ...engine.config, contacts: { ...engine.config.contacts, attributes } });
}

async function missingColumns(target: Target): Promise<string[]> {
  const existing = await existingAttributes(target.engine.db, target.engine.dialect, target.engine.tables.contact);
  return target.attributes.filter((a) => !existing.has(a));
}

/**
 * Applies the file to a fresh in-memory SQLite database with the same configuration, and rolls back. Undefined
 * when better-sqlite3 is not installed (it is an optional peer dependency: a MariaDB or PostgreSQL host may lack it).
 */
async function rehearseOnScratch(target: Target, validated: ValidatedPolicy, settings: Settings): Promise<SyncOutcome | undefined> {
  const { config } = target.engine;
  let connection;
  try {
    connection = await connectDatabase('sqlite::memory:', { poolSize: 4 });
  } catch (err) {
    if (err instanceof MissingDriverError) return undefined;
    throw err;
  }
  try {
    const scratch = createRowguard({
      db: connection.db,
      dialect: connection.dialect,
      tablePrefix: config.tablePrefix,
      contacts: { attributes: config.contacts.attributes },
      entityTypes: config.entityTypes,
      decisionTimeoutMs: config.decisionTimeoutMs,
      onError: () => undefined, // a refused check throws from the write itself; nothing to log for a rehearsal
    });
    await scratch.migrate();
    const domain = await scratch.domain(validated.policy.domain);
    const scratchTarget: Target = { engine: scratch, attributes: target.attributes, hasSchema: false };
    return await lockedSync(scratchTarget, domain, validated, { ...settings, dryRun: true }, { rehearse: true, notes: [] });
  } finally {
    await connection.close().catch(() => undefined);
  }
}

/**
 * The one transaction: lock the domain, add columns (SQLite, PostgreSQL), read, diff, check, write, verify; a dry
 * run (or a rehearsal) rolls back at the end. With `rehearse: false` (a MariaDB dry run that needs new columns)
 * the writes are not tried: the diff comes from the stored state alone.
 */
async function lockedSync(
  target: Target,
  domain: Domain,
  validated: ValidatedPolicy,
  settings: Settings,
  how: { rehearse: boolean; notes: string[] },
): Promise<SyncOutcome> {
  const { engine } = target;
  const desired = validated.policy;
  const ref = { id: domain.id, name: desired.domain };
  if (engine.dialect === 'sqlite') await sql`pragma busy_timeout = 60000`.execute(engine.db); // wait for a concurrent apply's lock
  try {
    return await domain.admin(settings.actor).lockedTransaction(async (admin, trx) => {
      if (engine.dialect !== 'mysql' && how.rehearse) await addAttributeColumns(trx, engine.dialect, engine.config);
      const state = await readDatabaseState(engine, ref, await presentColumns(target, trx), trx);
      const diff = diffPolicies(desired, state.policy, { prune: settings.prune, created: await provenanceOf(engine, ref.id, state, trx) });
      if (diff.conflicts.length > 0) {
        const problems = problemsFor(validated, diff.conflicts);
        throw new PolicyFileError('policy_conflict', 'refused', problems.map(formatProblem).join('\n'), problems);
      }
      const blocked = checkPrunable(state, diff);
      if (blocked.length > 0) throw new PolicyFileError('prune_blocked', 'refused', blocked.join('\n'));
      const guard = settings.prune ? pruneGuard(state.policy, diff) : undefined;
      if (guard?.exceeded && !settings.force && !settings.dryRun) throw new PolicyFileError('prune_too_large', 'refused', guard.message);
      const outcome = (written: boolean): SyncOutcome => ({ domain: desired.domain, diff, written, remaining: [], guard, notes: how.notes });
      if (diff.changes.length === 0 || !how.rehearse) {
        if (settings.dryRun) throw new RolledBack(outcome(false));
        return outcome(false);
      }

      const progress = settings.dryRun ? NO_PROGRESS : (settings.reporter?.progress?.(`applying ${validated.text.file}`, diff.changes.length) ?? NO_PROGRESS);
      const context = { desired, current: state.policy, ids: state.ids, progress, text: validated.text, origins: validated.origins };
      // Delegations last, in the same transaction: the engine checks each against the transaction's own writes.
      await writeChanges(diff.changes, { ...context, admin });
      await writeDelegations(pendingDelegations(diff.changes, desired), { ...context, admin });
      // Marks what this file created, so a later prune removes those contacts and links and nothing else.
      await recordProvenance(trx, engine, ref.id, settings.actor, diff.changes, state.ids, desired);
      progress.done();

      const after = await readDatabaseState(engine, ref, await presentColumns(target, trx), trx);
      const created = await provenanceOf(engine, ref.id, after, trx);
      const remaining = diffPolicies(desired, after.policy, { prune: settings.prune, created }).changes.map((c) => `${c.action} ${c.label}`);
      if (remaining.length > 0) {
        throw new PolicyFileError(
          'apply_incomplete',
          'incomplete',
          `the database still differs from the file after writing (nothing was kept):\n${remaining.map((r) => `  ${r}`).join('\n')}`,
        );
      }
      if (settings.dryRun) throw new RolledBack(outcome(false));
      return outcome(true);
    });
  } catch (err) {
    if (err instanceof RolledBack) return err.outcome;
    if (err instanceof PolicyError && err.code === 'unknown_domain') {
      throw new PolicyFileError('domain_removed', 'database', `domain '${desired.domain}' was removed while applying`, [], { cause: err });
    }
    throw err;
  }
}

/** What policy files created in the domain (contacts and user links a prune may remove), as `from` sees it. */
async function provenanceOf(engine: Rowguard, domainId: number, state: DatabaseState, from: Transaction<any>) {
  const keyOf = new Map([...state.ids.contacts].map(([key, id]) => [id, key]));
  return readProvenance(engine, domainId, keyOf, from);
}

/** The declared attribute columns that exist now, as the transaction sees them. */
async function presentColumns(target: Target, trx: Transaction<any>): Promise<string[]> {
  const existing = await existingAttributes(trx, target.engine.dialect, target.engine.tables.contact);
  return target.attributes.filter((a) => existing.has(a));
}
