/**
 * The SQL form (`sql/`): an access plan compiled to one Kysely boolean expression over the host's contact
 * table, the same function as the in-memory decision (the differential suite checks it on three databases).
 * This file builds the tiered clause; smart and static group membership, relationships, id lists, entity
 * clauses and the choice of clause shape live beside it. Every value is a bound parameter; identifiers come
 * from validated configuration only.
 */
import { sql, type RawBuilder, type SqlBool } from 'kysely';
import type { AccessPlan } from '../decide/access-plan.js';
import type { ContactsConfig } from '../model/engine-config.js';
import { contactScopeFilters, objectsSql, tiersOf } from './clause-objects.js';
import { criteriaSql, isConstant, SQL_FALSE, SQL_TRUE, sqlAnd, sqlNot, sqlOr, type SqlContext } from './membership-sql.js';
import { memberUnionSelect } from './member-union.js';
import { criteriaTooDeep, objectTooDeep } from '../model/group-nesting.js';
import type { ObjectRef } from '../model/policy-model.js';

export { contactScopeFilters } from './clause-objects.js';

/**
 * The filters every answer carries: same domain, and not deleted unless the subject may see deleted contacts.
 *
 * @example
 * ```ts
 * sqlAnd(baseFilters(plan, contactsConfig, ctx)); // "c"."domain_id" = $1 and "c"."is_deleted" = $2
 * ```
 */
export function baseFilters(plan: AccessPlan, contacts: ContactsConfig, ctx: SqlContext): RawBuilder<SqlBool>[] {
  return contactScopeFilters(contacts, ctx.alias, plan.subject.domainId, plan.seesDeleted);
}

/**
 * Compiles a plan to the permission clause: a two-valued boolean over the contact alias that holds exactly
 * when the in-memory decision allows. Tiers are folded from the lowest up:
 * `R(i) = not deny(i) and (allow(i) or R(i+1))`, `R(after last) = false`.
 *
 * @example
 * ```ts
 * const clause = compileClause(plan, contactsConfig, ctx);
 * db.selectFrom('rg_contact as c').selectAll().where(clause);
 * ```
 */
export function compileClause(plan: AccessPlan, contacts: ContactsConfig, ctx: SqlContext): RawBuilder<SqlBool> {
  const base = baseFilters(plan, contacts, ctx);
  if (plan.administrator) return sqlAnd(base);
  const narrowed = plan.adjust.narrow.map((n) => (criteriaTooDeep(n.criteria, ctx.groups) ? SQL_FALSE : criteriaSql(n.criteria, ctx)));
  const union = ctx.unionForm === 'members' ? memberUnionSelect(plan, contacts, ctx) : unionSelect(plan, contacts, ctx);
  if (union) return sqlAnd([...base, sql<SqlBool>`${sql.ref(`${ctx.alias}.${ctx.idColumn}`)} in (${union})`, ...narrowed]);
  return sqlAnd([...base, sqlOr(disjuncts(plan, ctx)), ...narrowed]);
}

/**
 * With `ctx.unionOf`, and a clause that is an OR of several top-level disjuncts: `select id ... where <disjunct 1>
 * union select id ... where <disjunct 2> ...`, each SELECT over its own alias. Each branch can drive from its own
 * index (a country range, a membership list) and the database semi-joins the union once, instead of testing an OR
 * of subqueries on every row. Null otherwise.
 *
 * @example
 * ```ts
 * const union = unionSelect(plan, contactsConfig, { ...ctx, unionOf: { table: 'rg_contact', alias: 'rg_u' } });
 * ```
 */
export function unionSelect(plan: AccessPlan, contacts: ContactsConfig, ctx: SqlContext): RawBuilder<unknown> | null {
  if (!ctx.unionOf || plan.administrator) return null;
  // Its own memo of compiled smart groups: predicates compiled over the outer alias must not be reused here.
  const inner: SqlContext = { ...ctx, alias: ctx.unionOf.alias, compiled: new WeakMap() };
  const branches = disjuncts(plan, inner);
  if (branches.length < 2) return null;
  const innerBase = contactScopeFilters(contacts, inner.alias, plan.subject.domainId, plan.seesDeleted);
  const id = sql.ref(`${inner.alias}.${ctx.idColumn}`);
  const table = sql.table(ctx.unionOf.table);
  return sql.join(
    branches.map((b) => sql`select ${id} from ${table} as ${sql.id(inner.alias)} where ${sqlAnd([...innerBase, b])}`),
    sql` union `,
  );
}

/**
 * The clause's tiers and widening adjustments as a list of predicates it is the OR of. Tiers fold from the
 * lowest up: `R(i) = not deny(i) and (allow(i) or R(i+1))`, `R(after last) = false`; a tier without a deny adds
 * its allow to the list instead of nesting.
 */
function disjuncts(plan: AccessPlan, ctx: SqlContext): RawBuilder<SqlBool>[] {
  let rest: RawBuilder<SqlBool>[] = [];
  // An entry naming a group nested too deep fails closed on its own (as in memory): a deny covers every
  // contact, an allow none; the other entries compile as usual.
  const failed = (object: ObjectRef): boolean => objectTooDeep(object, ctx.groups);
  for (const tier of tiersOf(plan.entries).reverse()) {
    const objects = (effect: 'allow' | 'deny') => tier.filter((p) => p.entry.effect === effect).map((p) => p.entry.object);
    const allow = objectsSql(
      objects('allow').filter((o) => !failed(o)),
      ctx,
    );
    const deny = objects('deny').some(failed) ? SQL_TRUE : objectsSql(objects('deny'), ctx);
    if (isConstant(deny, false)) rest = [allow, ...rest];
    else rest = [sqlAnd([sqlNot(deny), sqlOr([allow, ...rest])])];
  }
  const all = [...rest, ...plan.adjust.widen.filter((w) => !criteriaTooDeep(w.criteria, ctx.groups)).map((w) => criteriaSql(w.criteria, ctx))];
  return all.filter((p) => !isConstant(p, false));
}
