import { sql, type Kysely } from 'kysely';
import { z } from 'zod';
import type { ClusterConfig, ConsistencyToken } from '../model/cluster-config.js';
import { consistencyTokenSchema } from '../model/cluster-config.js';
import { PolicyError, RowguardError } from '../model/engine-errors.js';
import type { DialectKind } from '../model/dialect-kind.js';

/** The most replicas one engine reads from. */
export const MAX_REPLICAS = 16;

/**
 * zod schema of the engine option `replicas`: Kysely instances on PostgreSQL hot standbys of the primary `db`.
 *
 * @example
 * ```ts
 * replicasSchema.parse([replicaDb]);
 * ```
 */
export const replicasSchema = z
  .array(
    z.custom<Kysely<any>>(
      (v) => typeof v === 'object' && v !== null && typeof (v as { selectFrom?: unknown }).selectFrom === 'function' && typeof (v as { getExecutor?: unknown }).getExecutor === 'function',
      'a Kysely instance',
    ),
  )
  .min(1)
  .max(MAX_REPLICAS);

/** Where a session reads: the primary, or replica number `index`. */
export type ReadTarget = { readonly kind: 'primary' } | { readonly kind: 'replica'; readonly index: number };

/** Counts of where token sessions went (for measurement and monitoring). */
export interface ReplicaReadCounts {
  /** Token sessions that read a replica (it had replayed the token in time). */
  readonly replica: number;
  /** Token sessions that read the primary (no replica caught up within `replicaWaitMs`, or it failed). */
  readonly primary: number;
}

type ReplicaConfig = Extract<ClusterConfig, { kind: 'postgres-replicas' }>;

/**
 * Routing of reads between a PostgreSQL primary and its hot standbys: consistency tokens (the primary's WAL
 * position) and the choice of where a session reads. Replicas are taken in turn.
 *
 * A replica counts as caught up with a token when `pg_last_wal_replay_lsn() >= token`; the check is polled every
 * `pollMs` for at most `replicaWaitMs`, then the session reads the primary. A replica that fails the check
 * (down, not reachable) is skipped in favour of the primary. A server no longer in recovery (a promoted
 * standby) compares its own `pg_current_wal_lsn()`.
 */
export class ReplicaReads {
  readonly #primary: Kysely<any>;
  readonly #replicas: readonly Kysely<any>[];
  readonly #config: ReplicaConfig;
  #turn = 0;
  #counts = { replica: 0, primary: 0 };

  constructor(primary: Kysely<any>, replicas: readonly Kysely<any>[], config: ReplicaConfig) {
    this.#primary = primary;
    this.#replicas = replicas;
    this.#config = config;
  }

  /** The replicas, in order. */
  get replicas(): readonly Kysely<any>[] {
    return this.#replicas;
  }

  /** How many token sessions went to a replica and to the primary so far. */
  get counts(): ReplicaReadCounts {
    return { ...this.#counts };
  }

  /** Where a session without a token reads. */
  untokened(): ReadTarget {
    return this.#config.untokenedReads === 'primary' ? { kind: 'primary' } : { kind: 'replica', index: this.#next() };
  }

  /** The primary's current WAL position: everything committed there so far. */
  async token(): Promise<ConsistencyToken> {
    const { rows } = await sql<{ lsn: string }>`select pg_current_wal_lsn()::text as lsn`.execute(this.#primary);
    return consistencyTokenSchema.parse({ lsn: rows[0]?.lsn });
  }

  /** Where a session given `token` reads: a replica that replayed it within the wait, else the primary. */
  async after(token: ConsistencyToken): Promise<ReadTarget> {
    const { lsn } = consistencyTokenSchema.parse(token);
    const index = this.#next();
    const replica = this.#replicas[index];
    const deadline = Date.now() + this.#config.replicaWaitMs;
    try {
      while (replica) {
        if (await replayed(replica, lsn)) {
          this.#counts.replica++;
          return { kind: 'replica', index };
        }
        if (Date.now() >= deadline) break;
        await new Promise((done) => setTimeout(done, this.#config.pollMs));
      }
    } catch {
      // A replica that cannot answer is no place to read: the primary is.
    }
    this.#counts.primary++;
    return { kind: 'primary' };
  }

  #next(): number {
    const index = this.#turn % this.#replicas.length;
    this.#turn = (this.#turn + 1) % this.#replicas.length;
    return index;
  }
}

/** Whether `db` has replayed (or, no longer a standby, written) the WAL up to `lsn`. `lsn` is bound. */
async function replayed(db: Kysely<any>, lsn: string): Promise<boolean> {
  const { rows } = await sql<{ ok: boolean | null }>`select case when pg_is_in_recovery()
      then pg_last_wal_replay_lsn() >= cast(${lsn} as pg_lsn)
      else pg_current_wal_lsn() >= cast(${lsn} as pg_lsn) end as ok`.execute(db);
  return rows[0]?.ok === true;
}

/**
 * Checks the engine options `cluster` and `replicas` together: replicas need `cluster.kind` `postgres-replicas`
 * on PostgreSQL, and that kind needs replicas; `galera` needs MariaDB/MySQL. Returns the router, if any.
 *
 * @example
 * ```ts
 * const reads = replicaReadsFor(db, 'postgres', { kind: 'postgres-replicas', replicaWaitMs: 1000, pollMs: 10, untokenedReads: 'replica' }, [replicaDb]);
 * ```
 */
export function replicaReadsFor(primary: Kysely<any>, dialect: DialectKind, cluster: ClusterConfig, replicas: unknown): ReplicaReads | undefined {
  if (cluster.kind === 'galera' && dialect !== 'mysql') throw new RowguardError(`cluster kind 'galera' needs a MariaDB database, not ${dialect}`);
  if (cluster.kind !== 'postgres-replicas') {
    if (replicas !== undefined) throw new RowguardError("the option 'replicas' needs cluster: { kind: 'postgres-replicas' }");
    return undefined;
  }
  if (dialect !== 'postgres') throw new RowguardError(`cluster kind 'postgres-replicas' needs a PostgreSQL database, not ${dialect}`);
  const parsed = replicasSchema.safeParse(replicas);
  if (!parsed.success) {
    throw new PolicyError('invalid_input', `invalid replicas: ${z.prettifyError(parsed.error)}`, { issues: parsed.error.issues });
  }
  return new ReplicaReads(primary, parsed.data, cluster);
}
