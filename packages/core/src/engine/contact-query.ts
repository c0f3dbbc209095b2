/**
 * Reading a domain's contacts without a subject: the contacts that match criteria (the smart-group language,
 * compiled by the same code as the permission clause), page by page, with their type, sort name and declared
 * attributes. It is what a host's sync or installer needs (find the contact with this e-mail, list a group's
 * members); decisions on behalf of a person go through a subject session instead. The query is validated with
 * zod and checked like a smart group's criteria; every value reaches the database as a bound parameter.
 */
import { sql, type RawBuilder, type SqlBool } from 'kysely';
import { z } from 'zod';
import { checkCriteria, isToken, type Criteria, type CriteriaValue } from '../model/criteria-schema.js';
import type { DialectKind } from '../model/dialect-kind.js';
import { PolicyError } from '../model/engine-errors.js';
import { criteriaSql, membershipExists, sqlAnd, type SqlContext } from '../sql/membership-sql.js';
import { contactScopeFilters } from '../sql/permission-clause.js';
import { integerRange } from '../model/policy-limits.js';
import { MEMBERSHIP_STATUSES, type FieldValue, type PolicySnapshot } from '../model/policy-model.js';
import { flag, normaliseFieldValue, type StoreContext } from '../store/policy-store.js';

/** Most contacts one page returns. */
export const MAX_CONTACT_PAGE = 10_000;

/**
 * zod schema of a contact query: `where` (criteria, checked against the configured fields; no `$subject`
 * tokens, since no subject is acting), `membership` (a stored membership row: contacts whose status in that
 * group is the one given, whatever the group's kind or state; `where: { inGroup }` is membership as decisions
 * see it), `withDeleted` (default false), and the page: ordered by id, after `afterId` (exclusive), at most
 * `limit` (default 1,000, at most 10,000).
 *
 * @example
 * ```ts
 * contactQuerySchema.parse({ where: { field: 'email', op: '=', value: 'lan@example.org' }, limit: 10 });
 * ```
 */
export const contactQuerySchema = z
  .object({
    where: z.custom<Criteria>((value) => value !== undefined).optional(),
    membership: z.object({ groupId: z.number().int().positive(), status: z.enum(MEMBERSHIP_STATUSES) }).strict().optional(),
    withDeleted: z.boolean().default(false),
    afterId: z.number().int().nonnegative().optional(),
    limit: z.number().int().min(1).max(MAX_CONTACT_PAGE).default(1000),
  })
  .strict();
/** A contact query (see {@link contactQuerySchema}). */
export type ContactQuery = z.input<typeof contactQuerySchema>;

/** A contact as a query returns it. Columns the contact table does not have read as null (false for `isDeleted`). */
export interface ContactRecord {
  readonly id: number;
  readonly contactType: string | null;
  readonly sortName: string | null;
  readonly isDeleted: boolean;
  /** Every declared attribute, by name. */
  readonly attributes: Readonly<Record<string, FieldValue>>;
}

/** A contact query after {@link parseContactQuery}: defaults filled in, criteria checked. */
export type ParsedContactQuery = Omit<z.output<typeof contactQuerySchema>, 'where'> & { readonly where: Criteria | undefined };

/** What a contact query needs from the engine. */
export interface ContactQueryContext {
  readonly store: StoreContext;
  readonly dialect: DialectKind;
  readonly contactTable: string;
  readonly domainId: number;
  readonly snapshot: PolicySnapshot;
  readonly today: string;
  readonly secondDegree: boolean;
}

function hasToken(c: Criteria): boolean {
  if ('all' in c) return c.all.some(hasToken);
  if ('any' in c) return c.any.some(hasToken);
  if ('not' in c) return hasToken(c.not);
  if ('inGroup' in c || 'subType' in c || !('value' in c)) return false;
  const value: CriteriaValue | readonly CriteriaValue[] = c.value;
  return isValueList(value) ? value.some(isToken) : isToken(value);
}

function isValueList(value: CriteriaValue | readonly CriteriaValue[]): value is readonly CriteriaValue[] {
  return Array.isArray(value);
}

/**
 * Parses a contact query: the page with zod, the criteria with {@link checkCriteria}. Throws `PolicyError`
 * (`invalid_input`, or the criteria's own codes).
 *
 * @example
 * ```ts
 * const q = parseContactQuery({ where: { inGroup: 3 } }, fields, 'mysql');
 * ```
 */
