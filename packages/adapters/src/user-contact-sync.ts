import { z } from 'zod';
import { identifierSchema, MAX_LINK_BATCH, type Domain, type Rowguard } from '@rowguard/core';
import { allContacts, contactsOfUsers, linkedContacts } from './domain-reads.js';
import { readUsers, type HostUserFramework } from './user-framework.js';

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

/**
 * Host users -> contacts: every host user gets a contact, linked one-to-one (the user <-> contact link of the
 * domain). A user already linked is left alone; an unlinked user whose e-mail matches an unlinked contact's
 * `matchAttribute` ignoring case (`Jane.Doe@Example.org` is `jane.doe@example.org`) is linked to it; otherwise a
 * contact is created (unless `createMissing: false`). One audited transaction of batched statements, with actor
 * `sync:<framework name>`. For a CMS, {@link HostSync} also keeps name and e-mail current.
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
  const candidates = new Map<string, number[]>();
  if (o.matchAttribute) {
    for (let i = 0; i < emails.length; i += MAX_LINK_BATCH) {
      for (const c of await domain.userLinks().linkCandidates(o.matchAttribute, emails.slice(i, i + MAX_LINK_BATCH))) {
        if (!c.linked) candidates.set(c.value.toLowerCase(), [...(candidates.get(c.value.toLowerCase()) ?? []), c.contactId]);
      }
    }
  }
  const taken = new Set<number>();
  const link: { userId: string; contactId: number }[] = [];
  const create: { userId: string; contactType: string; sortName: string; attributes: Record<string, string> }[] = [];
  const skipped: string[] = [];
  for (const user of unlinked) {
    const contactId = (user.email ? candidates.get(user.email.toLowerCase()) : undefined)?.find((id) => !taken.has(id));
    if (contactId !== undefined) {
      taken.add(contactId);
      link.push({ userId: user.id, contactId });
    } else if (o.createMissing) {
      create.push({
        userId: user.id,
        contactType: o.contactType,
        sortName: user.name ?? user.email ?? user.id,
        attributes: o.matchAttribute && user.email ? { [o.matchAttribute]: user.email } : {},
      });
    } else skipped.push(user.id);
  }
  let created: { userId: string; contactId: number }[] = [];
  for (let i = 0; i < Math.max(link.length, create.length); i += 1000) {
    const result = await domain.admin(`sync:${framework.name}`).applyUserSync({ source: framework.name, link: link.slice(i, i + 1000), create: create.slice(i, i + 1000) });
    created = [...created, ...result.created];
  }
  return { linked: link, created, unchanged: users.length - unlinked.length, skipped };
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
