import { sql } from 'kysely';
import { z } from 'zod';
import { identifierSchema, type Domain, type Rowguard } from '@rowguard/core';
import { readUsers, type HostUser, type HostUserFramework } from './user-framework.js';

/**
 * zod schema of the user -> contact sync settings.
 *
 * @example
 * ```ts
 * userSyncOptionsSchema.parse({ matchAttribute: 'email', contactType: 'Individual' });
 * ```
 */
export const userSyncOptionsSchema = z
  .object({
    /** The contact type of contacts created for users. */
    contactType: z.string().min(1).max(64).default('Individual'),
    /** A declared text attribute holding e-mail addresses: an unlinked contact with the user's e-mail is linked instead of creating one. */
    matchAttribute: identifierSchema.optional(),
    /** Whether to create a contact for a user nothing matches (default true). */
    createMissing: z.boolean().default(true),
  })
  .strict();
/** User -> contact sync settings. */
export type UserSyncOptions = z.input<typeof userSyncOptionsSchema>;

/** What a sync did. */
export interface UserSyncReport {
  readonly linked: readonly { readonly userId: string; readonly contactId: number }[];
  readonly created: readonly { readonly userId: string; readonly contactId: number }[];
  readonly unchanged: number;
  readonly skipped: readonly string[];
}

async function links(engine: Rowguard, domain: Domain): Promise<{ byUser: Map<string, number>; contacts: Set<number> }> {
  const rows = await engine.db.selectFrom(engine.tables.userLink).select(['user_id', 'contact_id']).where('domain_id', '=', domain.id).execute();
  return { byUser: new Map(rows.map((r) => [String(r.user_id), Number(r.contact_id)])), contacts: new Set(rows.map((r) => Number(r.contact_id))) };
}

/**
 * Host users -> contacts: every host user gets a contact, linked one-to-one (the user <-> contact link of the
 * domain). A user already linked is left alone; an unlinked user whose e-mail matches an unlinked contact's
 * `matchAttribute` is linked to it; otherwise a contact is created (unless `createMissing: false`). All writes
 * happen in one audited transaction, with actor `sync:<framework name>`.
 *
 * @example
 * ```ts
 * const report = await syncUsersToContacts(rowguard, domain, wordpressUsers, { matchAttribute: 'email' });
 * report.created.length;
 * ```
 */
export async function syncUsersToContacts(
  engine: Rowguard,
  domain: Domain,
  framework: HostUserFramework,
  options: UserSyncOptions = {},
): Promise<UserSyncReport> {
  const o = userSyncOptionsSchema.parse(options);
  const users = await readUsers(framework);
  const { byUser, contacts: linkedContacts } = await links(engine, domain);
  const contacts = engine.config.contacts;
  const table = contacts.table ?? engine.tables.contact;
  const matchColumn = o.matchAttribute ? contacts.attributes[o.matchAttribute]?.column ?? o.matchAttribute : undefined;
  if (o.matchAttribute && !contacts.attributes[o.matchAttribute]) throw new Error(`matchAttribute '${o.matchAttribute}' is not a declared contact attribute`);

  const plan: { user: HostUser; contactId: number | null }[] = [];
  const taken = new Set(linkedContacts);
  let unchanged = 0;
  for (const user of users) {
    if (byUser.has(user.id)) {
      unchanged += 1;
      continue;
    }
    let contactId: number | null = null;
    if (matchColumn && user.email) {
      const domainFilter = contacts.columns.domainId ? sql` and ${sql.ref(contacts.columns.domainId)} = ${domain.id}` : sql``;
      const { rows } = await sql<{ id: unknown }>`select ${sql.ref(contacts.columns.id)} as id from ${sql.table(table)} where ${sql.ref(matchColumn)} = ${user.email}${domainFilter} order by ${sql.ref(contacts.columns.id)}`.execute(engine.db);
      contactId = rows.map((r) => Number(r.id)).find((id) => !taken.has(id)) ?? null;
    }
    if (contactId !== null) taken.add(contactId);
    plan.push({ user, contactId });
  }
  const linked: { userId: string; contactId: number }[] = [];
  const created: { userId: string; contactId: number }[] = [];
  const skipped: string[] = [];
  await domain.admin(`sync:${framework.name}`).transaction(async (admin) => {
    for (const { user, contactId } of plan) {
      if (contactId !== null) {
        await admin.linkUser({ userId: user.id, contactId });
        linked.push({ userId: user.id, contactId });
      } else if (o.createMissing) {
        const id = await admin.createContact({
          contactType: o.contactType,
          sortName: user.name ?? user.email ?? user.id,
          attributes: o.matchAttribute && user.email ? { [o.matchAttribute]: user.email } : {},
        });
        await admin.linkUser({ userId: user.id, contactId: id });
        created.push({ userId: user.id, contactId: id });
      } else skipped.push(user.id);
    }
  });
  return { linked, created, unchanged, skipped };
}

