/**
 * The SQL form of "related to the subject": `exists` subqueries over current permissioned relationships, the
 * same rule `relationship-model.ts` applies in memory.
 */
import { sql, type RawBuilder, type SqlBool } from 'kysely';
import { sqlOr, SQL_FALSE, type SqlContext } from './membership-sql.js';

/** Compiles one permissioned step `from -> to` over a relationship alias joined with its type. */
function stepSql(
  ctx: SqlContext,
  r: string,
  t: string,
  from: RawBuilder<unknown>,
  to: RawBuilder<unknown>,
  levels: readonly string[],
  typeId: number | null,
): RawBuilder<SqlBool> {
  const c = (alias: string, col: string) => sql.ref(`${alias}.${col}`);
  const current = sql<SqlBool>`${c(r, 'is_active')} = ${1} and ${c(t, 'is_active')} = ${1} and (${c(r, 'start_date')} is null or ${c(
    r,
    'start_date',
  )} <= ${ctx.today}) and (${c(r, 'end_date')} is null or ${c(r, 'end_date')} >= ${ctx.today})${
    typeId === null ? sql`` : sql` and ${c(r, 'type_id')} = ${typeId}`
  }`;
  const lv = sql.join([...levels]);
  return sql<SqlBool>`${current} and ((${c(r, 'contact_a')} = ${from} and ${c(r, 'contact_b')} = ${to} and ${c(
    t,
    'permission_a_b',
  )} in (${lv})) or (${c(r, 'contact_b')} = ${from} and ${c(r, 'contact_a')} = ${to} and ${c(t, 'permission_b_a')} in (${lv})))`;
}

function nextAlias(ctx: SqlContext, base: string): string {
  ctx.counter.n += 1;
  return `${base}${ctx.counter.n}`;
}

/**
 * The SQL form of "related to the subject": an `exists` over current permissioned relationships from the
 * subject to the contact row, and (opt-in, any type only) through one intermediate contact.
 *
 * @example
 * ```ts
 * relatedSql(ctx, null, 'view');
 * ```
 */
export function relatedSql(ctx: SqlContext, typeId: number | null, permission: 'view' | 'edit'): RawBuilder<SqlBool> {
  if (ctx.subjectContactId === null) return SQL_FALSE;
  const levels = permission === 'view' ? ['view', 'edit'] : ['edit'];
  const target = sql.ref(`${ctx.alias}.${ctx.idColumn}`);
  const subject = sql`${ctx.subjectContactId}`;
  const rel = ctx.tables.relationship;
  const typ = ctx.tables.relationshipType;
  const r1 = nextAlias(ctx, 'rg_r');
  const t1 = nextAlias(ctx, 'rg_t');
  const join = (r: string, t: string) =>
    sql`${sql.table(rel)} as ${sql.id(r)} join ${sql.table(typ)} as ${sql.id(t)} on ${sql.ref(`${t}.id`)} = ${sql.ref(`${r}.type_id`)}`;
  const first = sql<SqlBool>`exists (select 1 from ${join(r1, t1)} where ${stepSql(ctx, r1, t1, subject, target, levels, typeId)})`;
  if (!ctx.secondDegree || typeId !== null) return first;
  const parts = [first];
  for (const [fromCol, midCol, perm] of [
    ['contact_a', 'contact_b', 'permission_a_b'],
    ['contact_b', 'contact_a', 'permission_b_a'],
  ] as const) {
    const ra = nextAlias(ctx, 'rg_r');
    const ta = nextAlias(ctx, 'rg_t');
    const rb = nextAlias(ctx, 'rg_r');
    const tb = nextAlias(ctx, 'rg_t');
    const mid = sql.ref(`${ra}.${midCol}`);
    parts.push(
      sql<SqlBool>`exists (select 1 from ${join(ra, ta)} where ${sql.ref(`${ra}.is_active`)} = ${1} and ${sql.ref(`${ta}.is_active`)} = ${1} and (${sql.ref(
        `${ra}.start_date`,
      )} is null or ${sql.ref(`${ra}.start_date`)} <= ${ctx.today}) and (${sql.ref(`${ra}.end_date`)} is null or ${sql.ref(
        `${ra}.end_date`,
      )} >= ${ctx.today}) and ${sql.ref(`${ra}.${fromCol}`)} = ${subject} and ${target} <> ${subject} and ${sql.ref(`${ta}.${perm}`)} in (${sql.join([...levels])}) and exists (select 1 from ${join(
        rb,
        tb,
      )} where ${stepSql(ctx, rb, tb, mid, target, levels, null)}))`,
    );
  }
  return sqlOr(parts);
}
