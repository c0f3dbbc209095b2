import { sql, type RawBuilder, type SqlBool } from 'kysely';
import { isToken, type Criteria, type CriteriaValue, type FieldInfo } from '../model/criteria-schema.js';
import type { DialectKind } from '../model/dialect-kind.js';
import { idListSql, type PgIdType } from './id-list-sql.js';
import { valueListSql } from './value-list-sql.js';
import { likeToGlob, likeToSqlPattern } from '../model/like-pattern.js';
import type { FieldValue, GroupDef } from '../model/policy-model.js';
import { MAX_GROUP_NESTING } from '../model/policy-limits.js';
import type { TableNames } from '../store/table-names.js';
import type { ClauseShape } from './clause-shape.js';

/** What compiling criteria to SQL needs. */
export interface SqlContext {
  readonly dialect: DialectKind;
  readonly tables: TableNames;
  readonly fields: ReadonlyMap<string, FieldInfo>;
  /** The alias of the host's contact table in the query the clause is ANDed into. */
  readonly alias: string;
  readonly idColumn: string;
  readonly groups: ReadonlyMap<number, GroupDef>;
  readonly subjectValues: Readonly<Record<string, FieldValue>>;
  /** Counter for unique subquery aliases. */
  readonly counter: { n: number };
  /** The subject's contact id (for `related` objects). */
  readonly subjectContactId: number | null;
  /** Today, `YYYY-MM-DD`, for relationship dates. */
  readonly today: string;
  /** Whether second-degree relationships count. */
  readonly secondDegree: boolean;
  /**
   * The shape of each "Added member of these static groups" test (see `clause-shape.ts`), by the sorted ids
   * joined with commas; `exists` when absent. A compile pass may record the sets it meets in `seen`.
   */
  readonly shapes?: ReadonlyMap<string, ClauseShape>;
  readonly seen?: Set<string>;
  /**
   * Compile the clause as `id in (select ... union select ...)` over this contact table and inner alias, one
   * SELECT per top-level disjunct (see `compileClause`); used for PostgreSQL counts.
   */
  readonly unionOf?: { readonly table: string; readonly alias: string };
  /**
   * With `unionOf`: `disjuncts` (the default) unions the clause's top-level disjuncts, each over the contact
   * table; `members` unions its terms, a member set's term read from the membership table alone (see
   * `member-union.ts`; used for MariaDB/MySQL counts of large member sets).
   */
  readonly unionForm?: 'disjuncts' | 'members';
  /**
   * For the `ids` shape: the members read when the clause was built, by the same keys as `shapes`. A key without
   * a list here falls back to `exists`.
   */
  readonly prefetched?: Pick<ReadonlyMap<string, readonly number[]>, 'get'>;
  /**
   * Smart-group predicates already compiled for this clause, by the subject values they were compiled for and
   * the group id: a group named by many entries (or many times inside other groups) compiles once.
   */
  readonly compiled?: WeakMap<object, Map<number, RawBuilder<SqlBool>>>;
  /** PostgreSQL: the contact id column's integer type, for long id lists (`bigint` when unknown). */
  readonly pgIdType?: PgIdType;
}

/** A constant true predicate (portable across dialects). */
export const SQL_TRUE: RawBuilder<SqlBool> = sql<SqlBool>`1 = 1`;
/** A constant false predicate (portable across dialects). */
export const SQL_FALSE: RawBuilder<SqlBool> = sql<SqlBool>`1 = 0`;

/** Whether a compiled predicate is one of the two constants. */
export function isConstant(expr: RawBuilder<SqlBool>, value: boolean): boolean {
  return expr === (value ? SQL_TRUE : SQL_FALSE);
}

/**
 * ORs predicates, folding constants.
 *
 * @example
 * ```ts
 * sqlOr([SQL_FALSE, x]); // x
 * ```
 */
export function sqlOr(parts: readonly RawBuilder<SqlBool>[]): RawBuilder<SqlBool> {
  if (parts.some((p) => isConstant(p, true))) return SQL_TRUE;
  const rest = parts.filter((p) => !isConstant(p, false));
  if (rest.length === 0) return SQL_FALSE;
  if (rest.length === 1) return rest[0] as RawBuilder<SqlBool>;
  return sql<SqlBool>`(${sql.join(rest, sql` or `)})`;
}

/**
 * ANDs predicates, folding constants.
 *
 * @example
 * ```ts
 * sqlAnd([SQL_TRUE, x]); // x
 * ```
 */
export function sqlAnd(parts: readonly RawBuilder<SqlBool>[]): RawBuilder<SqlBool> {
  if (parts.some((p) => isConstant(p, false))) return SQL_FALSE;
  const rest = parts.filter((p) => !isConstant(p, true));
  if (rest.length === 0) return SQL_TRUE;
  if (rest.length === 1) return rest[0] as RawBuilder<SqlBool>;
  return sql<SqlBool>`(${sql.join(rest, sql` and `)})`;
}

/**
 * Negates a predicate, folding constants. Only used on predicates that are never NULL.
 *
 * @example
 * ```ts
 * sqlNot(SQL_TRUE); // SQL_FALSE
 * ```
 */
