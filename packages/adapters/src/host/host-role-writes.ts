import type { Kysely, Transaction } from 'kysely';
import { z } from 'zod';
import type { HostRole } from './host-source.js';

/**
 * zod schema of a source's `writes` option: `true` lets {@link HostSource.setUserRoles} write roles into the
 * host's tables; the default `false` keeps the source read-only (the call throws {@link HostWritesDisabledError}).
 *
 * @example
 * ```ts
 * hostWritesSchema.parse(true); // true
 * ```
 */
export const hostWritesSchema = z.boolean().default(false);

/**
 * A role write on a source built read-only (without `writes: true`): nothing was written.
 *
 * @example
 * ```ts
 * throw new HostWritesDisabledError('wordpress', 'wp:7');
 * ```
 */
export class HostWritesDisabledError extends Error {
  override readonly name = 'HostWritesDisabledError';

  constructor(
    readonly source: string,
    readonly userId: string,
  ) {
    super(`${source} is read-only: build it with { writes: true } to set the roles of ${userId}`);
  }
}

/**
 * A role write naming roles the host does not have, or roles that cannot be given (Drupal's anonymous role):
 * nothing was written.
 *
 * @example
 * ```ts
 * throw new UnknownHostRoleError('drupal7', 'drupal:5', ['99'], 'not a role of the host');
 * ```
 */
export class UnknownHostRoleError extends Error {
  override readonly name = 'UnknownHostRoleError';

  constructor(
    readonly source: string,
    readonly userId: string,
    readonly roles: readonly string[],
    readonly reason: string,
  ) {
    super(`${source}: cannot give ${userId} the role(s) ${roles.map((r) => `'${r}'`).join(', ')}: ${reason}`);
  }
}

/**
 * A role write for a user the host does not have (deleted, or an id of another source, or Drupal's uid 0):
 * nothing was written.
 *
 * @example
 * ```ts
 * throw new HostUserMissingError('joomla', 'joomla:404');
 * ```
 */
export class HostUserMissingError extends Error {
  override readonly name = 'HostUserMissingError';

  constructor(
    readonly source: string,
    readonly userId: string,
  ) {
    super(`${source}: no user ${userId} to set roles for`);
  }
}

/**
 * The checks every built-in role write makes before it writes (writes already enabled): roles a string list,
 * and every role one of `roles` (the host's, read in the write's transaction) and none of `refused` (implicit or
 * anonymous roles, which are never stored). Returns the distinct roles to store, in the given order.
 *
 * @example
 * ```ts
 * const store = checkRoleWrite({ source: 'drupal7', userId, roles: ['3'], known: await listRoles(trx), implicit: ['2'], refused: ['1'] });
 * ```
 */
export function checkRoleWrite(input: {
  readonly source: string;
  readonly userId: string;
  readonly roles: readonly string[];
  readonly known: readonly HostRole[];
  readonly implicit?: readonly string[];
  readonly refused?: readonly string[];
}): string[] {
  const roles = z.array(z.string().min(1).max(128)).parse(input.roles);
  const known = new Set(input.known.map((r) => r.id));
  const unknown = roles.filter((r) => !known.has(r));
  if (unknown.length > 0) throw new UnknownHostRoleError(input.source, input.userId, unknown, 'not a role of the host');
  const refused = roles.filter((r) => input.refused?.includes(r));
  if (refused.length > 0) throw new UnknownHostRoleError(input.source, input.userId, refused, 'a role no user can be given');
  return [...new Set(roles.filter((r) => !input.implicit?.includes(r)))];
}

/**
 * Runs a role write in one transaction on the host database (or in the caller's, when `db` is one already).
 *
 * @example
 * ```ts
 * await inHostTransaction(db, async (trx) => { await trx.deleteFrom('users_roles').where('uid', '=', 5).execute(); });
 * ```
 */
export async function inHostTransaction<T>(db: Kysely<any>, work: (trx: Kysely<any>) => Promise<T>): Promise<T> {
  if (db.isTransaction) return work(db as Transaction<any>);
  return db.transaction().execute(work);
}