/**
 * Contacts -> host users (seed 000: "create a CMS user when a contact is created"): every contact of the
 * domain without a user — or only the Added members of `groupId` — gets a host user created through the
 * framework (with the roles `rolesFor` returns) and is linked to it.
 *
 * @example
 * ```ts
 * await syncContactsToUsers(rowguard, domain, drupalUsers, { groupId: staff, emailAttribute: 'email', rolesFor: () => ['staff'] });
 * ```
 */
export async function syncContactsToUsers(
  engine: Rowguard,
  domain: Domain,
  framework: HostUserFramework,
  options: { groupId?: number; emailAttribute?: string; rolesFor?: (contactId: number) => readonly string[] } = {},
): Promise<{ readonly created: readonly { readonly userId: string; readonly contactId: number }[] }> {
  if (!framework.createUser) throw new Error(`${framework.name} cannot create users`);
  const contacts = engine.config.contacts;
  if (options.emailAttribute && !contacts.attributes[options.emailAttribute]) throw new Error(`'${options.emailAttribute}' is not a declared contact attribute`);
  const table = contacts.table ?? engine.tables.contact;
  const { contacts: linked } = await links(engine, domain);
  const emailCol = options.emailAttribute ? (contacts.attributes[options.emailAttribute]?.column ?? options.emailAttribute) : null;
  const nameCol = contacts.columns.sortName;
  const conditions = [sql`1 = 1`];
  if (contacts.columns.domainId) conditions.push(sql`${sql.ref(`c.${contacts.columns.domainId}`)} = ${domain.id}`);
  if (contacts.columns.isDeleted) conditions.push(sql`${sql.ref(`c.${contacts.columns.isDeleted}`)} = ${contacts.columns.isDeletedType === 'boolean' ? sql.lit(false) : sql`${0}`}`);
  if (options.groupId !== undefined) {
    const groupId = z.number().int().positive().parse(options.groupId);
    conditions.push(
      sql`exists (select 1 from ${sql.table(engine.tables.groupContact)} as m where m.contact_id = ${sql.ref(`c.${contacts.columns.id}`)} and m.group_id = ${groupId} and m.status = ${'Added'})`,
    );
  }
  const { rows } = await sql<{ id: unknown; email: unknown; name: unknown }>`select ${sql.ref(`c.${contacts.columns.id}`)} as id, ${
    emailCol ? sql.ref(`c.${emailCol}`) : sql`null`
  } as email, ${nameCol ? sql.ref(`c.${nameCol}`) : sql`null`} as name from ${sql.table(table)} as c where ${sql.join(conditions, sql` and `)} order by 1`.execute(engine.db);
  const created: { userId: string; contactId: number }[] = [];
  const admin = domain.admin(`sync:${framework.name}`);
  for (const row of rows) {
    const contactId = Number(row.id);
    if (linked.has(contactId)) continue;
    const user = await framework.createUser({
      email: row.email === null ? null : String(row.email),
      name: row.name === null ? null : String(row.name),
      roles: options.rolesFor?.(contactId) ?? [],
    });
    await admin.linkUser({ userId: user.id, contactId });
    created.push({ userId: user.id, contactId });
  }
  return { created };
}