export function parseContactQuery(input: unknown, fields: StoreContext['fields'], dialect: DialectKind): ParsedContactQuery {
  const parsed = contactQuerySchema.safeParse(input);
  if (!parsed.success) {
    throw new PolicyError('invalid_input', `invalid contact query: ${z.prettifyError(parsed.error)}`, { issues: parsed.error.issues });
  }
  const q = parsed.data;
  const max = integerRange(dialect).max;
  for (const [name, value] of [['afterId', q.afterId], ['membership.groupId', q.membership?.groupId]] as const) {
    if (value !== undefined && value > max) {
      throw new PolicyError('invalid_input', `invalid contact query: ${name} ${value} is above ${max}`, { [name]: value, max });
    }
  }
  const where = q.where === undefined ? undefined : checkCriteria(q.where, fields, { dialect }).criteria;
  if (where !== undefined && hasToken(where)) {
    throw new PolicyError('invalid_input', 'invalid contact query: `$subject` tokens need a subject; use literal values', {});
  }
  return { ...q, where };
}

/**
 * One page of the domain's contacts matching a parsed query (see {@link parseContactQuery}), ordered by id (a page shorter than `limit` is the last;
 * pass the last id as `afterId` for the next). Deleted contacts are left out unless `withDeleted`.
 *
 * @example
 * ```ts
 * const page = await findContacts(ctx, parseContactQuery({ where: { inGroup: managers }, limit: 500 }, fields, 'sqlite'));
 * ```
 */
export async function findContacts(ctx: ContactQueryContext, q: ParsedContactQuery): Promise<ContactRecord[]> {
  const { store, dialect } = ctx;
  const { columns, attributes } = store.contacts;
  const alias = 'rg_c';
  const ref = (column: string) => sql.ref(`${alias}.${column}`);
  const id = ref(columns.id);
  const select: RawBuilder<unknown>[] = [sql`${id} as ${sql.id('rg_id')}`];
  if (columns.contactType) select.push(sql`${ref(columns.contactType)} as ${sql.id('rg_contact_type')}`);
  if (columns.sortName) select.push(sql`${ref(columns.sortName)} as ${sql.id('rg_sort_name')}`);
  if (columns.isDeleted) select.push(sql`${ref(columns.isDeleted)} as ${sql.id('rg_is_deleted')}`);
  for (const name of Object.keys(attributes)) {
    const info = store.fields.get(name);
    if (info) select.push(sql`${ref(info.column)} as ${sql.id(`f_${name}`)}`);
  }
  const conditions: RawBuilder<SqlBool>[] = contactScopeFilters(store.contacts, alias, ctx.domainId, q.withDeleted);
  if (q.afterId !== undefined) conditions.push(sql<SqlBool>`${id} > ${q.afterId}`);
  if (q.where !== undefined || q.membership !== undefined) {
    const sqlCtx: SqlContext = {
      dialect,
      tables: store.tables,
      fields: store.fields,
      alias,
      idColumn: columns.id,
      groups: ctx.snapshot.groups,
      subjectValues: {},
      counter: { n: 0 },
      subjectContactId: null,
      today: ctx.today,
      secondDegree: ctx.secondDegree,
    };
    if (q.membership !== undefined) conditions.push(membershipExists([q.membership.groupId], q.membership.status, sqlCtx, false));
    if (q.where !== undefined) conditions.push(criteriaSql(q.where, sqlCtx));
  }
  const { rows } = await sql<Record<string, unknown>>`select ${sql.join(select)} from ${sql.table(ctx.contactTable)} as ${sql.id(
    alias,
  )} where ${sqlAnd(conditions)} order by ${id} limit ${q.limit}`.execute(store.db);
  return rows.map((row) => {
    const values: Record<string, FieldValue> = {};
    for (const name of Object.keys(attributes)) {
      const info = store.fields.get(name);
      if (info) values[name] = normaliseFieldValue(row[`f_${name}`], info);
    }
    return {
      id: Number(row.rg_id),
      contactType: row.rg_contact_type === undefined || row.rg_contact_type === null ? null : String(row.rg_contact_type),
      sortName: row.rg_sort_name === undefined || row.rg_sort_name === null ? null : String(row.rg_sort_name),
      isDeleted: columns.isDeleted ? flag(row.rg_is_deleted) : false,
      attributes: values,
    };
  });
}
