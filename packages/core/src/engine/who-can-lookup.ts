import { sql } from 'kysely';
import { reverseLookup, type ReverseRelation } from '../decide/who-can.js';
import { PolicyError } from '../model/engine-errors.js';
import type { Operation } from '../model/operation-model.js';
import type { ContactFacts, EntryDef, PolicySnapshot } from '../model/policy-model.js';
import { computeRelations } from '../model/relationship-model.js';
import { loadContactFacts, loadRelationships } from '../store/policy-store.js';
import type { EngineInternals } from './engine-internals.js';
import { WhoCanReport, type Reach } from './who-can-report.js';

/** Options of the reverse lookup. */
export interface WhoCanOptions {
  /** Count how many contacts and users each group and role reaches (default true; cached per policy version). */
  readonly reach?: boolean;
}

/** Reach counts per policy version: a new version (a new snapshot object) starts afresh. */
const reachCache = new WeakMap<PolicySnapshot, Map<string, Promise<Reach>>>();

/**
 * Who reaches the contact through relationships: the contacts on its current rows (first degree) and, when
 * second degree is on, the contacts on its neighbours' rows, each decided with the same in-memory rule the
 * subject resolution uses (`computeRelations` from the holder's side), so both directions agree.
 */
async function reverseRelations(engine: EngineInternals, snapshot: PolicySnapshot, contactId: number): Promise<ReverseRelation[]> {
  if (snapshot.relationshipTypes.size === 0) return [];
  const store = engine.store;
  let rows = await loadRelationships(store, snapshot.domainId, [contactId]);
  const neighbours = new Set(rows.flatMap((r) => [r.contactA, r.contactB]).filter((id) => id !== contactId));
  if (engine.secondDegree && neighbours.size > 0) rows = await loadRelationships(store, snapshot.domainId, [contactId, ...neighbours]);
  const holders = new Set(rows.flatMap((r) => [r.contactA, r.contactB]).filter((id) => id !== contactId));
  const today = engine.today();
  const out: ReverseRelation[] = [];
  for (const holder of holders) {
    for (const r of computeRelations(holder, rows, snapshot.relationshipTypes, today, engine.secondDegree)) {
      if (r.contactId === contactId) out.push({ holder, typeId: r.typeId, level: r.level, degree: r.degree, path: r.path });
    }
  }
  return out;
}

/** Checked delegations per policy version and day, as subject sessions keep their resolution. */
const delegationCache = new WeakMap<PolicySnapshot, { today: string; entries: Promise<EntryDef[]> }>();

/**
 * Delegations as checked for each recipient (the forward resolution's own check, so both agree), once per policy
 * version and day, as a subject session re-resolves its subject.
 */
function checkedDelegations(engine: EngineInternals, snapshot: PolicySnapshot): Promise<EntryDef[]> {
  const today = engine.today();
  const cached = delegationCache.get(snapshot);
  if (cached?.today === today) return cached.entries;
  const entries = resolveDelegations(engine, snapshot);
  delegationCache.set(snapshot, { today, entries });
  entries.catch(() => delegationCache.delete(snapshot));
  return entries;
}

async function resolveDelegations(engine: EngineInternals, snapshot: PolicySnapshot): Promise<EntryDef[]> {
  const recipients = new Set<number>();
  for (const e of snapshot.entries) if (e.active && e.object.type === 'delegation' && e.owner.type === 'contact') recipients.add(e.owner.id);
  const out: EntryDef[] = [];
  for (const recipient of recipients) {
    const subject = await engine.resolve(snapshot, { contactId: recipient }).catch(() => null);
    if (subject) out.push(...subject.extraEntries.filter((e) => e.object.type === 'delegated'));
  }
  return out;
}

