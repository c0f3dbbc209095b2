/**
 * The reads a host user sync needs beyond the links themselves: contacts it could link by e-mail (ignoring
 * case), contacts' fields and memberships with their provenance, group counts for the removal guard, and all of
 * it for a batch of users in one query. Behind {@link UserLinks}' methods, which validate their input; every
 * value reaches the database as a bound parameter and identifiers come from the validated configuration.
 */
import { sql } from 'kysely';
import type { FieldInfo } from '../model/criteria-schema.js';
import { PolicyError } from '../model/engine-errors.js';
import type { LinkCandidate, LinkedContactFields, LinkedState, LinkStore, MembershipRow, UserLink } from './link-types.js';

const CHUNK = 500;

/**
 * The domain's live contacts whose text attribute, lower-cased, is one of `values` lower-cased (see `UserLinks.linkCandidates`). Inputs are trusted (validated by the caller).
 *
 * @example
 * ```ts
 * await findLinkCandidates(store, 1, 'email', ['jane.doe@example.org']);
 * ```
 */
export async function findLinkCandidates(store: LinkStore, domainId: number, attribute: string, values: readonly string[]): Promise<LinkCandidate[]> {
  const field = store.fields?.get(attribute);
  const contacts = store.contacts;
  if (!field || field.type !== 'text' || !contacts) {
    throw new PolicyError('invalid_input', `'${attribute}' is not a declared text attribute of contacts`, { attribute });
  }
  const wanted = [...new Set(values.map((v) => v.toLowerCase()))];
  const table = contacts.table ?? store.tables.contact;
  const { id, domainId: domainColumn, isDeleted, isDeletedType } = contacts.columns;
  const out: LinkCandidate[] = [];
  for (let i = 0; i < wanted.length; i += CHUNK) {
    const chunk = wanted.slice(i, i + CHUNK);
    const live = isDeleted ? (isDeletedType === 'boolean' ? sql`and (c.${sql.ref(isDeleted)} is null or c.${sql.ref(isDeleted)} = false)` : sql`and (c.${sql.ref(isDeleted)} is null or c.${sql.ref(isDeleted)} = 0)`) : sql``;
    const inDomain = domainColumn ? sql`and c.${sql.ref(domainColumn)} = ${domainId}` : sql``;
    const rows = await sql<{ id: unknown; v: unknown; u: unknown }>`select c.${sql.ref(id)} as id, c.${sql.ref(field.column)} as v, l.user_id as u
      from ${sql.table(table)} c
      left join ${sql.table(store.tables.userLink)} l on l.domain_id = ${domainId} and l.contact_id = c.${sql.ref(id)}
      where lower(c.${sql.ref(field.column)}) in (${sql.join(chunk)}) ${inDomain} ${live}`.execute(store.db);
    for (const r of rows.rows) out.push({ contactId: Number(r.id), value: String(r.v), linked: r.u !== null && r.u !== undefined });
  }
  return out.sort((a, b) => a.contactId - b.contactId);
}

/**
 * A page of the domain's live contacts without a user and with a value in the attribute (see `UserLinks.unlinkedContacts`). Inputs are trusted (validated by the caller).
 *
 * @example
 * ```ts
 * await readUnlinkedContacts(store, 1, 'email', { afterContactId: 0, limit: 1000 });
 * ```
 */
export async function readUnlinkedContacts(store: LinkStore, domainId: number, attribute: string, page: { afterContactId?: number | undefined; limit: number }): Promise<LinkCandidate[]> {
  const field = store.fields?.get(attribute);
  const contacts = store.contacts;
  if (!field || field.type !== 'text' || !contacts) {
    throw new PolicyError('invalid_input', `'${attribute}' is not a declared text attribute of contacts`, { attribute });
  }
  const table = contacts.table ?? store.tables.contact;
  const { id, domainId: domainColumn, isDeleted, isDeletedType } = contacts.columns;
  const live = isDeleted ? (isDeletedType === 'boolean' ? sql`and (c.${sql.ref(isDeleted)} is null or c.${sql.ref(isDeleted)} = false)` : sql`and (c.${sql.ref(isDeleted)} is null or c.${sql.ref(isDeleted)} = 0)`) : sql``;
  const inDomain = domainColumn ? sql`and c.${sql.ref(domainColumn)} = ${domainId}` : sql``;
  const rows = await sql<{ id: unknown; v: unknown }>`select c.${sql.ref(id)} as id, c.${sql.ref(field.column)} as v
    from ${sql.table(table)} c
    where c.${sql.ref(id)} > ${page.afterContactId ?? 0} and c.${sql.ref(field.column)} is not null ${inDomain} ${live}
      and not exists (select 1 from ${sql.table(store.tables.userLink)} l where l.domain_id = ${domainId} and l.contact_id = c.${sql.ref(id)})
    order by c.${sql.ref(id)} limit ${page.limit}`.execute(store.db);
  return rows.rows.map((r) => ({ contactId: Number(r.id), value: String(r.v), linked: false }));
}

