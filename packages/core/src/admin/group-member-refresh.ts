/**
 * Keeps the materialised members of smart groups (`<prefix>group_member`, migration `0004_group_members`) exact
 * inside the write that changes them: a group write recomputes that group and every group naming it, a contact
 * or membership write recomputes that contact's rows. Only non-tokenized groups are materialised (a `$subject`
 * token makes membership depend on who asks); their clause then reads one indexed table instead of inlining
 * the criteria. Every statement is bounded: a group's predicate reads the rows of the groups it names instead of
 * inlining them.
 */
import { sql, type RawBuilder, type SqlBool } from 'kysely';
import { referencedGroups, type Criteria } from '../model/criteria-schema.js';
import { tokenizedGroups, topological } from '../model/group-cost.js';
import { groupFingerprints, materialisedAt } from '../model/group-fingerprint.js';
import type { GroupDef } from '../model/policy-model.js';
import { flag } from '../store/policy-store.js';
import { groupMemberSql, SQL_TRUE, sqlAnd, type SqlContext } from '../sql/membership-sql.js';
import type { AdminContext } from './admin-context.js';
import type { AdminDb } from './admin-writer.js';

const ALIAS = 'rg_mc';

/** The domain's groups as the clause sees them, read in the write's transaction. */
async function readGroups(trx: AdminDb, ctx: AdminContext): Promise<{ groups: Map<number, GroupDef>; fingerprints: Map<number, string> }> {
  const rows = await trx.selectFrom(ctx.tables.group).selectAll().where('domain_id', '=', ctx.domainId).execute();
  const parsed = new Map(
    rows.map((r) => [
      Number(r.id),
      {
        kind: r.kind === 'smart' ? ('smart' as const) : ('static' as const),
        criteriaText: r.kind === 'smart' && r.criteria ? String(r.criteria) : null,
        criteria: r.kind === 'smart' && r.criteria ? (JSON.parse(String(r.criteria)) as Criteria) : null,
      },
    ]),
  );
  const fingerprints = groupFingerprints(parsed);
  return {
    fingerprints,
    groups: new Map(
      rows.map((r) => [
        Number(r.id),
        {
          id: Number(r.id),
          name: String(r.name),
          kind: r.kind === 'smart' ? 'smart' : 'static',
          criteria: parsed.get(Number(r.id))?.criteria ?? null,
          active: flag(r.is_active),
          membersAt: materialisedAt(r, fingerprints),
        } satisfies GroupDef,
      ]),
    ),
  };
}

function contactTable(ctx: AdminContext): string {
  return ctx.contacts.table ?? ctx.tables.contact;
}

/** The predicate "member of `group`" over the contact alias, with its own criteria inlined and the groups it names read from their rows. */
function ownPredicate(ctx: AdminContext, groups: ReadonlyMap<number, GroupDef>, group: GroupDef): RawBuilder<SqlBool> {
  const inline = new Map(groups);
  inline.set(group.id, { ...group, active: true, membersAt: null });
  const sqlCtx: SqlContext = {
    dialect: ctx.dialect,
    tables: ctx.tables,
    fields: ctx.fields,
    alias: ALIAS,
    idColumn: ctx.contacts.columns.id,
    groups: inline,
    subjectValues: {},
    counter: { n: 0 },
    subjectContactId: null,
    today: new Date().toISOString().slice(0, 10),
    secondDegree: false,
  };
  return groupMemberSql(group.id, sqlCtx);
}

/** Inserts the rows of `group` for the contacts `where` selects (over the contact alias). */
async function insertMembers(trx: AdminDb, ctx: AdminContext, groups: ReadonlyMap<number, GroupDef>, group: GroupDef, where: RawBuilder<SqlBool>): Promise<void> {
  const id = sql.ref(`${ALIAS}.${ctx.contacts.columns.id}`);
  const domain = ctx.contacts.columns.domainId;
  const scope = domain ? sql<SqlBool>`${sql.ref(`${ALIAS}.${domain}`)} = ${ctx.domainId}` : SQL_TRUE;
  const predicate = sqlAnd([scope, where, ownPredicate(ctx, groups, group)]);
  await sql`insert into ${sql.table(ctx.tables.groupMember)} (group_id, contact_id) select cast(${group.id} as integer), ${id} from ${sql.table(contactTable(ctx))} as ${sql.id(ALIAS)} where ${predicate}`.execute(trx);
}

/** Whether new and changed smart groups of this domain are materialised: always for the reference contact table, and for a host table once `refreshGroups()` has opted the domain in. */
function materialising(ctx: AdminContext, groups: ReadonlyMap<number, GroupDef>): boolean {
  return ctx.contacts.table === undefined || [...groups.values()].some((g) => g.membersAt);
}

