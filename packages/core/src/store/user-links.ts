/**
 * The user <-> contact link, read side: which contact a host user is, which user a contact is, and every link
 * of a domain page by page or for a batch of ids. A domain links one contact per user and one user per contact
 * (the table's primary key and unique constraint say so). A suspended link (a blocked host user) is kept but
 * resolves to nothing: the user is no contact and the contact no user until it is resumed. Writes stay in the
 * audited admin API (`PolicyAdmin.linkUser` / `unlinkUser` / `applyUserSync`). Every input is validated with zod (bad input throws
 * `PolicyError('invalid_input')`) and every value reaches the database as a bound parameter.
 */
import { z } from 'zod';
import { findLinkCandidates, readContactFields, readGroupCounts, readLinkedState, readMemberships, readUnlinkedContacts } from './link-sync-reads.js';
import type { LinkCandidate, LinkedContactFields, LinkedState, LinkStore, MembershipRow, UserLink } from './link-types.js';
import type { DialectKind } from '../model/dialect-kind.js';
import { PolicyError } from '../model/engine-errors.js';
import { integerRange } from '../model/policy-limits.js';

export type { UserLink, MembershipRow, LinkedContactFields, LinkCandidate, LinkedState, LinkStore } from './link-types.js';

/** Most ids one batch lookup takes, and most links one page returns. */
export const MAX_LINK_BATCH = 10_000;
const CHUNK = 500;

/**
 * zod schema of a host user id as links store it (1 to 191 characters, compared exactly).
 *
 * @example
 * ```ts
 * linkUserIdSchema.parse('wp:12');
 * ```
 */
export const linkUserIdSchema = z.string().min(1).max(191);

function contactIdSchema(dialect: DialectKind): z.ZodNumber {
  return z.number().int().positive().max(integerRange(dialect).max);
}

/**
 * zod schema of a page request for {@link UserLinks.list}: links ordered by contact id, after `afterContactId`
 * (exclusive), at most `limit` (default 1,000, at most 10,000).
 *
 * @example
 * ```ts
 * linkPageSchema.parse({ afterContactId: 120, limit: 500 });
 * ```
 */
export const linkPageSchema = z
  .object({
    afterContactId: z.number().int().nonnegative().optional(),
    limit: z.number().int().min(1).max(MAX_LINK_BATCH).default(1000),
  })
  .strict();
/** A page request for {@link UserLinks.list}. */
export type LinkPage = z.input<typeof linkPageSchema>;

function parse<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  throw new PolicyError('invalid_input', `invalid ${what}: ${z.prettifyError(parsed.error)}`, { issues: parsed.error.issues });
}

function toLink(row: { user_id: unknown; contact_id: unknown; suspended?: unknown }): UserLink {
  return { userId: String(row.user_id), contactId: Number(row.contact_id), suspended: Number(row.suspended ?? 0) !== 0 };
}

/**
 * The contact linked to a host user in a domain (a suspended link counts as none), or null. Inputs are trusted (validated by the caller).
 *
 * @example
 * ```ts
 * const contactId = await linkedContactOf(store, 1, 'wp:12'); // 7 or null
 * ```
 */
export async function linkedContactOf(store: LinkStore, domainId: number, userId: string): Promise<number | null> {
  const row = await store.db
    .selectFrom(store.tables.userLink)
    .select('contact_id')
    .where('domain_id', '=', domainId)
    .where('user_id', '=', userId)
    .where('suspended', '=', 0)
    .executeTakeFirst();
  return row ? Number(row.contact_id) : null;
}

/**
 * The host user linked to a contact in a domain (a suspended link counts as none), or null. Inputs are trusted (validated by the caller).
 *
 * @example
 * ```ts
 * const userId = await linkedUserOf(store, 1, 7); // 'wp:12' or null
 * ```
 */
export async function linkedUserOf(store: LinkStore, domainId: number, contactId: number): Promise<string | null> {
  const row = await store.db
    .selectFrom(store.tables.userLink)
    .select('user_id')
    .where('domain_id', '=', domainId)
    .where('contact_id', '=', contactId)
    .where('suspended', '=', 0)
    .executeTakeFirst();
  return row ? String(row.user_id) : null;
}