export function sqlNot(part: RawBuilder<SqlBool>): RawBuilder<SqlBool> {
  if (isConstant(part, true)) return SQL_FALSE;
  if (isConstant(part, false)) return SQL_TRUE;
  return sql<SqlBool>`not (${part})`;
}

function nextAlias(ctx: SqlContext): string {
  ctx.counter.n += 1;
  return `rg_q${ctx.counter.n}`;
}

function contactIdRef(ctx: SqlContext): RawBuilder<unknown> {
  return sql.ref(`${ctx.alias}.${ctx.idColumn}`);
}

/**
 * `exists` over the engine's group-membership table for the contact, in the given groups with the given
 * status. Shaped (see `clause-shape.ts`) under the key of the comma-joined ids when `shaped` (static groups'
 * Added members), or under `e:<status>:<ids>` otherwise (a smart group's explicit Added / Removed rows, usually
 * few).
 *
 * @example
 * ```ts
 * membershipExists([3, 4], 'Added', ctx); // exists (select 1 from rg_group_contact q where q.group_id in (3, 4) and ...)
 * ```
 */
export function membershipExists(groupIds: readonly number[], status: string, ctx: SqlContext, shaped = true): RawBuilder<SqlBool> {
  return memberTest(ctx.tables.groupContact, groupIds, status, ctx, shaped ? groupIds.join(',') : `e:${status}:${groupIds.join(',')}`);
}

/**
 * The test "the contact is a materialised member of one of these smart groups" over the member table (see
 * `0004_group_members`), shaped like a static group's test under the key `m:<id>`.
 *
 * @example
 * ```ts
 * materialisedMemberSql([7], ctx); // exists (select 1 from rg_group_member q where q.contact_id = c.id and q.group_id = 7)
 * ```
 */
export function materialisedMemberSql(groupIds: readonly number[], ctx: SqlContext): RawBuilder<SqlBool> {
  return memberTest(ctx.tables.groupMember, groupIds, null, ctx, `m:${groupIds.join(',')}`);
}

function memberTest(table: string, groupIds: readonly number[], status: string | null, ctx: SqlContext, key: string | null): RawBuilder<SqlBool> {
  if (groupIds.length === 0) return SQL_FALSE;
  const a = nextAlias(ctx);
  // The engine's group ids are `integer` columns.
  const groupTest = idListSql(sql.ref(`${a}.group_id`), groupIds, ctx.dialect, 'integer');
  const from = sql`from ${sql.table(table)} as ${sql.id(a)}`;
  const members = status === null ? groupTest : sql`${groupTest} and ${sql.ref(`${a}.status`)} = ${status}`;
  const correlated = sql`${sql.ref(`${a}.contact_id`)} = ${contactIdRef(ctx)}`;
  let shape: ClauseShape = 'exists';
  if (key !== null) {
    ctx.seen?.add(key);
    shape = ctx.shapes?.get(key) ?? 'exists';
  }
  const ids = key !== null ? ctx.prefetched?.get(key) : undefined;
  if (shape === 'ids' && ids) {
    if (ids.length === 0) return SQL_FALSE;
    // PostgreSQL: a long list as one array parameter of the id column's type, which the planner hashes.
    if (ctx.dialect === 'postgres') return idListSql(contactIdRef(ctx), ids, 'postgres', ctx.pgIdType);
    return sql<SqlBool>`${contactIdRef(ctx)} in (${sql.join([...ids])})`;
  }
  switch (shape) {
    case 'probe':
      return sql<SqlBool>`(select 1 ${from} where ${correlated} and ${members} limit 1) is not null`;
    case 'in':
      return sql<SqlBool>`${contactIdRef(ctx)} in (select ${sql.ref(`${a}.contact_id`)} ${from} where ${members})`;
    case 'array':
      return sql<SqlBool>`${contactIdRef(ctx)} = any(array(select ${sql.ref(`${a}.contact_id`)} ${from} where ${members}))`;
    case 'hashed':
      // PostgreSQL only: the wrapped IN is not pulled up into a semi-join, so it becomes a hashed subplan.
      return sql<SqlBool>`(${contactIdRef(ctx)} in (select ${sql.ref(`${a}.contact_id`)} ${from} where ${members})) is true`;
    default:
      return sql<SqlBool>`exists (select 1 ${from} where ${correlated} and ${members})`;
  }
}

/**
 * The SQL predicate for membership of a group (see `isGroupMember` for the rule it encodes).
 *
 * @example
 * ```ts
 * groupMemberSql(3, ctx);
 * ```
 */
export function groupMemberSql(groupId: number, ctx: SqlContext, depth = 0): RawBuilder<SqlBool> {
  if (depth > MAX_GROUP_NESTING) throw new Error(`group nesting deeper than ${MAX_GROUP_NESTING} at group ${groupId}`);
  const group = ctx.groups.get(groupId);
  if (!group || !group.active) return SQL_FALSE;
  if (group.kind === 'static' || group.criteria === null) return membershipExists([groupId], 'Added', ctx);
  if (group.membersAt) return materialisedMemberSql([groupId], ctx);
  const memo = ctx.compiled?.get(ctx.subjectValues) ?? new Map<number, RawBuilder<SqlBool>>();
  if (ctx.compiled && !ctx.compiled.has(ctx.subjectValues)) ctx.compiled.set(ctx.subjectValues, memo);
  const known = memo.get(groupId);
  if (known) return known;
  const compiled = smartMemberSql(groupId, group, group.criteria, ctx, depth);
  memo.set(groupId, compiled);
  return compiled;
}

