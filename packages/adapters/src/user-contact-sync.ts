import { z } from 'zod';
import { identifierSchema, type Domain, type Rowguard } from '@rowguard/core';
import { allContacts, contactsOfUsers, linkedContacts } from './domain-reads.js';
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

/** Most values one `in` criterion takes. */
const IN_LIST = 1000;

/**
 * The contacts of the domain (deleted ones too) whose `attribute` equals one of these values, in id order per
 * value; a value compares exactly, as criteria do.
 */
async function contactsByValue(domain: Domain, attribute: string, values: readonly string[]): Promise<Map<string, number[]>> {
  const out = new Map<string, number[]>();
  const distinct = [...new Set(values)];
  for (let i = 0; i < distinct.length; i += IN_LIST) {
    const where = { field: attribute, op: 'in' as const, value: distinct.slice(i, i + IN_LIST) };
    for (const c of await allContacts(domain, { where, withDeleted: true })) {
      const value = c.attributes[attribute];
      if (typeof value !== 'string') continue;
      const ids = out.get(value) ?? [];
      ids.push(c.id);
      out.set(value, ids);
    }
  }
  return out;
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
  const byUser = await contactsOfUsers(domain, users.map((u) => u.id));
  if (o.matchAttribute && !engine.config.contacts.attributes[o.matchAttribute]) throw new Error(`matchAttribute '${o.matchAttribute}' is not a declared contact attribute`);

  const unlinked = users.filter((u) => !byUser.has(u.id));
  const emails = unlinked.flatMap((u) => (u.email ? [u.email] : []));
  const candidates = o.matchAttribute && emails.length > 0 ? await contactsByValue(domain, o.matchAttribute, emails) : new Map<string, number[]>();
  const taken = await linkedContacts(domain, [...candidates.values()].flat());
  const plan: { user: HostUser; contactId: number | null }[] = [];
  for (const user of unlinked) {
    const contactId = (user.email ? candidates.get(user.email) : undefined)?.find((id) => !taken.has(id)) ?? null;
    if (contactId !== null) taken.add(contactId);
    plan.push({ user, contactId });
  }
  const unchanged = users.length - unlinked.length;
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
  const membership = options.groupId === undefined ? undefined : { groupId: z.number().int().positive().parse(options.groupId), status: 'Added' as const };
  const rows = await allContacts(domain, { membership });
  const linked = await linkedContacts(domain, rows.map((r) => r.id));
  const created: { userId: string; contactId: number }[] = [];
  const admin = domain.admin(`sync:${framework.name}`);
  for (const row of rows) {
    const contactId = row.id;
    if (linked.has(contactId)) continue;
    const email = options.emailAttribute ? row.attributes[options.emailAttribute] : null;
    const user = await framework.createUser({
      email: email === null || email === undefined ? null : String(email),
      name: row.sortName,
      roles: options.rolesFor?.(contactId) ?? [],
    });
    await admin.linkUser({ userId: user.id, contactId });
    created.push({ userId: user.id, contactId });
  }
  return { created };
}
