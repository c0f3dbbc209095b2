import { z } from 'zod';

/**
 * zod schema of the engine's `cluster` setting: what kind of database deployment it runs against.
 *
 * - `single` (default): one server (or SQLite). Every read and write goes to `db`.
 * - `galera`: `db` reaches one node of a MariaDB Galera cluster. The freshness read every decision makes (the
 *   domain's version) runs with `wsrep_sync_wait = syncWait` on that statement alone (`SET STATEMENT ... FOR`),
 *   so the node first applies everything committed anywhere in the cluster before the read began: a decision
 *   on node B sees a change committed on node A. `syncWait` is the `wsrep_sync_wait` bit mask (1: reads).
 * - `postgres-replicas`: `db` is the PostgreSQL primary and `replicas` (an engine option) are hot standbys.
 *   Writes go to the primary. Decisions and clauses of a session made with a consistency token read a replica
 *   once it has replayed the token's LSN, waiting at most `replicaWaitMs` (polling every `pollMs`), else the
 *   primary. Sessions without a token read a replica (`untokenedReads: 'replica'`, stale by the replication
 *   lag) or the primary (`'primary'`).
 *
 * @example
 * ```ts
 * clusterConfigSchema.parse({ kind: 'galera' }); // { kind: 'galera', syncWait: 1 }
 * clusterConfigSchema.parse({ kind: 'postgres-replicas', replicaWaitMs: 200 });
 * ```
 */
export const clusterConfigSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('single') }).strict(),
  z
    .object({
      kind: z.literal('galera'),
      syncWait: z.number().int().min(1).max(15).default(1),
    })
    .strict(),
  z
    .object({
      kind: z.literal('postgres-replicas'),
      replicaWaitMs: z.number().int().min(0).max(60_000).default(1_000),
      pollMs: z.number().int().min(1).max(1_000).default(10),
      untokenedReads: z.enum(['replica', 'primary']).default('replica'),
    })
    .strict(),
]);

/** The `cluster` setting as a host writes it. */
export type ClusterConfigInput = z.input<typeof clusterConfigSchema>;
/** The `cluster` setting after validation and defaults. */
export type ClusterConfig = z.output<typeof clusterConfigSchema>;

/**
 * zod schema of a consistency token: the PostgreSQL WAL position (LSN, `X/Y` in hexadecimal) of everything
 * committed on the primary when it was taken. A session given it reads a replica only once the replica has
 * replayed that far.
 *
 * @example
 * ```ts
 * consistencyTokenSchema.parse({ lsn: '0/3000148' });
 * ```
 */
export const consistencyTokenSchema = z
  .object({ lsn: z.string().regex(/^[0-9A-Fa-f]{1,8}\/[0-9A-Fa-f]{1,8}$/, 'a PostgreSQL LSN such as 0/3000148') })
  .strict();

/** A consistency token (see {@link consistencyTokenSchema}). */
export type ConsistencyToken = z.output<typeof consistencyTokenSchema>;