/**
 * Recomputes groups in full, in dependency order: `ids` and every group naming them (directly or not), plus the
 * not yet materialised groups they name. A tokenized group is (or becomes) not materialised. With `all`, every
 * smart group of the domain is materialised, whatever the contact table (what `refreshGroups()` does).
 *
 * @example
 * ```ts
 * await refreshGroupMembers(trx, ctx, [7]);
 * ```
 */
export async function refreshGroupMembers(trx: AdminDb, ctx: AdminContext, ids: readonly number[] | 'all'): Promise<number> {
  const { groups, fingerprints } = await readGroups(trx, ctx);
  if (ids !== 'all' && !materialising(ctx, groups)) return 0;
  const smart = new Map([...groups].filter(([, g]) => g.kind === 'smart' && g.criteria !== null));
  const tokenized = tokenizedGroups(new Map([...smart].map(([id, g]) => [id, g.criteria])));
  const order = topological(smart);
  const targets = new Set<number>(ids === 'all' ? order : ids.filter((id) => smart.has(id)));
  if (ids !== 'all') {
    // Dependents (they read the changed groups' rows) and not-yet-materialised dependencies (they will be read).
    const changed = new Set(ids);
    for (const id of order) {
      if (referencedGroups(smart.get(id)?.criteria ?? { all: [] }).some((r) => changed.has(r))) {
        changed.add(id);
        targets.add(id);
      }
    }
    const stack = [...targets];
    while (stack.length > 0) {
      for (const ref of referencedGroups(smart.get(stack.pop() as number)?.criteria ?? { all: [] })) {
        const g = smart.get(ref);
        if (g && !g.membersAt && !tokenized.has(ref) && !targets.has(ref)) {
          targets.add(ref);
          stack.push(ref);
        }
      }
    }
  }
  const now = new Date().toISOString();
  let refreshed = 0;
  for (const id of order) {
    if (!targets.has(id)) continue;
    const group = smart.get(id) as GroupDef;
    await trx.deleteFrom(ctx.tables.groupMember).where('group_id', '=', id).execute();
    const membersAt = tokenized.has(id) ? null : now;
    if (membersAt) await insertMembers(trx, ctx, groups, group, SQL_TRUE);
    await trx.updateTable(ctx.tables.group).set({ members_at: membersAt, members_of: membersAt ? (fingerprints.get(id) ?? null) : null }).where('id', '=', id).execute();
    groups.set(id, { ...group, membersAt });
    refreshed += 1;
  }
  return refreshed;
}

/**
 * Recomputes one contact's rows in every materialised group of the domain (after a write to the contact, its
 * sub-types or its memberships), in dependency order so that a group naming another reads its fresh row.
 *
 * @example
 * ```ts
 * await refreshContactMembers(trx, ctx, 42);
 * ```
 */
export async function refreshContactMembers(trx: AdminDb, ctx: AdminContext, contactId: number): Promise<void> {
  await refreshContactsMembers(trx, ctx, [contactId]);
}

/** Contacts recomputed per statement by {@link refreshContactsMembers} (one bound parameter each). */
const CONTACTS_PER_REFRESH = 500;

/**
 * Recomputes several contacts' rows in every materialised group of the domain, a bounded number of contacts per
 * statement (for batch writes such as a host's user sync, which must not leave a materialised group stale).
 *
 * @example
 * ```ts
 * await refreshContactsMembers(trx, ctx, [42, 43, 44]);
 * ```
 */
export async function refreshContactsMembers(trx: AdminDb, ctx: AdminContext, contactIds: readonly number[]): Promise<void> {
  const unique = [...new Set(contactIds)];
  if (unique.length === 0) return;
  const { groups } = await readGroups(trx, ctx);
  const materialised = new Map([...groups].filter(([, g]) => g.kind === 'smart' && g.membersAt && g.criteria !== null));
  if (materialised.size === 0) return;
  const order = topological(materialised);
  for (let i = 0; i < unique.length; i += CONTACTS_PER_REFRESH) {
    const part = unique.slice(i, i + CONTACTS_PER_REFRESH);
    await trx.deleteFrom(ctx.tables.groupMember).where('contact_id', 'in', part).execute();
    const some = sql<SqlBool>`${sql.ref(`${ALIAS}.${ctx.contacts.columns.id}`)} in (${sql.join(part)})`;
    for (const id of order) {
      const group = materialised.get(id);
      if (group) await insertMembers(trx, ctx, groups, group, some);
    }
  }
}

/**
 * Drops a deleted group's rows.
 *
 * @example
 * ```ts
 * await dropGroupMembers(trx, ctx, 7);
 * ```
 */
export async function dropGroupMembers(trx: AdminDb, ctx: AdminContext, groupId: number): Promise<void> {
  await trx.deleteFrom(ctx.tables.groupMember).where('group_id', '=', groupId).execute();
}
