/**
 * The building blocks of the permission clause shared by its forms (the OR of tiers, the union of disjuncts, the
 * member-driven union): the predicate for the objects of a tier's entries, the tiers of a plan, and the filters
 * every answer carries. Every value is a bound parameter; identifiers come from validated configuration only.
 */
import { sql, type RawBuilder, type SqlBool } from 'kysely';
import { sameTier, type PlannedEntry } from '../decide/access-plan.js';
import type { ContactsConfig } from '../model/engine-config.js';
import type { ObjectRef } from '../model/policy-model.js';
import { idListSql } from './id-list-sql.js';
import { criteriaSql, groupMemberSql, materialisedMemberSql, membershipExists, SQL_TRUE, sqlAnd, sqlOr, type SqlContext } from './membership-sql.js';
import { relatedSql } from './relationship-sql.js';

/**
 * The predicate for "the object of one of these entries covers the contact". Single contacts are merged into
 * one `id in (...)`, static groups into one membership `exists` (materialised smart groups likewise), so a tier with many entries stays one probe
 * per kind.
 *
 * @example
 * ```ts
 * objectsSql([{ type: 'group-members', groupId: 3 }, { type: 'contact', id: 7 }], ctx); // ("c"."id" in ($1) or exists (...))
 * ```
 */
export function objectsSql(objects: readonly ObjectRef[], ctx: SqlContext): RawBuilder<SqlBool> {
  const contactIds: number[] = [];
  const staticGroups: number[] = [];
  const smartGroups = new Set<number>();
  const materialisedGroups: number[] = [];
  const parts: RawBuilder<SqlBool>[] = [];
  for (const object of objects) {
    switch (object.type) {
      case 'all-contacts':
        return SQL_TRUE;
      case 'contact':
        contactIds.push(object.id);
        break;
      case 'contact-ids':
        contactIds.push(...object.ids);
        break;
      case 'criteria':
        parts.push(criteriaSql(object.criteria, ctx));
        break;
      case 'related':
        parts.push(relatedSql(ctx, object.relationshipTypeId, object.permission));
        break;
      case 'delegated': {
        const granterCtx: SqlContext = { ...ctx, subjectValues: object.granterValues };
        parts.push(
          sqlAnd([objectsSql([object.base], granterCtx), object.criteria === null ? SQL_TRUE : criteriaSql(object.criteria, granterCtx)]),
        );
        break;
      }
      case 'delegation':
        break;
      case 'group-members': {
        const group = ctx.groups.get(object.groupId);
        if (!group || !group.active) break;
        if (group.kind === 'static' || group.criteria === null) staticGroups.push(object.groupId);
        else if (group.membersAt) materialisedGroups.push(object.groupId);
        else if (!smartGroups.has(object.groupId)) {
          smartGroups.add(object.groupId);
          parts.push(groupMemberSql(object.groupId, ctx));
        }
        break;
      }
      case 'entity':
        break;
    }
  }
  const ids = [...new Set(contactIds)];
  if (ids.length > 0) parts.unshift(idListSql(sql.ref(`${ctx.alias}.${ctx.idColumn}`), ids, ctx.dialect, ctx.pgIdType));
  if (staticGroups.length > 0) parts.push(membershipExists([...new Set(staticGroups)].sort((a, b) => a - b), 'Added', ctx));
  if (materialisedGroups.length > 0) parts.push(materialisedMemberSql([...new Set(materialisedGroups)].sort((a, b) => a - b), ctx));
  return sqlOr(parts);
}

/**
 * A plan's entries (highest precedence first) cut into tiers of equal precedence.
 *
 * @example
 * ```ts
 * for (const tier of tiersOf(plan.entries)) console.log(tier.map((p) => p.entry.effect));
 * ```
 */
export function tiersOf(entries: readonly PlannedEntry[]): PlannedEntry[][] {
  const tiers: PlannedEntry[][] = [];
  for (const entry of entries) {
    const last = tiers[tiers.length - 1];
    if (last && sameTier((last[0] as PlannedEntry).tier, entry.tier)) last.push(entry);
    else tiers.push([entry]);
  }
  return tiers;
}

/**
 * The domain filter (when the contact table has a domain column) and, unless `withDeleted`, the not-deleted
 * filter (when it has a deleted flag), over the contact alias.
 *
 * @example
 * ```ts
 * sqlAnd(contactScopeFilters(contactsConfig, 'c', 1, false)); // "c"."domain_id" = $1 and "c"."is_deleted" = $2
 * ```
 */
export function contactScopeFilters(contacts: ContactsConfig, alias: string, domainId: number, withDeleted: boolean): RawBuilder<SqlBool>[] {
  const parts: RawBuilder<SqlBool>[] = [];
  const { domainId: domainColumn, isDeleted, isDeletedType } = contacts.columns;
  if (domainColumn) parts.push(sql<SqlBool>`${sql.ref(`${alias}.${domainColumn}`)} = ${domainId}`);
  if (isDeleted && !withDeleted) {
    const col = sql.ref(`${alias}.${isDeleted}`);
    parts.push(isDeletedType === 'boolean' ? sql<SqlBool>`${col} = ${sql.lit(false)}` : sql<SqlBool>`${col} = ${0}`);
  }
  return parts;
}

