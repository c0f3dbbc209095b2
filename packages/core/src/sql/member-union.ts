/**
 * The member-driven union, a form of the permission clause for counts: the clause rewritten as a union of
 * terms, each one allow test less the denies of its tier and of the tiers above it, where a term whose allow is a
 * group's members (and whose denies test the contact id only) reads the membership table alone. The host's query
 * keeps its own filters and tests `id in (select id from (<term> union <term> ...))`, so each large member set is
 * read once from its index instead of probed for every contact row.
 */
import { sql, type RawBuilder, type SqlBool } from 'kysely';
import type { AccessPlan } from '../decide/access-plan.js';
import type { ContactsConfig } from '../model/engine-config.js';
import { criteriaTooDeep, objectTooDeep } from '../model/group-nesting.js';
import type { ObjectRef } from '../model/policy-model.js';
import { contactScopeFilters, objectsSql, tiersOf } from './clause-objects.js';
import { idListSql } from './id-list-sql.js';
import { sqlAnd, sqlNot, type SqlContext } from './membership-sql.js';

/** The members of one or more groups, read from a membership table. */
export interface MemberSet {
  readonly groups: readonly number[];
  /** `true`: the materialised members of smart groups; `false`: the Added members of static groups. */
  readonly materialised: boolean;
}

/** One term of the union: an allow test less the denies above it. */
export interface UnionTerm {
  /** The allowed objects (one member set, or the tier's other objects). */
  readonly allow: readonly ObjectRef[];
  /** Set when `allow` is one member set. */
  readonly members?: MemberSet;
  /** The deny objects of this tier and of every tier above it, one list per tier. */
  readonly denies: readonly (readonly ObjectRef[])[];
}

/** Splits a tier's allowed objects into one term per member set, plus one for everything else. */
function termsOfObjects(objects: readonly ObjectRef[], ctx: SqlContext): UnionTerm[] {
  const staticGroups = new Set<number>();
  const materialised = new Set<number>();
  const others: ObjectRef[] = [];
  for (const object of objects) {
    if (object.type !== 'group-members') {
      others.push(object);
      continue;
    }
    const group = ctx.groups.get(object.groupId);
    if (!group || !group.active) continue;
    if (group.kind === 'static' || group.criteria === null) staticGroups.add(object.groupId);
    else if (group.membersAt) materialised.add(object.groupId);
    else others.push(object);
  }
  const terms: UnionTerm[] = [];
  const sorted = (ids: Set<number>) => [...ids].sort((a, b) => a - b);
  if (staticGroups.size > 0) {
    const groups = sorted(staticGroups);
    terms.push({ allow: groups.map((groupId) => ({ type: 'group-members', groupId })), members: { groups, materialised: false }, denies: [] });
  }
  if (materialised.size > 0) {
    const groups = sorted(materialised);
    terms.push({ allow: groups.map((groupId) => ({ type: 'group-members', groupId })), members: { groups, materialised: true }, denies: [] });
  }
  if (others.length > 0) terms.push({ allow: others, denies: [] });
  return terms;
}

/**
 * The plan as a union of terms (the same function as the OR of tiers): tiers fold from the lowest up, each
 * tier's allowed objects become terms and its deny is added to every term of the tier and below. An entry naming
 * a group nested too deep fails closed on its own: a deny removes every term it covers, an allow adds none.
 *
 * @example
 * ```ts
 * const terms = memberUnionTerms(plan, ctx);
 * const large = terms.filter((t) => t.members); // the member sets a count reads from the membership index
 * ```
 */
export function memberUnionTerms(plan: AccessPlan, ctx: SqlContext): UnionTerm[] {
  let rest: UnionTerm[] = [];
  const failed = (object: ObjectRef): boolean => objectTooDeep(object, ctx.groups);
  for (const tier of tiersOf(plan.entries).reverse()) {
    const objects = (effect: 'allow' | 'deny') => tier.filter((p) => p.entry.effect === effect).map((p) => p.entry.object);
    const terms = [
      ...termsOfObjects(
        objects('allow').filter((o) => !failed(o)),
        ctx,
      ),
      ...rest,
    ];
    const deny = objects('deny');
    if (deny.some(failed)) rest = [];
    else rest = deny.length === 0 ? terms : terms.map((t) => ({ ...t, denies: [...t.denies, deny] }));
  }
  for (const widen of plan.adjust.widen) {
    if (!criteriaTooDeep(widen.criteria, ctx.groups)) rest.push({ allow: [{ type: 'criteria', criteria: widen.criteria }], denies: [] });
  }
  return rest;
}

