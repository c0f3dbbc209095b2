import { z } from 'zod';
import { MAX_LINK_BATCH, type Domain, type LinkedContactFields, type LinkedState, type MembershipRow, type UserLink, type UserSyncBatch } from '@rowguard/core';
import type { HostRole, HostSource, HostUserRecord } from '../host/host-source.js';
import { inChunks } from '../host/host-batches.js';
import { hostSyncOptionsSchema, type HostSyncOptions, type ParsedHostSyncOptions, type RoleMapping } from './sync-options.js';
import { MissingHostRoleError, SyncCursorError } from './sync-errors.js';
import { emptyPlan, planBatch, type BatchPlan, type BatchState } from './sync-plan.js';
import { RemovalGuard, type GuardHit } from './removal-guard.js';

/**
 * One membership a sync set, for reports (`contactId` null for a contact a dry run would create).
 *
 * @example
 * ```ts
 * report.changes.removed[0]; // { groupId: 4, contactId: 9, userId: 'wp:12' }
 * ```
 */
export interface MembershipChange {
  readonly groupId: number;
  readonly contactId: number | null;
  readonly userId: string;
}

/**
 * What a reconcile changed (or, in a dry run, would change).
 *
 * @example
 * ```ts
 * const { addedCount, removedCount, created } = await sync.reconcileUser('wp:12');
 * ```
 */
export interface SyncChanges {
  created: number;
  linked: number;
  updated: number;
  suspended: number;
  resumed: number;
  unlinked: number;
  skipped: number;
  /** Memberships set Added / Removed (exact counts). */
  addedCount: number;
  removedCount: number;
  /** The first of them (up to the run's `listLimit`). */
  readonly added: MembershipChange[];
  readonly removed: MembershipChange[];
}

/**
 * Progress of a {@link HostSync.reconcileAll} run, after each batch.
 *
 * @example
 * ```ts
 * await sync.reconcileAll({ onProgress: (p: SyncProgress) => saveCursor(p.cursor) });
 * ```
 */
export interface SyncProgress {
  readonly phase: 'users' | 'links';
  /** Users (or links) processed so far in this run. */
  readonly processed: number;
  /** Where to resume if the run stops now. */
  readonly cursor: string;
}

/**
 * What a {@link HostSync.reconcileAll} run did.
 *
 * @example
 * ```ts
 * const report: SyncRunReport = await sync.reconcileAll({ dryRun: true });
 * report.guarded; // groups whose removals the guard would withhold
 * ```
 */
export interface SyncRunReport {
  readonly dryRun: boolean;
  readonly users: number;
  readonly links: number;
  readonly cursor: string;
  readonly changes: SyncChanges;
  /** Groups whose removals the guard withheld (or, in a dry run, would withhold). */
  readonly guarded: readonly GuardHit[];
  readonly ignoredMappings: readonly RoleMapping[];
  readonly durationMs: number;
}

/**
 * zod schema of a {@link HostSync.reconcileAll} run: users per batch (default 1,000), the cursor to resume from,
 * `dryRun` (plan and report, write nothing), `force` (the removal guard lets everything through) and, for
 * reports, how many membership changes to list (counts are always exact).
 *
 * @example
 * ```ts
 * reconcileAllSchema.parse({ batchSize: 2000, cursor: 'users:52000' });
 * ```
 */
export const reconcileAllSchema = z
  .object({
    batchSize: z.number().int().min(1).max(5000).default(1000),
    cursor: z.string().max(64).optional(),
    dryRun: z.boolean().default(false),
    force: z.boolean().default(false),
    listLimit: z.number().int().nonnegative().default(1000),
    onProgress: z.custom<(p: SyncProgress) => void>((v) => typeof v === 'function').optional(),
  })
  .strict();
/** A {@link HostSync.reconcileAll} run's settings. */
export type ReconcileAllOptions = z.input<typeof reconcileAllSchema>;

/** Unlinked contacts by lower-cased e-mail, read once per run, and those linked since. */
interface CandidatePool {
  readonly byEmail: Map<string, number[]>;
  readonly used: Set<number>;
}

