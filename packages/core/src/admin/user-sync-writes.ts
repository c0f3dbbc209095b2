import { sql } from 'kysely';
import { z } from 'zod';
import { attributeValueProblem } from '../model/attribute-names.js';
import { PolicyError } from '../model/engine-errors.js';
import { integerRange } from '../model/policy-limits.js';
import { MEMBERSHIP_STATUSES } from '../model/policy-model.js';
import { membershipSourceSchema } from './admin-schemas.js';
import { parseInput, type AdminDb, type AdminWriter } from './admin-writer.js';
import { refreshContactsMembers } from './group-member-refresh.js';

const id = z.number().int().positive();
const userId = z.string().min(1).max(191);
const attributes = z.record(z.string(), z.union([z.string(), z.number(), z.null()]));
/** Most items of each kind one batch takes. */
export const MAX_SYNC_BATCH = 10_000;
/** Rows per multi-row statement (at most 8 columns each: far below every dialect's parameter limit). */
const ROWS = 1000;

/**
 * zod schema of one batch of a user sync, written by {@link UserSyncWrites.applyUserSync} in one audited
 * transaction: contacts to create for users (each linked to its user), links to make or remove, links to
 * suspend or resume, contacts to update (sort name, attributes), and memberships to set, all recorded with the
 * sync's `source`. A membership names its contact by id or by the user whose contact it is (a contact created
 * in the same batch included); given both, the contact id counts and the user names the audit row.
 *
 * @example
 * ```ts
 * userSyncBatchSchema.parse({
 *   source: 'wordpress',
 *   create: [{ userId: 'wp:3', contactType: 'Individual', sortName: 'Lan', attributes: { email: 'lan@example.org' } }],
 *   memberships: [{ groupId: 4, userId: 'wp:3', status: 'Added' }],
 * });
 * ```
 */
export const userSyncBatchSchema = z
  .object({
    source: membershipSourceSchema,
    create: z
      .array(z.object({ userId, contactType: z.string().min(1).max(64), sortName: z.string().max(255).nullable(), attributes: attributes.default({}) }).strict())
      .max(MAX_SYNC_BATCH)
      .default([]),
    link: z.array(z.object({ userId, contactId: id }).strict()).max(MAX_SYNC_BATCH).default([]),
    unlink: z.array(userId).max(MAX_SYNC_BATCH).default([]),
    suspend: z.array(z.object({ userId, suspended: z.boolean() }).strict()).max(MAX_SYNC_BATCH).default([]),
    update: z
      .array(z.object({ contactId: id, sortName: z.string().max(255).nullable().optional(), attributes: attributes.optional() }).strict())
      .max(MAX_SYNC_BATCH)
      .default([]),
    memberships: z
      .array(
        z
          .object({ groupId: id, contactId: id.optional(), userId: userId.optional(), status: z.enum(MEMBERSHIP_STATUSES) })
          .strict()
          .refine((m) => m.contactId !== undefined || m.userId !== undefined, 'give contactId or userId (or both: the contact, and its user for the audit)'),
      )
      .max(MAX_SYNC_BATCH * 10)
      .default([]),
  })
  .strict();
/** One batch of a user sync (see {@link userSyncBatchSchema}). */
export type UserSyncBatch = z.input<typeof userSyncBatchSchema>;

/** What {@link UserSyncWrites.applyUserSync} did. */
export interface UserSyncBatchResult {
  /** The contacts created, with their users. */
  readonly created: readonly { readonly userId: string; readonly contactId: number }[];
  /** How many rows of each kind were written. */
  readonly counts: { readonly created: number; readonly linked: number; readonly unlinked: number; readonly suspended: number; readonly updated: number; readonly memberships: number };
}

function chunks<T>(items: readonly T[], size = ROWS): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * The write behind `PolicyAdmin.applyUserSync`: a host's user sync in batched statements (a few statements per
 * hundreds of users, never one per user), one transaction and one domain-version bump per batch, one audit
 * row per user (or contact) changed holding all its changes (link, suspension, fields, memberships), and a
 * summary row for the batch, all in one multi-row insert.
 *
 * @example
 * ```ts
 * const result = await new UserSyncWrites(writer).applyUserSync({ source: 'drupal7', link: [{ userId: 'drupal:5', contactId: 9 }] });
 * ```
 */
export class UserSyncWrites {
  readonly #w: AdminWriter;

  /** Writes through `writer` (its transaction, audit and reference checks). */
  constructor(writer: AdminWriter) {
    this.#w = writer;
  }

