import { inChunks } from './host-batches.js';
import { HostUserMissingError, HostWritesDisabledError } from './host-role-writes.js';
import { userKey, type HostPage, type HostRole, type HostSource, type HostUserRecord } from './host-source.js';

/** Host keys checked per statement by `existingUsers`. */
const KEYS_PER_CHECK = 5000;

/**
 * What a host source over tables keyed by an integer user id provides: its reads, its count, and its role write.
 * {@link keyedHostSource} turns it into a {@link HostSource} with the parts every such host shares (user ids
 * `<idPrefix><key>`, keys refused before any read, the writes switch, existence checks in chunks).
 *
 * @example
 * ```ts
 * const parts: KeyedHostParts = { name: 'crm', idPrefix: 'crm:', writes: false, listRoles, read, count, existing, writeRoles };
 * ```
 */
export interface KeyedHostParts {
  readonly name: string;
  readonly idPrefix: string;
  /** Whether the integrator enabled writes into the host's tables. */
  readonly writes: boolean;
  /** Whether a key can name a user at all (Drupal's uid 0 is the anonymous user: never one). Default: every key. */
  readonly validKey?: (key: number) => boolean;
  listRoles(): Promise<readonly HostRole[]>;
  /** Users by key, or a page of them in key order. */
  read(keys: readonly number[] | null, page: HostPage | null, roles: readonly HostRole[]): Promise<HostUserRecord[]>;
  count(): Promise<number>;
  /** Which of these keys the host has (called with at most 5,000 keys). */
  existing(keys: readonly number[]): Promise<Iterable<number>>;
  /** Replaces the roles of the user with this key, in one transaction on the host database (writes are on). */
  writeRoles(key: number, userId: string, roles: readonly string[]): Promise<void>;
}

/**
 * A {@link HostSource} over integer-keyed host tables: WordPress, Drupal 7 and 8+, Joomla and generic SQL
 * tables are all built this way, so they share one reading of user ids and one guard for writes.
 *
 * @example
 * ```ts
 * const source = keyedHostSource({ name: 'crm', idPrefix: 'crm:', writes: false, listRoles, read, count, existing, writeRoles });
 * await source.readUser('crm:7', await source.listRoles());
 * ```
 */
export function keyedHostSource(p: KeyedHostParts): HostSource {
  const keyOf = (userId: string): number | null => {
    const key = userKey(p.idPrefix, userId);
    return key !== null && (p.validKey?.(key) ?? true) ? key : null;
  };
  return {
    name: p.name,
    idPrefix: p.idPrefix,
    listRoles: () => p.listRoles(),
    readUsers: (page, roles) => p.read(null, page, roles),
    async readUser(userId, roles) {
      const key = keyOf(userId);
      return key === null ? null : ((await p.read([key], null, roles))[0] ?? null);
    },
    countUsers: () => p.count(),
    async setUserRoles(userId, roles) {
      if (!p.writes) throw new HostWritesDisabledError(p.name, userId);
      const key = keyOf(userId);
      if (key === null) throw new HostUserMissingError(p.name, userId);
      await p.writeRoles(key, userId, roles);
    },
    async existingUsers(userIds) {
      const keys = userIds.map(keyOf).filter((k): k is number => k !== null);
      const out = new Set<string>();
      for (const part of inChunks(keys, KEYS_PER_CHECK)) for (const key of await p.existing(part)) out.add(`${p.idPrefix}${key}`);
      return out;
    },
  };
}
