import { sql } from 'kysely';
import type { AccessPlan } from '../decide/access-plan.js';
import { decideInMemory, type DecisionDetail } from '../decide/decision-memory.js';
import type { Operation } from '../model/operation-model.js';
import { loadContactFacts } from '../store/policy-store.js';
import { compilePlanClause, shapedClause } from './session-clause.js';
import type { SessionPlans } from './session-plans.js';

/** The detail of a decision that failed (deny, reason `error`); copy it before handing it out. */
export const FAILED_DETAIL: DecisionDetail = {
  allowed: false,
  reason: 'error',
  applicable: [],
  decidingTier: null,
  deciding: null,
  losers: [],
  conflicts: [],
  extension: null,
};

/** How many ids one `checkMany` query tests. */
const IDS_PER_QUERY = 500;

/**
 * Decides one operation on one contact in memory, from the contact's fields, sub-types and memberships.
 *
 * @example
 * ```ts
 * const { detail } = await decideContact(plans, 'view', 42);
 * detail.allowed;
 * ```
 */
export async function decideContact(plans: SessionPlans, op: Operation, contactId: number): Promise<{ detail: DecisionDetail; plan: AccessPlan }> {
  const { snapshot, plan } = await plans.plan(op);
  const facts = (await loadContactFacts(plans.engine.store, [contactId])).get(contactId);
  return { detail: decideInMemory(plan, snapshot, facts), plan };
}

/**
 * The contacts among `ids` the subject may act on, through the SQL clause (one query per 500 ids).
 *
 * @example
 * ```ts
 * await allowedAmong(plans, 'view', [1, 2, 3]); // [1, 3]
 * ```
 */
export async function allowedAmong(plans: SessionPlans, op: Operation, ids: readonly number[]): Promise<number[]> {
  const { snapshot, plan } = await plans.plan(op);
  const engine = plans.engine;
  const { db, contacts } = engine.store;
  const alias = 'rg_c';
  const clause = compilePlanClause(engine, plan, snapshot, alias);
  const out: number[] = [];
  for (let i = 0; i < ids.length; i += IDS_PER_QUERY) {
    const part = ids.slice(i, i + IDS_PER_QUERY);
    const { rows } = await sql<{ id: unknown }>`select ${sql.ref(`${alias}.${contacts.columns.id}`)} as ${sql.id('id')} from ${sql.table(
      engine.contactTable,
    )} as ${sql.id(alias)} where ${sql.ref(`${alias}.${contacts.columns.id}`)} in (${sql.join(part)}) and ${clause}`.execute(db);
    for (const r of rows) out.push(Number(r.id));
  }
  return out;
}

/**
 * One page of the ids of the contacts the subject may act on, ordered by id, after `afterId` (through the SQL
 * clause, shaped for paging).
 *
 * @example
 * ```ts
 * await permittedIdsPage(plans, 'view', 50, 0); // [1, 3, ...]
 * ```
 */
export async function permittedIdsPage(plans: SessionPlans, operation: Operation, limit: number, afterId: number): Promise<number[]> {
  const engine = plans.engine;
  const { contacts, db } = engine.store;
  const alias = 'rg_c';
  const id = sql.ref(`${alias}.${contacts.columns.id}`);
  const { clause } = await shapedClause(plans, operation, { alias, purpose: 'page' });
  const result = await sql<{ id: unknown }>`select ${id} as ${sql.id('id')} from ${sql.table(engine.contactTable)} as ${sql.id(
    alias,
  )} where ${id} > ${afterId} and ${clause} order by ${id} limit ${limit}`.execute(db);
  return result.rows.map((r) => Number(r.id));
}