function parseCursor(cursor: string): { phase: 'users' | 'links' | 'done'; after: number } {
  if (cursor === 'done') return { phase: 'done', after: 0 };
  const m = /^(users|links):([0-9]{1,15})$/.exec(cursor);
  if (!m) throw new SyncCursorError(cursor);
  return { phase: m[1] as 'users' | 'links', after: Number(m[2]) };
}

function noChanges(): SyncChanges {
  return { created: 0, linked: 0, updated: 0, suspended: 0, resumed: 0, unlinked: 0, skipped: 0, addedCount: 0, removedCount: 0, added: [], removed: [] };
}

/**
 * Keeps a domain's contacts, links and group memberships following a host's users: `reconcileUser` for one
 * user (call it from the host's save, role-change, block and delete events), `reconcileAll` for everyone,
 * in batches, resumable from a cursor. Writes go through `domain.admin('sync:<source>').applyUserSync`, a few
 * statements and one transaction per batch; memberships carry the source as provenance, and the sync only
 * ever removes what it added.
 *
 * @example
 * ```ts
 * const sync = new HostSync(domain, wordpressSource(hostDb), { mappings: [{ hostRole: 'editor', groupId: editors }], emailAttribute: 'email' });
 * await sync.reconcileAll({ batchSize: 1000, onProgress: (p) => saveCursor(p.cursor) });
 * await sync.reconcileUser('wp:12'); // after WordPress's set_user_role
 * ```
 */
export class HostSync {
  readonly options: ParsedHostSyncOptions;
  readonly sourceName: string;
  readonly #domain: Domain;
  readonly #host: HostSource;
  #roles: { at: number; roles: readonly HostRole[]; mappings: ParsedHostSyncOptions['mappings']; ignored: RoleMapping[] } | undefined;

  constructor(domain: Domain, source: HostSource, options: HostSyncOptions = {}) {
    this.#domain = domain;
    this.#host = source;
    this.options = hostSyncOptionsSchema.parse(options);
    this.sourceName = this.options.source ?? source.name;
  }

