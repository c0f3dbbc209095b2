import { MAX_CONTACT_PAGE, MAX_LINK_BATCH, type ContactQuery, type ContactRecord, type Domain } from '@rowguard/core';

/**
 * The contact of each of these host users that has one, through the core's link API (a few queries for
 * thousands of users, never one per user).
 *
 * @example
 * ```ts
 * const contactOf = await contactsOfUsers(domain, users.map((u) => u.id)); // Map { 'wp:1' => 7 }
 * ```
 */
export async function contactsOfUsers(domain: Domain, userIds: readonly string[]): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  const ids = [...new Set(userIds)];
  const links = domain.userLinks();
  for (let i = 0; i < ids.length; i += MAX_LINK_BATCH) {
    for (const link of await links.forUsers(ids.slice(i, i + MAX_LINK_BATCH))) out.set(link.userId, link.contactId);
  }
  return out;
}

/**
 * The contacts among these ids that have a user, through the core's link API.
 *
 * @example
 * ```ts
 * const taken = await linkedContacts(domain, [7, 8, 9]); // Set { 7 }
 * ```
 */
export async function linkedContacts(domain: Domain, contactIds: readonly number[]): Promise<Set<number>> {
  const out = new Set<number>();
  const ids = [...new Set(contactIds)];
  const links = domain.userLinks();
  for (let i = 0; i < ids.length; i += MAX_LINK_BATCH) {
    for (const link of await links.forContacts(ids.slice(i, i + MAX_LINK_BATCH))) out.add(link.contactId);
  }
  return out;
}

/**
 * Every contact matching a query, read page by page through `domain.findContacts`, ordered by id.
 *
 * @example
 * ```ts
 * const members = await allContacts(domain, { membership: { groupId: 4, status: 'Added' } });
 * ```
 */
export async function allContacts(domain: Domain, query: Omit<ContactQuery, 'afterId' | 'limit'>): Promise<ContactRecord[]> {
  const out: ContactRecord[] = [];
  let afterId: number | undefined;
  for (;;) {
    const page = await domain.findContacts({ ...query, afterId, limit: MAX_CONTACT_PAGE });
    out.push(...page);
    if (page.length < MAX_CONTACT_PAGE) return out;
    afterId = page.at(-1)?.id;
  }
}
