import type { Kysely } from 'kysely';

/**
 * Runs `read` as one consistent read of the database: every statement it issues sees the same committed state,
 * so a reader never mixes the tables of two versions of the policy. It runs in a read-only REPEATABLE READ
 * transaction:
 *
 * - PostgreSQL: REPEATABLE READ takes one snapshot at the first statement and keeps it to the end.
 * - MariaDB / MySQL (InnoDB): REPEATABLE READ reads every table from the read view made at the first read.
 * - SQLite: a deferred `begin` (Kysely sends no isolation level there). The first read takes a SHARED lock, and
 *   in rollback-journal mode no other connection or process can commit until the transaction ends (a writer
 *   waits on its busy timeout for a few milliseconds); in WAL mode the reader keeps the WAL snapshot of its
 *   first read while writers go on.
 *
 * When `db` is already a transaction (a write that reads the policy it is changing), the read runs inside it
 * and sees that transaction's own state.
 *
 * @example
 * ```ts
 * const [a, b] = await consistentRead(db, (trx) => Promise.all([trx.selectFrom('t1').selectAll().execute(), trx.selectFrom('t2').selectAll().execute()]));
 * ```
 */
export async function consistentRead<T>(db: Kysely<any>, read: (db: Kysely<any>) => Promise<T>): Promise<T> {
  if (db.isTransaction) return read(db);
  return db
    .transaction()
    .setIsolationLevel('repeatable read')
    .setAccessMode('read only')
    .execute((trx) => read(trx));
}