/**
 * Sort name and declared attributes of contacts of the domain (see `UserLinks.contactFields`). Inputs are trusted (validated by the caller).
 *
 * @example
 * ```ts
 * await readContactFields(store, 1, [7]);
 * ```
 */
export async function readContactFields(store: LinkStore, domainId: number, contactIds: readonly number[]): Promise<LinkedContactFields[]> {
  const ids = [...new Set(contactIds)];
  const contacts = store.contacts;
  if (!contacts) throw new PolicyError('invalid_input', 'contact fields need the contact table configuration', {});
  const table = contacts.table ?? store.tables.contact;
  const { id, domainId: domainColumn, sortName } = contacts.columns;
  const attrs = [...(store.fields ?? new Map<string, FieldInfo>())].filter(([name]) => Object.hasOwn(contacts.attributes, name));
  const out: LinkedContactFields[] = [];
  for (let i = 0; i < ids.length; i += CHUNK) {
    const cols = [
      sql`${sql.ref(id)} as ${sql.id('rg_id')}`,
      sortName ? sql`${sql.ref(sortName)} as ${sql.id('rg_sort_name')}` : sql`null as ${sql.id('rg_sort_name')}`,
      ...attrs.map(([name, info]) => sql`${sql.ref(info.column)} as ${sql.id(`f_${name}`)}`),
    ];
    const inDomain = domainColumn ? sql`and ${sql.ref(domainColumn)} = ${domainId}` : sql``;
    const rows = await sql<Record<string, unknown>>`select ${sql.join(cols)} from ${sql.table(table)} where ${sql.ref(id)} in (${sql.join(ids.slice(i, i + CHUNK))}) ${inDomain}`.execute(store.db);
    for (const r of rows.rows) {
      const attributes: Record<string, string | number | null> = {};
      for (const [name, info] of attrs) {
        const v = r[`f_${name}`];
        attributes[name] = v === null || v === undefined ? null : info.type === 'integer' ? Number(v) : String(v);
      }
      out.push({ contactId: Number(r.rg_id), sortName: r.rg_sort_name === null || r.rg_sort_name === undefined ? null : String(r.rg_sort_name), attributes });
    }
  }
  return out.sort((a, b) => a.contactId - b.contactId);
}

/**
 * Stored memberships of contacts, with provenance (see `UserLinks.membershipsOf`). Inputs are trusted (validated by the caller).
 *
 * @example
 * ```ts
 * await readMemberships(store, 1, [7], [4]);
 * ```
 */
export async function readMemberships(store: LinkStore, domainId: number, contactIds: readonly number[], groupIds?: readonly number[]): Promise<MembershipRow[]> {
  const ids = [...new Set(contactIds)];
  const groups = groupIds === undefined ? undefined : [...new Set(groupIds)];
  if (groups?.length === 0) return [];
  const out: MembershipRow[] = [];
  for (let i = 0; i < ids.length; i += CHUNK) {
    let query = store.db
      .selectFrom(`${store.tables.groupContact} as gc`)
      .innerJoin(`${store.tables.group} as g`, 'g.id', 'gc.group_id')
      .select(['gc.group_id', 'gc.contact_id', 'gc.status', 'gc.source'])
      .where('g.domain_id', '=', domainId)
      .where('gc.contact_id', 'in', ids.slice(i, i + CHUNK));
    if (groups) query = query.where('gc.group_id', 'in', groups);
    for (const r of await query.execute()) {
      out.push({ groupId: Number(r.group_id), contactId: Number(r.contact_id), status: r.status, source: r.source === null || r.source === undefined ? null : String(r.source) });
    }
  }
  return out;
}

/**
 * Added members of a group, and those a source made (see `UserLinks.groupCounts`). Inputs are trusted (validated by the caller).
 *
 * @example
 * ```ts
 * await readGroupCounts(store, 1, 4, 'wordpress');
 * ```
 */