function smartMemberSql(groupId: number, group: GroupDef, criteria: Criteria, ctx: SqlContext, depth: number): RawBuilder<SqlBool> {
  // Recorded for `explainClause` (it checks the attribute indexes inlined criteria rely on).
  ctx.seen?.add(`t:${groupId}`);
  const matches = criteriaSql(criteria, ctx, depth);
  // Probes for explicit Added / Removed rows only where such rows exist (the snapshot knows; `undefined`
  // means unknown, so probe).
  const added = group.hasAdded === false ? SQL_FALSE : membershipExists([groupId], 'Added', ctx, false);
  const removed = group.hasRemoved === false ? SQL_FALSE : membershipExists([groupId], 'Removed', ctx, false);
  return sqlAnd([sqlNot(removed), sqlOr([added, matches])]);
}

function resolve(value: CriteriaValue, ctx: SqlContext): FieldValue {
  return isToken(value) ? (ctx.subjectValues[value.$subject] ?? null) : value;
}

const COMPARISONS: Readonly<Record<string, string>> = { '=': '=', '!=': '<>', '<': '<', '<=': '<=', '>': '>', '>=': '>=' };

/**
 * Compiles criteria to a two-valued SQL predicate over the contact alias: a comparison is guarded with
 * `is not null` so that NULL columns compare false, tokens are resolved to bound parameters for this subject,
 * and a NULL token compiles to a constant false.
 *
 * @example
 * ```ts
 * criteriaSql({ field: 'country', op: '=', value: 'VN' }, ctx); // ("c"."country" is not null and "c"."country" = $1)
 * ```
 */
export function criteriaSql(c: Criteria, ctx: SqlContext, depth = 0): RawBuilder<SqlBool> {
  if ('all' in c) return sqlAnd(c.all.map((x) => criteriaSql(x, ctx, depth)));
  if ('any' in c) return sqlOr(c.any.map((x) => criteriaSql(x, ctx, depth)));
  if ('not' in c) return sqlNot(criteriaSql(c.not, ctx, depth));
  if ('inGroup' in c) return groupMemberSql(c.inGroup, ctx, depth + 1);
  if ('subType' in c) {
    const a = nextAlias(ctx);
    const key = `s:${c.subType}`;
    ctx.seen?.add(key);
    const test = sql`from ${sql.table(ctx.tables.contactSubType)} as ${sql.id(a)} where ${sql.ref(`${a}.contact_id`)} = ${contactIdRef(ctx)} and ${sql.ref(
      `${a}.sub_type`,
    )} = ${c.subType}`;
    // A scalar probe keeps MariaDB from rewriting the test into an IN it materialises (see clause-shape.ts).
    if (ctx.shapes?.get(key) === 'probe') return sql<SqlBool>`(select 1 ${test} limit 1) is not null`;
    return sql<SqlBool>`exists (select 1 ${test})`;
  }
  const info = ctx.fields.get(c.field);
  if (!info) throw new Error(`unknown field '${c.field}'`);
  const col = sql.ref(`${ctx.alias}.${info.column}`);
  const notNull = sql<SqlBool>`${col} is not null`;
  switch (c.op) {
    case 'is null':
      return sql<SqlBool>`${col} is null`;
    case 'is not null':
      return notNull;
    case 'like':
      // A value holding NUL never matches (as in memory): SQLite's GLOB would stop reading at the NUL.
      // PostgreSQL text cannot hold NUL; MariaDB can, so both it and SQLite exclude such values.
      switch (ctx.dialect) {
        case 'sqlite':
          return sql<SqlBool>`(${notNull} and ${col} glob ${likeToGlob(c.value)} and instr(${col}, char(0)) = 0)`;
        case 'mysql':
          return sql<SqlBool>`(${notNull} and ${col} like ${likeToSqlPattern(c.value)} escape '!' and instr(${col}, char(0)) = 0)`;
        default:
          return sql<SqlBool>`(${notNull} and ${col} like ${likeToSqlPattern(c.value)} escape '!')`;
      }
    case 'in':
    case 'not in': {
      const values = c.value.map((v) => resolve(v, ctx)).filter((v): v is string | number => v !== null);
      if (values.length === 0) return c.op === 'in' ? SQL_FALSE : notNull;
      return sql<SqlBool>`(${notNull} and ${valueListSql(col, values, info.type, c.op, ctx.dialect)})`;
    }
    default: {
      const value = resolve(c.value, ctx);
      if (value === null) return SQL_FALSE;
      return sql<SqlBool>`(${notNull} and ${col} ${sql.raw(COMPARISONS[c.op] as string)} ${value})`;
    }
  }
}