/** Whether an object's predicate reads nothing but the contact id (so it can be tested on a membership row). */
function testsIdOnly(object: ObjectRef, ctx: SqlContext): boolean {
  switch (object.type) {
    case 'all-contacts':
    case 'contact':
    case 'contact-ids':
    case 'delegation':
    case 'entity':
      return true;
    case 'group-members': {
      const group = ctx.groups.get(object.groupId);
      return !group || !group.active || group.kind === 'static' || group.criteria === null || Boolean(group.membersAt);
    }
    default:
      return false;
  }
}

/**
 * `select <alias>.id from (<term> union <term> ...) as <alias>`, or null when the plan has fewer than two terms.
 * A member-set term whose denies test the contact id only reads the membership table alone; any other term
 * reads the contact table under `ctx.unionOf.alias` with the domain and deleted filters.
 *
 * @example
 * ```ts
 * const select = memberUnionSelect(plan, contactsConfig, { ...ctx, unionOf: { table: 'rg_contact', alias: 'rg_u' } });
 * db.selectFrom('rg_contact as c').select((eb) => eb.fn.countAll().as('n')).where(sql`c.id in (${select})`);
 * ```
 */
export function memberUnionSelect(plan: AccessPlan, contacts: ContactsConfig, ctx: SqlContext): RawBuilder<unknown> | null {
  const unionOf = ctx.unionOf;
  if (!unionOf || plan.administrator) return null;
  const terms = memberUnionTerms(plan, ctx);
  if (terms.length < 2) return null;
  const rowAlias = unionOf.alias;
  const memberAlias = `${rowAlias}_m`;
  const outAlias = `${rowAlias}_d`;
  // A deny is repeated in every term below it: each list of ids read when the clause was built is bound in the
  // first term that tests it and the others test `exists`, so the union binds no more ids than the shapes chose.
  const bound = new Set<string>();
  const source = ctx.prefetched;
  const prefetched = source && {
    get: (key: string): readonly number[] | undefined => {
      if (bound.has(key)) return undefined;
      bound.add(key);
      return source.get(key);
    },
  };
  const shared = prefetched ? { prefetched } : {};
  // Its own memo of compiled smart groups: predicates compiled over the outer alias must not be reused here.
  const rowCtx: SqlContext = { ...ctx, ...shared, alias: rowAlias, compiled: new WeakMap() };
  // On a membership row the contact id is its `contact_id` (no smart group is compiled there: see testsIdOnly).
  const memberCtx: SqlContext = { ...ctx, ...shared, alias: memberAlias, idColumn: 'contact_id', compiled: new WeakMap() };
  const branches = terms.map((term) => {
    const members = term.members;
    if (members && term.denies.every((d) => d.every((o) => testsIdOnly(o, ctx)))) {
      const table = members.materialised ? ctx.tables.groupMember : ctx.tables.groupContact;
      const groupTest = idListSql(sql.ref(`${memberAlias}.group_id`), members.groups, ctx.dialect, 'integer');
      const added = members.materialised ? [] : [sql<SqlBool>`${sql.ref(`${memberAlias}.status`)} = ${'Added'}`];
      const where = sqlAnd([groupTest, ...added, ...term.denies.map((d) => sqlNot(objectsSql(d, memberCtx)))]);
      return sql`select ${sql.ref(`${memberAlias}.contact_id`)} as ${sql.id('rg_id')} from ${sql.table(table)} as ${sql.id(memberAlias)} where ${where}`;
    }
    const where = sqlAnd([
      ...contactScopeFilters(contacts, rowAlias, plan.subject.domainId, plan.seesDeleted),
      objectsSql(term.allow, rowCtx),
      ...term.denies.map((d) => sqlNot(objectsSql(d, rowCtx))),
    ]);
    return sql`select ${sql.ref(`${rowAlias}.${ctx.idColumn}`)} as ${sql.id('rg_id')} from ${sql.table(unionOf.table)} as ${sql.id(rowAlias)} where ${where}`;
  });
  return sql`select ${sql.ref(`${outAlias}.rg_id`)} from (${sql.join(branches, sql` union `)}) as ${sql.id(outAlias)}`;
}