export async function readGroupCounts(store: LinkStore, domainId: number, groupId: number, source: string): Promise<{ added: number; bySource: number }> {
  const row = await store.db
    .selectFrom(`${store.tables.groupContact} as gc`)
    .innerJoin(`${store.tables.group} as g`, 'g.id', 'gc.group_id')
    .select((eb) => [
      eb.fn.countAll().as('added'),
      eb.fn.sum<number>(eb.case().when('gc.source', '=', source).then(1).else(0).end()).as('mine'),
    ])
    .where('g.domain_id', '=', domainId)
    .where('gc.group_id', '=', groupId)
    .where('gc.status', '=', 'Added')
    .executeTakeFirst();
  return { added: Number(row?.added ?? 0), bySource: Number(row?.mine ?? 0) };
}

/**
 * Links, contact fields and memberships of host users in one query per 500 users (see `UserLinks.linkedState`). Inputs are trusted (validated by the caller).
 *
 * @example
 * ```ts
 * await readLinkedState(store, 1, ['wp:12'], [4]);
 * ```
 */
export async function readLinkedState(store: LinkStore, domainId: number, userIds: readonly string[], groupIds: readonly number[]): Promise<LinkedState> {
  const ids = [...new Set(userIds)];
  const groups = [...new Set(groupIds)];
  const contacts = store.contacts;
  if (!contacts) throw new PolicyError('invalid_input', 'linked state needs the contact table configuration', {});
  const t = store.tables;
  const table = contacts.table ?? t.contact;
  const { id, domainId: domainColumn, sortName } = contacts.columns;
  const attrs = [...(store.fields ?? new Map<string, FieldInfo>())].filter(([name]) => Object.hasOwn(contacts.attributes, name));
  const links = new Map<string, UserLink>();
  const fields = new Map<number, LinkedContactFields>();
  const memberships: MembershipRow[] = [];
  for (let i = 0; i < ids.length; i += CHUNK) {
    const cols = [
      sql`l.user_id as ${sql.id('rg_user')}`,
      sql`l.contact_id as ${sql.id('rg_contact')}`,
      sql`l.suspended as ${sql.id('rg_suspended')}`,
      sql`c.${sql.ref(id)} as ${sql.id('rg_id')}`,
      sortName ? sql`c.${sql.ref(sortName)} as ${sql.id('rg_sort_name')}` : sql`null as ${sql.id('rg_sort_name')}`,
      ...attrs.map(([name, info]) => sql`c.${sql.ref(info.column)} as ${sql.id(`f_${name}`)}`),
      sql`gc.group_id as ${sql.id('rg_group')}`,
      sql`gc.status as ${sql.id('rg_status')}`,
      sql`gc.source as ${sql.id('rg_source')}`,
    ];
    const inDomain = domainColumn ? sql`and c.${sql.ref(domainColumn)} = ${domainId}` : sql``;
    const memberJoin =
      groups.length > 0
        ? sql`left join ${sql.table(t.groupContact)} gc on gc.contact_id = l.contact_id and gc.group_id in (${sql.join(groups)})`
        : sql`left join ${sql.table(t.groupContact)} gc on 1 = 0`;
    const rows = await sql<Record<string, unknown>>`select ${sql.join(cols)}
      from ${sql.table(t.userLink)} l
      left join ${sql.table(table)} c on c.${sql.ref(id)} = l.contact_id ${inDomain}
      ${memberJoin}
      where l.domain_id = ${domainId} and l.user_id in (${sql.join(ids.slice(i, i + CHUNK))})`.execute(store.db);
    for (const r of rows.rows) {
      const contactId = Number(r.rg_contact);
      links.set(String(r.rg_user), { userId: String(r.rg_user), contactId, suspended: Number(r.rg_suspended ?? 0) !== 0 });
      if (r.rg_id !== null && r.rg_id !== undefined && !fields.has(contactId)) {
        const attributes: Record<string, string | number | null> = {};
        for (const [name, info] of attrs) {
          const v = r[`f_${name}`];
          attributes[name] = v === null || v === undefined ? null : info.type === 'integer' ? Number(v) : String(v);
        }
        fields.set(contactId, { contactId, sortName: r.rg_sort_name === null || r.rg_sort_name === undefined ? null : String(r.rg_sort_name), attributes });
      }
      if (r.rg_group !== null && r.rg_group !== undefined) {
        memberships.push({ groupId: Number(r.rg_group), contactId, status: r.rg_status as MembershipRow['status'], source: r.rg_source === null || r.rg_source === undefined ? null : String(r.rg_source) });
      }
    }
  }
  return { links: [...links.values()], contacts: [...fields.values()], memberships };
}