  /**
   * Brings one user up to date with the host, at once: its contact (created or matched by e-mail, fields kept
   * current), its link (suspended while blocked, removed or suspended when deleted) and its mapped groups.
   * Idempotent: a second call changes nothing.
   *
   * @example
   * ```ts
   * const changes = await sync.reconcileUser('drupal:17');
   * changes.removed; // [{ groupId: 4, contactId: 9, userId: 'drupal:17' }]
   * ```
   */
  async reconcileUser(userId: string): Promise<SyncChanges> {
    const id = z.string().min(1).max(191).parse(userId);
    const { roles } = await this.#checkedRoles();
    // The host's user and rowguard's side of it are read at once (two connections of the pools).
    const [user, linked] = await Promise.all([this.#host.readUser(id, roles), this.#domain.userLinks().linkedState([id], this.#groups())]);
    const state = user ? await this.#state([user], [], undefined, linked) : await this.#state([], [id], undefined, linked);
    const plan = planBatch(state, this.#parsed(), this.sourceName);
    const changes = noChanges();
    await this.#apply(plan, false, changes, Number.MAX_SAFE_INTEGER);
    return changes;
  }

  /**
   * Brings every user up to date, `batchSize` users per transaction, then removes or suspends the links of
   * users the host no longer has. `onProgress` gets the cursor after each batch: a run stopped by a crash
   * loses nothing (each batch is all or nothing) and resumes from its last cursor; a rerun from scratch
   * converges to the same state. A dry run writes nothing and reports what it would do, the removal guard
   * included.
   *
   * @example
   * ```ts
   * const report = await sync.reconcileAll({ batchSize: 1000, cursor: saved ?? undefined, onProgress: (p) => (saved = p.cursor) });
   * ```
   */
  async reconcileAll(options: ReconcileAllOptions = {}): Promise<SyncRunReport> {
    const o = reconcileAllSchema.parse(options);
    const started = performance.now();
    const { roles, ignored } = await this.#checkedRoles(true);
    const guard = new RemovalGuard(this.#domain, this.sourceName, this.options.removalGuard, o.force);
    const changes = noChanges();
    let at = parseCursor(o.cursor ?? 'users:0');
    let users = 0;
    let links = 0;
    const pool = at.phase === 'users' ? await this.#candidatePool() : undefined;
    const emit = (phase: 'users' | 'links', processed: number) => o.onProgress?.({ phase, processed, cursor: at.phase === 'done' ? 'done' : `${at.phase}:${at.after}` });
    while (at.phase === 'users') {
      const page = await this.#host.readUsers({ after: at.after, limit: o.batchSize }, roles);
      if (page.length === 0) {
        at = { phase: 'links', after: 0 };
        break;
      }
      const plan = await guard.filter(planBatch(await this.#state(page, [], pool), this.#parsed(), this.sourceName));
      await this.#apply(plan, o.dryRun, changes, o.listLimit);
      if (pool) for (const l of plan.link) pool.used.add(l.contactId);
      users += page.length;
      at = { phase: 'users', after: page[page.length - 1]?.key ?? at.after };
      emit('users', users);
    }
    while (at.phase === 'links') {
      const page = await this.#domain.userLinks().list({ afterContactId: at.after, limit: Math.min(o.batchSize * 5, 10_000) });
      if (page.length === 0) {
        at = { phase: 'done', after: 0 };
        break;
      }
      let mine = page.filter((l) => l.userId.startsWith(this.#host.idPrefix));
      if (this.#host.idPrefix === '') {
        // A source without an id prefix cannot tell its links from another's: it claims only the links whose
        // contact holds a membership it made.
        const made = new Set((await this.#domain.userLinks().membershipsOf(mine.map((l) => l.contactId))).filter((m) => m.source === this.sourceName).map((m) => m.contactId));
        mine = mine.filter((l) => made.has(l.contactId));
      }
      const mineIds = mine.map((l) => l.userId);
      const existing = mineIds.length > 0 ? await this.#host.existingUsers(mineIds) : new Set<string>();
      const gone = mineIds.filter((u) => !existing.has(u));
      if (gone.length > 0) {
        const plan = await guard.filter(planBatch(await this.#state([], gone), this.#parsed(), this.sourceName));
        await this.#apply(plan, o.dryRun, changes, o.listLimit);
      }
      links += page.length;
      at = { phase: 'links', after: page[page.length - 1]?.contactId ?? at.after };
      emit('links', links);
    }
    return {
      dryRun: o.dryRun,
      users,
      links,
      cursor: 'done',
      changes,
      guarded: guard.hits(),
      ignoredMappings: ignored,
      durationMs: performance.now() - started,
    };
  }

  /**
   * Every unlinked contact with an e-mail, by lower-cased e-mail, read once for a run (a page of 10,000 per
   * query) so that matching users by e-mail costs nothing per batch.
   */
  async #candidatePool(): Promise<CandidatePool | undefined> {
    const attribute = this.options.emailAttribute;
    if (!attribute) return undefined;
    const pool: CandidatePool = { byEmail: new Map(), used: new Set() };
    let after = 0;
    for (;;) {
      const page = await this.#domain.userLinks().unlinkedContacts(attribute, { afterContactId: after, limit: MAX_LINK_BATCH });
      for (const c of page) {
        const key = c.value.toLowerCase();
        const list = pool.byEmail.get(key);
        if (list) list.push(c.contactId);
        else pool.byEmail.set(key, [c.contactId]);
      }
      if (page.length < MAX_LINK_BATCH) return pool;
      after = page[page.length - 1]?.contactId ?? after;
    }
  }

  /** The host's roles, and the mappings checked against them (cached `rolesCacheMs`; `fresh` reads again). */
  async #checkedRoles(fresh = false): Promise<{ roles: readonly HostRole[]; ignored: RoleMapping[] }> {
    const now = Date.now();
    if (!fresh && this.#roles && now - this.#roles.at < this.options.rolesCacheMs) return this.#roles;
    const roles = await this.#host.listRoles();
    const ids = new Set(roles.map((r) => r.id));
    const missing = this.options.mappings.filter((m) => !ids.has(m.hostRole));
    if (missing.length > 0 && this.options.onMissingRole === 'error') throw new MissingHostRoleError(this.sourceName, missing);
    const mappings = this.options.mappings.filter((m) => ids.has(m.hostRole));
    this.#roles = { at: now, roles, mappings, ignored: missing };
    return this.#roles;
  }

  /** The options with only the mappings whose roles exist. */
  #parsed(): ParsedHostSyncOptions {
    return { ...this.options, mappings: this.#roles?.mappings ?? this.options.mappings };
  }

  /** Reads what planning a batch needs from the domain, in a few queries for the whole batch. */
  /** The mapped groups. */
  #groups(): number[] {
    return [...new Set(this.#parsed().mappings.map((m) => m.groupId))];
  }

  async #state(users: readonly HostUserRecord[], gone: readonly string[], pool?: CandidatePool, read?: LinkedState): Promise<BatchState> {
    const d = this.#domain.userLinks();
    const ids = [...users.map((u) => u.id), ...gone];
    const groups = this.#groups();
    const links = new Map<string, UserLink>();
    const contacts = new Map<number, LinkedContactFields>();
    const memberships = new Map<string, MembershipRow>();
    // Links, their contacts' fields and memberships: one query per 500 users (or already read).
    for (const part of read ? [[]] : inChunks(ids, 5000)) {
      const state = read ?? (await d.linkedState(part, groups));
      for (const l of state.links) links.set(l.userId, l);
      for (const c of state.contacts) contacts.set(c.contactId, c);
      for (const m of state.memberships) memberships.set(`${m.groupId}:${m.contactId}`, m);
    }
    const candidates = new Map<string, number[]>();
    const emails = this.options.emailAttribute ? users.filter((u) => !u.blocked && !links.has(u.id) && u.email).map((u) => u.email as string) : [];
    if (pool) {
      for (const e of emails) {
        const found = pool.byEmail.get(e.toLowerCase())?.filter((id) => !pool.used.has(id));
        if (found && found.length > 0) candidates.set(e.toLowerCase(), found);
      }
    } else if (this.options.emailAttribute && emails.length > 0) {
      for (const part of inChunks(emails, 5000)) {
        for (const c of await d.linkCandidates(this.options.emailAttribute, part)) {
          if (c.linked) continue;
          const key = c.value.toLowerCase();
          candidates.set(key, [...(candidates.get(key) ?? []), c.contactId]);
        }
      }
    }
    // The candidates' fields and memberships (few: only contacts an unlinked user's e-mail matched).
    const candidateIds = [...new Set([...candidates.values()].flat())].filter((id) => !contacts.has(id));
    for (const part of inChunks(candidateIds, MAX_LINK_BATCH)) {
      for (const c of await d.contactFields(part)) contacts.set(c.contactId, c);
      if (groups.length > 0) for (const m of await d.membershipsOf(part, groups)) memberships.set(`${m.groupId}:${m.contactId}`, m);
    }
    return { users, gone, links, candidates, contacts, memberships };
  }

  /** Writes a plan (one transaction) unless `dryRun`, and adds it to the report. */
  async #apply(plan: BatchPlan, dryRun: boolean, changes: SyncChanges, listLimit: number): Promise<void> {
    if (!dryRun && !emptyPlan(plan)) {
      const batch: UserSyncBatch = {
        source: this.sourceName,
        create: plan.create,
        link: plan.link,
        unlink: plan.unlink,
        suspend: plan.suspend,
        update: plan.update,
        memberships: plan.memberships.map((m) =>
          m.contactId === null ? { groupId: m.groupId, userId: m.userId, status: m.status } : { groupId: m.groupId, contactId: m.contactId, userId: m.userId, status: m.status },
        ),
      };
      await this.#domain.admin(`sync:${this.sourceName}`).applyUserSync(batch);
    }
    changes.created += plan.create.length;
    changes.linked += plan.link.length;
    changes.updated += plan.update.length;
    changes.suspended += plan.suspend.filter((s) => s.suspended).length;
    changes.resumed += plan.suspend.filter((s) => !s.suspended).length;
    changes.unlinked += plan.unlink.length;
    changes.skipped += plan.skipped.length;
    for (const m of plan.memberships) {
      if (m.status === 'Added') changes.addedCount++;
      else changes.removedCount++;
      const list = m.status === 'Added' ? changes.added : changes.removed;
      if (list.length < listLimit) list.push({ groupId: m.groupId, contactId: m.contactId, userId: m.userId });
    }
  }
}
