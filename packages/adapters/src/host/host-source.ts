import { z } from 'zod';

/**
 * zod schema of a host user as an adapter reads it from the host's tables: a stable id (`wp:12`), the numeric
 * key it is paged by, e-mail and display name as stored, the role ids it holds (stable ids or machine names,
 * never labels; implicit roles such as Drupal's `authenticated` and Joomla's ancestor groups included), whether
 * the host blocks it, the host fields an `attributesFor` mapping may read, and per-user permission grants
 * (`true`) and denials (`false`).
 *
 * @example
 * ```ts
 * hostUserRecordSchema.parse({ id: 'wp:3', key: 3, email: 'Lan@Example.org', name: 'Lan', roles: ['editor'], blocked: false, fields: {}, permissions: {} });
 * ```
 */
export const hostUserRecordSchema = z
  .object({
    id: z.string().min(1).max(191),
    key: z.number().int().nonnegative(),
    email: z.string().max(255).nullable(),
    name: z.string().max(255).nullable(),
    roles: z.array(z.string().min(1).max(128)),
    blocked: z.boolean(),
    fields: z.record(z.string(), z.string().nullable()),
    permissions: z.record(z.string(), z.boolean()),
  })
  .strict();
/** A host user as an adapter reads it. */
export type HostUserRecord = z.output<typeof hostUserRecordSchema>;

/**
 * A role of the host: its stable id (WordPress role slug, Drupal 7 `rid`, Drupal 8 machine name, Joomla group
 * id), its label (shown, never matched), and its permissions: `true` granted, `false` explicitly denied (Joomla).
 *
 * @example
 * ```ts
 * const editor: HostRole = { id: 'editor', label: 'Editor', permissions: { edit_posts: true } };
 * ```
 */
export interface HostRole {
  readonly id: string;
  readonly label: string;
  readonly permissions: Readonly<Record<string, boolean>>;
}

/**
 * A page request: users whose key is above `after`, at most `limit`, in key order.
 *
 * @example
 * ```ts
 * const page: HostPage = { after: 0, limit: 1000 };
 * ```
 */
export interface HostPage {
  readonly after: number;
  readonly limit: number;
}

/**
 * What a sync reads from a host: its roles, its users page by page (in key order, one query or a few per page,
 * never one per user), one user by id, and whether users still exist. Built-in sources: WordPress, Drupal 7,
 * Drupal 8+, Joomla and generic SQL tables; any adapter implementing this passes the conformance kit
 * (`@rowguard/adapters/conformance`) before it is trusted.
 *
 * @example
 * ```ts
 * const source = wordpressSource({ db: hostDb, prefix: 'wp_' });
 * const roles = await source.listRoles();
 * const page = await source.readUsers({ after: 0, limit: 1000 }, roles);
 * ```
 */
export interface HostSource {
  /** The host's name, recorded as the provenance of the memberships its sync makes (`wordpress`). */
  readonly name: string;
  /** The prefix of the user ids this source reads (`wp:`): links with it belong to this source. */
  readonly idPrefix: string;
  listRoles(): Promise<readonly HostRole[]>;
  readUsers(page: HostPage, roles: readonly HostRole[]): Promise<readonly HostUserRecord[]>;
  /** One user, or null when the host has no such user (deleted). */
  readUser(userId: string, roles: readonly HostRole[]): Promise<HostUserRecord | null>;
  /** Which of these user ids the host still has. */
  existingUsers(userIds: readonly string[]): Promise<ReadonlySet<string>>;
  /** How many users a full run will read (for progress), when the source can tell cheaply. */
  countUsers?(): Promise<number>;
  /** The user's effective host permissions, when the host's rule is not {@link effectivePermissions}'. */
  permissionsOf?(user: HostUserRecord, roles: readonly HostRole[]): ReadonlySet<string>;
  /**
   * Sets the roles the user holds in the host's own tables to exactly these (stable ids or machine names;
   * implicit roles such as Drupal's `authenticated` or Joomla's ancestor groups may be listed and are not
   * stored), in one transaction. Present on the built-in sources; throws `HostWritesDisabledError` unless the
   * source was built with `writes: true`, `UnknownHostRoleError` for a role the host does not have and
   * `HostUserMissingError` for a user it does not have — in every case writing nothing.
   */
  setUserRoles?(userId: string, roles: readonly string[]): Promise<void>;
}

/**
 * A user's effective host permissions: granted by a role or the user, minus any denied by a role or the user
 * (an explicit deny anywhere wins, as Joomla's rules and Drupal's have-nots do). Sources with other precedence
 * (WordPress: per-user capabilities override role capabilities) apply it themselves before this.
 *
 * @example
 * ```ts
 * effectivePermissions(user, roles); // Set { 'edit_posts', 'read' }
 * ```
 */
export function effectivePermissions(user: HostUserRecord, roles: readonly HostRole[]): Set<string> {
  const byId = new Map(roles.map((r) => [r.id, r]));
  const granted = new Set<string>();
  const denied = new Set<string>();
  const add = (perms: Readonly<Record<string, boolean>>) => {
    for (const [name, allow] of Object.entries(perms)) (allow ? granted : denied).add(name);
  };
  for (const id of user.roles) add(byId.get(id)?.permissions ?? {});
  add(user.permissions);
  for (const name of denied) granted.delete(name);
  return granted;
}

/**
 * The numeric key in a user id of this source (`wp:12` -> 12), or null when the id is not this source's.
 *
 * @example
 * ```ts
 * userKey('wp:', 'wp:12'); // 12
 * ```
 */
export function userKey(idPrefix: string, userId: string): number | null {
  if (!userId.startsWith(idPrefix)) return null;
  const rest = userId.slice(idPrefix.length);
  return /^[0-9]{1,15}$/.test(rest) ? Number(rest) : null;
}

/**
 * zod schema of a table prefix (`wp_`, `wp_2_`, `jos_`, or empty): letters, digits and underscores.
 *
 * @example
 * ```ts
 * tablePrefixSchema.parse('wp_2_');
 * ```
 */
export const tablePrefixSchema = z.string().regex(/^[A-Za-z0-9_]{0,32}$/, 'letters, digits and underscores');
/**
 * zod schema of a table or column name read from configuration.
 *
 * @example
 * ```ts
 * sqlIdentifierSchema.parse('app_user');
 * ```
 */
export const sqlIdentifierSchema = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, 'a plain SQL identifier');
