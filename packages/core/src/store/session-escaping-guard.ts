import { sql } from 'kysely';
import { UnsafeSessionError } from '../connect/connection-errors.js';
import { readVersion, type StoreContext } from './policy-store.js';
import type { DialectKind } from '../model/dialect-kind.js';

/** A value whose round trip shows whether the session reads values as they were sent: one backslash. */
const ESCAPE_PROBE = '\\';

/**
 * The domain's policy version, read by the statement every decision runs first; on MariaDB/MySQL the same
 * statement also checks, at no extra round trip, that the connection keeps values apart from SQL text. It
 * selects a bound probe value (one backslash) and the session's `sql_mode`: a driver that interpolates values
 * on the client (mysql2 `query`, Kysely's default) escapes the backslash as `\\`, which a session with
 * `NO_BACKSLASH_ESCAPES` reads back as two characters, the same mis-reading that turns `\'` in a value into the
 * end of the string. Then this throws {@link UnsafeSessionError} and the decision denies. Values bound on the
 * server (`connectDatabase`, `serverSideParameters`) come back intact under any mode.
 *
 * @example
 * ```ts
 * const version = await readVersionCheckingSession(store, 'mysql', domainId); // throws UnsafeSessionError on an unsafe session
 * ```
 */
export async function readVersionCheckingSession(ctx: StoreContext, dialect: DialectKind, domainId: number): Promise<number | undefined> {
  if (dialect !== 'mysql') return readVersion(ctx, domainId);
  const row = await ctx.db
    .selectFrom(ctx.tables.domain)
    .select(['version', sql<unknown>`${ESCAPE_PROBE}`.as('rg_probe'), sql<unknown>`@@session.sql_mode`.as('rg_sql_mode')])
    .where('id', '=', domainId)
    .executeTakeFirst();
  if (!row) return undefined;
  const probe = Buffer.isBuffer(row.rg_probe) ? row.rg_probe.toString('utf8') : row.rg_probe;
  if (probe !== ESCAPE_PROBE) throw new UnsafeSessionError(String(row.rg_sql_mode ?? ''));
  return Number(row.version);
}
