import { inChunks } from './host-batches.js';
import { HostDataError } from './host-data-error.js';

/** One user -> role row as a host's link table holds it. */
export interface HeldRoleRow {
  readonly userKey: number;
  readonly roleId: string;
  /** The row as an administrator finds it (`uid=5,rid=3`), for errors. */
  readonly row: string;
}

/**
 * The roles each user holds, read from a host's user -> role table in chunks of user keys. A row naming a role the
 * host does not define is corrupt host data: a {@link HostDataError} naming the table, the row and the user.
 *
 * @example
 * ```ts
 * const held = await heldRoles(keys, (part) => readLinks(part), { table: 'users_roles', idPrefix: 'drupal:', known, missing: (rid) => `role ${rid} does not exist in role` });
 * held.get(5); // ['3', '4']
 * ```
 */
export async function heldRoles(
  keys: readonly number[],
  readRows: (part: readonly number[]) => Promise<readonly HeldRoleRow[]>,
  o: { readonly table: string; readonly idPrefix: string; readonly known: ReadonlySet<string> | null; readonly missing: (roleId: string) => string },
): Promise<Map<number, string[]>> {
  const held = new Map<number, string[]>();
  for (const part of inChunks(keys)) {
    for (const r of await readRows(part)) {
      if (o.known && !o.known.has(r.roleId)) throw new HostDataError({ table: o.table, row: r.row, userId: `${o.idPrefix}${r.userKey}`, reason: o.missing(r.roleId) });
      const list = held.get(r.userKey) ?? [];
      list.push(r.roleId);
      held.set(r.userKey, list);
    }
  }
  return held;
}