  /** Applies one batch; anything invalid (a clash, an unknown or foreign contact or group) writes nothing. */
  async applyUserSync(input: UserSyncBatch): Promise<UserSyncBatchResult> {
    const b = parseInput(userSyncBatchSchema, input, 'user sync batch');
    const { ctx } = this.#w;
    if ((b.create.length > 0 || b.update.length > 0) && ctx.contacts.table) {
      throw new PolicyError('host_managed', `contacts live in the host table '${ctx.contacts.table}'; a sync can only link them`, {});
    }
    for (const c of b.create) this.#checkAttributes(c.attributes);
    for (const u of b.update) this.#checkAttributes(u.attributes ?? {});
    return this.#w.write('user.sync', 'user_sync', async (trx) => {
      // One audit row per user (or contact) the batch changed, holding every change made to it.
      const audit = new Map<string, { targetType: string; targetId: string; after: Record<string, unknown> }>();
      const entry = (userId: string | undefined, contactId: number | undefined) => {
        const key = userId !== undefined ? `u:${userId}` : `c:${contactId}`;
        let e = audit.get(key);
        if (!e) {
          e = userId !== undefined ? { targetType: 'user_link', targetId: userId, after: {} } : { targetType: 'contact', targetId: String(contactId), after: {} };
          audit.set(key, e);
        }
        return e.after;
      };
      const created = await this.#create(trx, b.create);
      for (const c of created) Object.assign(entry(c.userId, undefined), { contactId: c.contactId, link: 'created with its contact' });
      await this.#link(trx, b.link);
      for (const l of b.link) Object.assign(entry(l.userId, undefined), { contactId: l.contactId, link: 'linked' });
      const t = ctx.tables;
      for (const part of chunks(b.unlink)) {
        await trx.deleteFrom(t.userLink).where('domain_id', '=', ctx.domainId).where('user_id', 'in', part).execute();
      }
      for (const u of b.unlink) entry(u, undefined).link = 'unlinked';
      for (const flag of [true, false]) {
        const users = b.suspend.filter((s) => s.suspended === flag).map((s) => s.userId);
        for (const part of chunks(users)) {
          await trx.updateTable(t.userLink).set({ suspended: flag ? 1 : 0 }).where('domain_id', '=', ctx.domainId).where('user_id', 'in', part).execute();
        }
      }
      for (const s of b.suspend) entry(s.userId, undefined).link = s.suspended ? 'suspended' : 'resumed';
      if (b.update.length > 0) await this.#contactsInDomain(trx, b.update.map((u) => u.contactId));
      for (const u of b.update) {
        const set: Record<string, unknown> = { ...(u.attributes ?? {}) };
        if (u.sortName !== undefined) set.sort_name = u.sortName;
        if (Object.keys(set).length === 0) continue;
        await trx.updateTable(t.contact).set(set).where('id', '=', u.contactId).where('domain_id', '=', ctx.domainId).execute();
        entry(undefined, u.contactId).contact = set;
      }
      const memberships = await this.#memberships(trx, b.source, b.memberships, created);
      // Materialised smart groups may read these contacts' fields and static memberships: keep them exact here.
      await refreshContactsMembers(trx, ctx, [...created.map((c) => c.contactId), ...b.update.map((u) => u.contactId), ...memberships.map((m) => m.contactId)]);
      for (const m of memberships) {
        const after = entry(m.userId, m.contactId);
        const list = (after.memberships as unknown[] | undefined) ?? [];
        list.push({ groupId: m.groupId, contactId: m.contactId, status: m.status, source: b.source });
        after.memberships = list;
      }
      const counts = {
        created: created.length,
        linked: b.link.length,
        unlinked: b.unlink.length,
        suspended: b.suspend.length,
        updated: b.update.length,
        memberships: memberships.length,
      };
      const moreAudit = [...audit.values()].map((e) => ({ action: 'user.sync.change', targetType: e.targetType, targetId: e.targetId, after: e.after }));
      return { targetId: b.source, before: null, after: counts, result: { created, counts }, moreAudit };
    });
  }

  /** Inserts the contacts and their links; the ids come back in insertion order (`returning`). */
  async #create(trx: AdminDb, items: z.output<typeof userSyncBatchSchema>['create']) {
    const { ctx } = this.#w;
    const t = ctx.tables;
    const out: { userId: string; contactId: number }[] = [];
    if (items.length === 0) return out;
    // A user linked meanwhile makes the link insert below fail on the table's primary key: nothing is written.
    if (new Set(items.map((c) => c.userId)).size !== items.length) throw new PolicyError('duplicate', 'a batch creates a contact for a user twice', {});
    const names = [...new Set(items.flatMap((c) => Object.keys(c.attributes)))];
    for (const part of chunks(items)) {
      const rows = part.map((c) => {
        const row: Record<string, unknown> = { domain_id: ctx.domainId, contact_key: null, contact_type: c.contactType, sort_name: c.sortName, is_deleted: 0 };
        for (const n of names) row[n] = c.attributes[n] ?? null;
        return row;
      });
      // Through executeQuery: the builder drops `returning` rows on adapters that do not declare it (MariaDB
      // has `insert ... returning` since 10.5).
      const { rows: ids } = await trx.executeQuery<{ id: unknown }>(trx.insertInto(t.contact).values(rows).returning('id').compile());
      if (ids.length !== part.length) throw new PolicyError('invalid_input', `created ${ids.length} contacts for ${part.length} users`, {});
      part.forEach((c, i) => out.push({ userId: c.userId, contactId: Number(ids[i]?.id) }));
    }
    for (const part of chunks(out)) {
      await trx.insertInto(t.userLink).values(part.map((l) => ({ domain_id: ctx.domainId, user_id: l.userId, contact_id: l.contactId, suspended: 0 }))).execute();
    }
    return out;
  }

  /** Links existing contacts of the domain; a user or contact linked elsewhere throws `duplicate`. */
  async #link(trx: AdminDb, links: readonly { userId: string; contactId: number }[]): Promise<void> {
    if (links.length === 0) return;
    await this.#contactsInDomain(trx, links.map((l) => l.contactId));
    const same = await this.#clashes(trx, links.map((l) => l.userId), links.map((l) => l.contactId), links);
    const fresh = links.filter((l) => !same.has(`${l.userId}\u0000${l.contactId}`));
    for (const part of chunks(fresh)) {
      await trx.insertInto(this.#w.ctx.tables.userLink).values(part.map((l) => ({ domain_id: this.#w.ctx.domainId, user_id: l.userId, contact_id: l.contactId, suspended: 0 }))).execute();
    }
  }

  /** Throws `duplicate` when one of these users or contacts has another link; returns the identical links. */
  async #clashes(trx: AdminDb, users: readonly string[], contacts: readonly number[], wanted: readonly { userId: string; contactId: number }[] = []): Promise<Set<string>> {
    const { ctx } = this.#w;
    const want = new Set(wanted.map((l) => `${l.userId}\u0000${l.contactId}`));
    if (new Set(users).size !== users.length || new Set(contacts).size !== contacts.length) {
      throw new PolicyError('duplicate', 'a batch links a user or a contact twice', {});
    }
    const same = new Set<string>();
    const check = async (column: 'user_id' | 'contact_id', ids: readonly (string | number)[]) => {
      for (const part of chunks(ids)) {
        const rows = await trx.selectFrom(ctx.tables.userLink).select(['user_id', 'contact_id']).where('domain_id', '=', ctx.domainId).where(column, 'in', part).execute();
        for (const r of rows) {
          const key = `${String(r.user_id)}\u0000${Number(r.contact_id)}`;
          if (want.has(key)) same.add(key);
          else throw new PolicyError('duplicate', `user '${String(r.user_id)}' or contact ${Number(r.contact_id)} is already linked`, { links: [r] });
        }
      }
    };
    await check('user_id', users);
    await check('contact_id', contacts);
    return same;
  }

  /** Throws `unknown_contact` unless every id is a contact of this domain. */
  async #contactsInDomain(trx: AdminDb, ids: readonly number[]): Promise<void> {
    const { contacts, domainId, tables } = this.#w.ctx;
    const table = contacts.table ?? tables.contact;
    const unique = [...new Set(ids)];
    for (const part of chunks(unique)) {
      const domain = contacts.columns.domainId ? sql`and ${sql.ref(contacts.columns.domainId)} = ${domainId}` : sql``;
      const { rows } = await sql<{ id: unknown }>`select ${sql.ref(contacts.columns.id)} as id from ${sql.table(table)} where ${sql.ref(contacts.columns.id)} in (${sql.join(part)}) ${domain}`.execute(trx);
      const found = new Set(rows.map((r) => Number(r.id)));
      const missing = part.filter((i) => !found.has(i));
      if (missing.length > 0) throw new PolicyError('unknown_contact', `contacts ${missing.slice(0, 5).join(', ')} do not exist in domain ${domainId}`, { contactIds: missing });
    }
  }

  /** Upserts memberships with the source; contacts named by user are looked up (created ones first). */
  async #memberships(
    trx: AdminDb,
    source: string,
    items: z.output<typeof userSyncBatchSchema>['memberships'],
    created: readonly { userId: string; contactId: number }[],
  ): Promise<{ groupId: number; contactId: number; userId: string | undefined; status: string }[]> {
    if (items.length === 0) return [];
    const { ctx } = this.#w;
    const t = ctx.tables;
    const byUser = new Map(created.map((c) => [c.userId, c.contactId]));
    const unknownUsers = [...new Set(items.flatMap((m) => (m.contactId === undefined && m.userId !== undefined && !byUser.has(m.userId) ? [m.userId] : [])))];
    for (const part of chunks(unknownUsers)) {
      const rows = await trx.selectFrom(t.userLink).select(['user_id', 'contact_id']).where('domain_id', '=', ctx.domainId).where('user_id', 'in', part).execute();
      for (const r of rows) byUser.set(String(r.user_id), Number(r.contact_id));
    }
    const resolved = items.map((m) => {
      const contactId = m.contactId ?? (m.userId === undefined ? undefined : byUser.get(m.userId));
      if (contactId === undefined) throw new PolicyError('unknown_contact', `user '${m.userId}' has no contact`, { userId: m.userId });
      return { groupId: m.groupId, contactId, userId: m.userId, status: m.status };
    });
    const fresh = new Set(created.map((c) => c.contactId));
    await this.#groupsAndContacts(trx, [...new Set(resolved.map((m) => m.groupId))], resolved.filter((m) => !fresh.has(m.contactId)).map((m) => m.contactId));
    for (const part of chunks(resolved)) {
      const rows = part.map((m) => ({ group_id: m.groupId, contact_id: m.contactId, status: m.status, source }));
      const insert = trx.insertInto(t.groupContact).values(rows);
      await (ctx.dialect === 'mysql'
        ? insert.onDuplicateKeyUpdate({ status: sql`values(status)`, source: sql`values(source)` })
        : insert.onConflict((oc) => oc.columns(['group_id', 'contact_id']).doUpdateSet({ status: sql`excluded.status`, source: sql`excluded.source` }))
      ).execute();
    }
    return resolved;
  }

  /**
   * Throws unless every group is a static group of this domain and every contact a contact of it: one query
   * for the groups and the first contacts (the common case of one user), more only for large batches.
   */
  async #groupsAndContacts(trx: AdminDb, groupIds: readonly number[], contactIds: readonly number[]): Promise<void> {
    const { ctx } = this.#w;
    const { contacts, domainId, tables } = ctx;
    const table = contacts.table ?? tables.contact;
    const unique = [...new Set(contactIds)];
    const first = unique.slice(0, ROWS);
    const domain = contacts.columns.domainId ? sql`and ${sql.ref(contacts.columns.domainId)} = ${domainId}` : sql``;
    const contactPart = first.length > 0 ? sql`union all select 'c' as k, ${sql.ref(contacts.columns.id)} as id, null as kind from ${sql.table(table)} where ${sql.ref(contacts.columns.id)} in (${sql.join(first)}) ${domain}` : sql``;
    const { rows } = await sql<{ k: string; id: unknown; kind: unknown }>`select 'g' as k, id, kind from ${sql.table(tables.group)} where domain_id = ${domainId} and id in (${sql.join(groupIds)}) ${contactPart}`.execute(trx);
    for (const g of groupIds) {
      const row = rows.find((r) => r.k === 'g' && Number(r.id) === g);
      if (!row) throw new PolicyError('unknown_group', `group ${g} does not exist`, { id: g });
      if (row.kind !== 'static') throw new PolicyError('not_static_group', `group ${g} is smart; a sync sets static groups`, { groupId: g });
    }
    const found = new Set(rows.filter((r) => r.k === 'c').map((r) => Number(r.id)));
    const missing = first.filter((i) => !found.has(i));
    if (missing.length > 0) throw new PolicyError('unknown_contact', `contacts ${missing.slice(0, 5).join(', ')} do not exist in domain ${domainId}`, { contactIds: missing });
    if (unique.length > ROWS) await this.#contactsInDomain(trx, unique.slice(ROWS));
  }

  /** Checks attribute names and values against the configured columns and the dialect's range. */
  #checkAttributes(values: Record<string, string | number | null>): void {
    const { ctx } = this.#w;
    const range = integerRange(ctx.dialect);
    for (const [name, value] of Object.entries(values)) {
      const info = Object.hasOwn(ctx.contacts.attributes, name) ? ctx.contacts.attributes[name] : undefined;
      if (!info) throw new PolicyError('invalid_input', `unknown contact attribute '${name}'`, { attribute: name });
      const bad = attributeValueProblem(name, info.type, value, range);
      if (bad) throw new PolicyError(bad.code, bad.message, { attribute: name, value, type: info.type });
    }
  }
}
