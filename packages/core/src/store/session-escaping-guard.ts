import { CompiledQuery, sql } from 'kysely';
import { UnsafeSessionError } from '../connect/connection-errors.js';
import { readVersion, type StoreContext } from './policy-store.js';
import type { DialectKind } from '../model/dialect-kind.js';

/** How {@link readVersionCheckingSession} reads. */
export interface FreshnessReadOptions {
  /**
   * On a Galera node: the `wsrep_sync_wait` mask the read runs with (1: wait until the node has applied every
   * write set committed in the cluster before the read began). Set for this statement only, so a pooled
   * connection keeps its session settings.
   */
  readonly galeraSyncWait?: number;
}

/**
 * The statement run as a causal read on a Galera node: `SET STATEMENT wsrep_sync_wait = n FOR <select>`
 * (MariaDB), one round trip, with the select's values still bound on the server. `mask` is a validated integer.
 */
function causal(query: CompiledQuery, mask: number): CompiledQuery {
  if (!Number.isInteger(mask) || mask < 1 || mask > 15) throw new RangeError(`wsrep_sync_wait mask ${mask} is not 1..15`);
  return CompiledQuery.raw(`set statement wsrep_sync_wait = ${mask} for ${query.sql}`, [...query.parameters]);
}

/** A value whose round trip shows whether the session reads values as they were sent: one backslash. */
const ESCAPE_PROBE = '\\';

/**
 * The domain's policy version, read by the statement every decision runs first; on MariaDB/MySQL the same
 * statement also checks, at no extra round trip, that the connection keeps values apart from SQL text. It
 * selects a bound probe value (one backslash) and the session's `sql_mode`: a driver that interpolates values
 * on the client (mysql2 `query`, Kysely's default) escapes the backslash as `\\`, which a session with
 * `NO_BACKSLASH_ESCAPES` reads back as two characters, the same mis-reading that turns `\'` in a value into the
 * end of the string. Then this throws {@link UnsafeSessionError} and the decision denies. Values bound on the
 * server (`connectDatabase`, `serverSideParameters`) come back intact under any mode. With `galeraSyncWait`
 * (an engine on a Galera cluster) the read is causal across the cluster's nodes.
 *
 * @example
 * ```ts
 * const version = await readVersionCheckingSession(store, 'mysql', domainId); // throws UnsafeSessionError on an unsafe session
 * const fresh = await readVersionCheckingSession(store, 'mysql', domainId, { galeraSyncWait: 1 }); // causal on Galera
 * ```
 */
export async function readVersionCheckingSession(
  ctx: StoreContext,
  dialect: DialectKind,
  domainId: number,
  options: FreshnessReadOptions = {},
): Promise<number | undefined> {
  if (dialect !== 'mysql') return readVersion(ctx, domainId);
  const query = ctx.db
    .selectFrom(ctx.tables.domain)
    .select(['version', sql<unknown>`${ESCAPE_PROBE}`.as('rg_probe'), sql<unknown>`@@session.sql_mode`.as('rg_sql_mode')])
    .where('id', '=', domainId);
  const row =
    options.galeraSyncWait === undefined
      ? await query.executeTakeFirst()
      : (await ctx.db.executeQuery<Record<string, unknown>>(causal(query.compile(), options.galeraSyncWait))).rows[0];
  if (!row) return undefined;
  const probe = Buffer.isBuffer(row.rg_probe) ? row.rg_probe.toString('utf8') : row.rg_probe;
  if (probe !== ESCAPE_PROBE) throw new UnsafeSessionError(String(row.rg_sql_mode ?? ''));
  return Number(row.version);
}