/**
 * The user <-> contact links of one domain, read only (get it from `domain.userLinks()`). Links to a contact
 * that was later deleted are still links: they are returned as stored.
 *
 * @example
 * ```ts
 * const links = domain.userLinks();
 * await links.contactOf('wp:12'); // 7
 * await links.userOf(7); // 'wp:12'
 * const known = await links.forUsers(['wp:12', 'wp:13']); // one query per 500 ids
 * ```
 */
export class UserLinks {
  readonly #store: LinkStore;
  readonly #contactId: z.ZodNumber;

  constructor(
    store: LinkStore,
    dialect: DialectKind,
    readonly domainId: number,
  ) {
    this.#store = store;
    this.#contactId = contactIdSchema(dialect);
  }

  /**
   * The contact linked to a host user, or null when the user has no link.
   *
   * @example
   * ```ts
   * await domain.userLinks().contactOf('drupal:17'); // 42 or null
   * ```
   */
  async contactOf(userId: string): Promise<number | null> {
    return linkedContactOf(this.#store, this.domainId, parse(linkUserIdSchema, userId, 'user id'));
  }

  /**
   * The host user linked to a contact, or null when the contact has no user.
   *
   * @example
   * ```ts
   * await domain.userLinks().userOf(42); // 'drupal:17' or null
   * ```
   */
  async userOf(contactId: number): Promise<string | null> {
    return linkedUserOf(this.#store, this.domainId, parse(this.#contactId, contactId, 'contact id'));
  }

  /**
   * The links of these host users (users without a link are absent), ordered by contact id. Up to 10,000 ids
   * per call, read 500 per query.
   *
   * @example
   * ```ts
   * const byUser = new Map((await domain.userLinks().forUsers(users.map((u) => u.id))).map((l) => [l.userId, l.contactId]));
   * ```
   */
  async forUsers(userIds: readonly string[]): Promise<UserLink[]> {
    const ids = [...new Set(parse(z.array(linkUserIdSchema).max(MAX_LINK_BATCH), userIds, 'user ids'))];
    return this.#batch('user_id', ids);
  }

  /**
   * The links of these contacts (contacts without a user are absent), ordered by contact id. Up to 10,000 ids
   * per call, read 500 per query.
   *
   * @example
   * ```ts
   * const userOf = new Map((await domain.userLinks().forContacts([7, 8, 9])).map((l) => [l.contactId, l.userId]));
   * ```
   */
  async forContacts(contactIds: readonly number[]): Promise<UserLink[]> {
    const ids = [...new Set(parse(z.array(this.#contactId).max(MAX_LINK_BATCH), contactIds, 'contact ids'))];
    return this.#batch('contact_id', ids);
  }

  /**
   * One page of the domain's links, ordered by contact id; pass the last contact id as `afterContactId` for
   * the next page (a page shorter than `limit` is the last).
   *
   * @example
   * ```ts
   * let page = await domain.userLinks().list({ limit: 1000 });
   * while (page.length === 1000) page = await domain.userLinks().list({ afterContactId: page.at(-1)?.contactId, limit: 1000 });
   * ```
   */
  async list(page: LinkPage = {}): Promise<UserLink[]> {
    const p = parse(linkPageSchema, page, 'link page');
    let query = this.#store.db
      .selectFrom(this.#store.tables.userLink)
      .select(['user_id', 'contact_id', 'suspended'])
      .where('domain_id', '=', this.domainId);
    if (p.afterContactId !== undefined) query = query.where('contact_id', '>', p.afterContactId);
    const rows = await query.orderBy('contact_id').limit(p.limit).execute();
    return rows.map(toLink);
  }

  /**
   * Contacts a host user could be linked to: the domain's contacts (not deleted) whose declared text attribute
   * equals one of `values` ignoring case (`Jane.Doe@Example.org` matches `jane.doe@example.org`), ordered by
   * contact id, each saying whether it already has a user. Up to 10,000 values per call, read 500 per query.
   *
   * @example
   * ```ts
   * const found = await domain.userLinks().linkCandidates('email', ['Jane.Doe@Example.org']);
   * const free = found.find((c) => !c.linked)?.contactId;
   * ```
   */
  async linkCandidates(attribute: string, values: readonly string[]): Promise<LinkCandidate[]> {
    return findLinkCandidates(this.#store, this.domainId, attribute, parse(z.array(z.string().max(255)).max(MAX_LINK_BATCH), values, 'values'));
  }

  /**
   * The stored memberships of these contacts (up to 10,000), with their status and provenance, in the given
   * groups only when `groupIds` is given. What a sync reads to change only the memberships it made.
   *
   * @example
   * ```ts
   * const rows = await domain.userLinks().membershipsOf([7, 8], [4]);
   * rows.filter((m) => m.source === 'wordpress');
   * ```
   */
  async membershipsOf(contactIds: readonly number[], groupIds?: readonly number[]): Promise<MembershipRow[]> {
    return readMemberships(this.#store, this.domainId, parse(z.array(this.#contactId).max(MAX_LINK_BATCH), contactIds, 'contact ids'), groupIds === undefined ? undefined : parse(z.array(this.#contactId).max(MAX_LINK_BATCH), groupIds, 'group ids'));
  }

  /**
   * How many contacts are Added members of a group, and how many of those a source made: what a sync's removal
   * guard compares its planned removals with.
   *
   * @example
   * ```ts
   * const { added, bySource } = await domain.userLinks().groupCounts(4, 'wordpress');
   * ```
   */
  async groupCounts(groupId: number, source: string): Promise<{ added: number; bySource: number }> {
    return readGroupCounts(this.#store, this.domainId, parse(this.#contactId, groupId, 'group id'), parse(z.string().max(64), source, 'source'));
  }

  /**
   * The sort name and declared attributes of these contacts of the domain (deleted ones too; up to 10,000 ids,
   * 500 per query), read without a policy snapshot: what a user sync compares with the host to keep name and
   * e-mail current.
   *
   * @example
   * ```ts
   * const [fields] = await domain.userLinks().contactFields([7]); // { contactId: 7, sortName: 'Lan', attributes: { email: 'lan@example.org' } }
   * ```
   */
  async contactFields(contactIds: readonly number[]): Promise<LinkedContactFields[]> {
    return readContactFields(this.#store, this.domainId, parse(z.array(this.#contactId).max(MAX_LINK_BATCH), contactIds, 'contact ids'));
  }

  /**
   * One page of the domain's contacts (not deleted) that have no user and a value in a declared text attribute,
   * ordered by id: what a sync reads once to match users by e-mail in memory, instead of once per batch.
   *
   * @example
   * ```ts
   * const page = await domain.userLinks().unlinkedContacts('email', { afterContactId: 0, limit: 10_000 });
   * ```
   */
  async unlinkedContacts(attribute: string, page: LinkPage = {}): Promise<LinkCandidate[]> {
    return readUnlinkedContacts(this.#store, this.domainId, attribute, parse(linkPageSchema, page, 'page'));
  }

  /**
   * What a user sync reads about these host users, in one query per 500 users: their links (suspended ones
   * included), their contacts' sort name and declared attributes, and the contacts' memberships in `groupIds`
   * with their provenance.
   *
   * @example
   * ```ts
   * const { links, contacts, memberships } = await domain.userLinks().linkedState(['wp:12'], [4, 5]);
   * ```
   */
  async linkedState(userIds: readonly string[], groupIds: readonly number[]): Promise<LinkedState> {
    return readLinkedState(this.#store, this.domainId, parse(z.array(linkUserIdSchema).max(MAX_LINK_BATCH), userIds, 'user ids'), parse(z.array(this.#contactId).max(MAX_LINK_BATCH), groupIds, 'group ids'));
  }

  async #batch(column: 'user_id' | 'contact_id', ids: readonly (string | number)[]): Promise<UserLink[]> {
    const out: UserLink[] = [];
    for (let i = 0; i < ids.length; i += CHUNK) {
      const rows = await this.#store.db
        .selectFrom(this.#store.tables.userLink)
        .select(['user_id', 'contact_id', 'suspended'])
        .where('domain_id', '=', this.domainId)
        .where(column, 'in', ids.slice(i, i + CHUNK))
        .execute();
      out.push(...rows.map(toLink));
    }
    return out.sort((a, b) => a.contactId - b.contactId);
  }
}
