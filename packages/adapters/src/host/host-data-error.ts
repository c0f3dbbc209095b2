/**
 * Corrupt or inconsistent data in a host's tables (a PHP-serialized value that does not parse, a role id no
 * role has, JSON rules that are not JSON). It names the host table, the row and the user, so an administrator
 * can find and repair it; a sync that meets it writes nothing for the batch.
 *
 * @example
 * ```ts
 * throw new HostDataError({ table: 'wp_usermeta', row: 'umeta_id=42', userId: 'wp:7', reason: 'capabilities do not unserialize' });
 * ```
 */
export class HostDataError extends Error {
  override readonly name = 'HostDataError';
  /** The host table, with its prefix (`wp_usermeta`, `users_roles`, `jos_assets`). */
  readonly table: string;
  /** The row: its key columns and values (`umeta_id=42`, `uid=7,rid=9`). */
  readonly row: string;
  /** The user the row belongs to (`wp:7`), or null for a row of no user (a role definition). */
  readonly userId: string | null;
  /** What is wrong. */
  readonly reason: string;

  constructor(details: { table: string; row: string; userId: string | null; reason: string; cause?: unknown }) {
    super(`corrupt host data in ${details.table} (${details.row}${details.userId ? `, user ${details.userId}` : ''}): ${details.reason}`, { cause: details.cause });
    this.table = details.table;
    this.row = details.row;
    this.userId = details.userId;
    this.reason = details.reason;
  }
}
