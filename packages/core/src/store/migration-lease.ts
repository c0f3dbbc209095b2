import { sql, type DialectAdapter, type Kysely, type MigrationLockOptions } from 'kysely';
import { StorageError } from '../model/engine-errors.js';

/** How long a migration lease lasts before another process may take it over (seconds). */
export const MIGRATION_LEASE_SECONDS = 120;
/** Longest wait for another process's lease to end, in milliseconds. */
export const MIGRATION_LEASE_WAIT_MS = 2 * MIGRATION_LEASE_SECONDS * 1_000;

/** Whether a MariaDB/MySQL error is a Galera certification conflict or a deadlock (running it again helps). */
function isConflict(error: unknown): boolean {
  const { errno, code } = (error ?? {}) as { errno?: unknown; code?: unknown };
  return errno === 1213 || code === 'ER_LOCK_DEADLOCK';
}

/**
 * Takes the migration lock of Kysely's migrator on MariaDB/MySQL as a lease on the lock row, instead of
 * Kysely's `GET_LOCK()`, which is local to one server and so no lock at all on a Galera cluster (two nodes
 * would migrate at once).
 *
 * The lock table (created by the migrator, primary key `id`) has one row whose `is_locked` column is 0 when
 * free, else the Unix time (seconds) when the holder's lease ends. Taking the lock is one autocommitted
 * `UPDATE ... WHERE id = ? AND (is_locked = 0 OR is_locked < now)`: on one server the row lock makes it atomic;
 * on Galera two nodes that both update the row conflict at certification, one of them gets a deadlock error
 * and tries again, so exactly one holds the lease. A holder that dies (process or node killed) leaves the
 * lease to expire after {@link MIGRATION_LEASE_SECONDS}; the steps of every migration are idempotent, so a
 * migration cut off part-way completes under the next holder. Release writes 0 only where the row still holds
 * this holder's expiry.
 */
class MigrationLease {
  #expiry = 0;

  async acquire(db: Kysely<any>, options: MigrationLockOptions): Promise<void> {
    const started = Date.now();
    for (let attempt = 0; ; attempt++) {
      const now = Math.floor(Date.now() / 1_000);
      // Unique per holder: the next holder can only take the row once this expiry has passed.
      const expiry = now + MIGRATION_LEASE_SECONDS;
      try {
        const result = await sql`update ${lockTable(options)} set ${sql.ref('is_locked')} = ${expiry}
          where ${sql.ref('id')} = ${options.lockRowId} and (${sql.ref('is_locked')} = 0 or ${sql.ref('is_locked')} < ${now})`.execute(db);
        if (Number(result.numAffectedRows ?? 0n) === 1) {
          this.#expiry = expiry;
          return;
        }
      } catch (error) {
        if (!isConflict(error)) throw error;
      }
      if (Date.now() - started > MIGRATION_LEASE_WAIT_MS) {
        throw new StorageError('taking the migration lease', new Error(`another process held it for more than ${MIGRATION_LEASE_WAIT_MS} ms`));
      }
      await new Promise((done) => setTimeout(done, Math.min(1_000, 50 + 25 * attempt)));
    }
  }

  async release(db: Kysely<any>, options: MigrationLockOptions): Promise<void> {
    if (this.#expiry === 0) return;
    const expiry = this.#expiry;
    this.#expiry = 0;
    await sql`update ${lockTable(options)} set ${sql.ref('is_locked')} = 0
      where ${sql.ref('id')} = ${options.lockRowId} and ${sql.ref('is_locked')} = ${expiry}`.execute(db);
  }
}

function lockTable(options: MigrationLockOptions) {
  return options.lockTableSchema ? sql.table(`${options.lockTableSchema}.${options.lockTable}`) : sql.table(options.lockTable);
}

/**
 * A view of `db` for Kysely's migrator on MariaDB/MySQL whose dialect adapter takes the migration lock as a
 * row lease ({@link MigrationLease}) rather than with `GET_LOCK()`, so migrations are serialised across the
 * nodes of a Galera cluster too. Everything else is `db` itself.
 *
 * @example
 * ```ts
 * const migrator = new Migrator({ db: leasedMigrationLock(db), provider, migrationLockTableName: 'rg_migration_lock' });
 * ```
 */
export function leasedMigrationLock(db: Kysely<any>): Kysely<any> {
  const lease = new MigrationLease();
  const executor = db.getExecutor();
  const base = executor.adapter;
  const adapter = new Proxy(base, {
    get(target, prop) {
      if (prop === 'acquireMigrationLock') return (lockDb: Kysely<any>, options: MigrationLockOptions) => lease.acquire(lockDb, options);
      if (prop === 'releaseMigrationLock') return (lockDb: Kysely<any>, options: MigrationLockOptions) => lease.release(lockDb, options);
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  }) satisfies DialectAdapter;
  const wrappedExecutor = new Proxy(executor, {
    get(target, prop) {
      if (prop === 'adapter') return adapter;
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
  return new Proxy(db, {
    get(target, prop) {
      if (prop === 'getExecutor') return () => wrappedExecutor;
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}