async function countReach(engine: EngineInternals, domainId: number, groupIds: readonly number[], roleId: number | null): Promise<Reach> {
  const { db, tables } = engine.store;
  const parts = [];
  if (groupIds.length > 0) {
    parts.push(sql`select contact_id from ${sql.table(tables.groupContact)} where group_id in (${sql.join(groupIds)}) and status = ${'Added'}`);
  }
  if (roleId !== null) {
    parts.push(
      sql`select assignee_id as contact_id from ${sql.table(tables.roleAssignment)} where domain_id = ${domainId} and role_id = ${roleId} and assignee_type = ${'contact'} and is_active = ${1}`,
    );
  }
  if (parts.length === 0) return { contacts: 0, users: 0 };
  const { rows } = await sql<{ contacts: unknown; users: unknown }>`select count(*) as ${sql.id('contacts')}, count(ul.user_id) as ${sql.id('users')}
    from (${sql.join(parts, sql` union `)}) m left join ${sql.table(tables.userLink)} ul on ul.domain_id = ${domainId} and ul.contact_id = m.contact_id`.execute(db);
  return { contacts: Number(rows[0]?.contacts ?? 0), users: Number(rows[0]?.users ?? 0) };
}

/** How many contacts (and users) hold a group or a role: Added members, direct assignees and assigned groups' members. */
function reachOf(engine: EngineInternals, snapshot: PolicySnapshot, key: string): Promise<Reach> {
  let cache = reachCache.get(snapshot);
  if (!cache) reachCache.set(snapshot, (cache = new Map()));
  let pending = cache.get(key);
  if (!pending) {
    const [type, raw] = key.split(':');
    const id = Number(raw);
    if (type === 'group') pending = countReach(engine, snapshot.domainId, [id], null);
    else if (type === 'authenticated') {
      pending = engine.store.db
        .selectFrom(engine.store.tables.userLink)
        .select((eb) => eb.fn.countAll().as('n'))
        .where('domain_id', '=', snapshot.domainId)
        .executeTakeFirst()
        .then((r) => ({ contacts: Number(r?.n ?? 0), users: Number(r?.n ?? 0) }));
    } else {
      const groups = snapshot.assignments.filter(
        (a) => a.active && a.roleId === id && a.assigneeType === 'group' && snapshot.groups.get(a.assigneeId)?.active && snapshot.groups.get(a.assigneeId)?.kind === 'static',
      );
      pending = countReach(engine, snapshot.domainId, groups.map((a) => a.assigneeId), id);
    }
    cache.set(key, pending);
    pending.catch(() => cache.delete(key));
  }
  return pending;
}

/**
 * Looks up who holds an operation on one contact: reads the contact's row, memberships and relationships by
 * indexed lookups (never a scan of contacts), checks the domain's delegations for their recipients, walks the
 * snapshot once in memory, and counts the reach of each group and role that appears (cached per version).
 *
 * @example
 * ```ts
 * const report = await lookUpWhoCan(internals, domainId, 'view', 12);
 * report.holders.map((h) => h.label);
 * ```
 */
export async function lookUpWhoCan(
  engine: EngineInternals,
  domainId: number,
  operation: Operation,
  contactId: number,
  options: WhoCanOptions = {},
): Promise<WhoCanReport> {
  const snapshot = await engine.snapshot(domainId);
  const [loaded, relations, delegated] = await Promise.all([
    loadContactFacts(engine.store, [contactId]),
    reverseRelations(engine, snapshot, contactId),
    checkedDelegations(engine, snapshot),
  ]);
  const facts: ContactFacts | undefined = loaded.get(contactId);
  if (!facts || (facts.domainId !== null && facts.domainId !== domainId)) {
    throw new PolicyError('unknown_contact', `contact ${contactId} does not exist in domain ${domainId}`, { contactId, domainId });
  }
  const lookup = reverseLookup({ snapshot, operation, facts, relations, delegated, expand: (n) => engine.expandPermissions(n) });
  const reach = new Map<string, Reach>();
  if (options.reach !== false) {
    const keys = new Set<string>();
    for (const g of lookup.grants) if (g.holder.type === 'group' || g.holder.type === 'role') keys.add(`${g.holder.type}:${g.holder.id}`);
    for (const id of lookup.administratorRoles) keys.add(`role:${id}`);
    for (const roles of Object.values(lookup.permissionRoles)) for (const id of roles) keys.add(`role:${id}`);
    if (lookup.grants.some((g) => g.holder.type === 'authenticated')) keys.add('authenticated:0');
    await Promise.all([...keys].map(async (k) => reach.set(k, await reachOf(engine, snapshot, k))));
  }
  return new WhoCanReport(lookup, snapshot, facts, reach, engine.runtimeGrantSources(), engine.hasPermissionProvider);
}
