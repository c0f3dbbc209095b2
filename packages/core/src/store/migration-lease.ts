import { sql, type DialectAdapter, type Kysely, type MigrationLockOptions } from 'kysely';
import { StorageError } from '../model/engine-errors.js';

/**
 * How long a migration lease lasts unless renewed (seconds). The holder renews it every third of that while it
 * migrates, so only a holder that died leaves it to run out.
 */
export const MIGRATION_LEASE_SECONDS = 10;
/** Longest wait for the lease, in milliseconds (another process may be migrating a large table). */
export const MIGRATION_LEASE_WAIT_MS = 30 * 60 * 1_000;

/**
 * Whether a MariaDB/MySQL error (or one it caused) is a Galera certification conflict or a deadlock, or a commit
 * the Galera provider refused while the cluster changes membership (`ER_ERROR_DURING_COMMIT`, 1180, naming the
 * provider or replication: seen just after a node rejoins). Nothing was committed, and running the step again
 * resolves it.
 *
 * @example
 * ```ts
 * isMigrationConflict(Object.assign(new Error('Deadlock found'), { errno: 1213 })); // true
 * isMigrationConflict(Object.assign(new Error('Got error 28 during COMMIT'), { errno: 1180 })); // false: a disk error
 * ```
 */
export function isMigrationConflict(error: unknown): boolean {
  for (let e = error, depth = 0; typeof e === 'object' && e !== null && depth < 8; e = (e as { cause?: unknown }).cause, depth++) {
    const { errno, code, message } = e as { errno?: unknown; code?: unknown; message?: unknown };
    if (errno === 1213 || code === 'ER_LOCK_DEADLOCK') return true;
    if (errno === 1180 && typeof message === 'string' && /provider|replication|wsrep/i.test(message)) return true;
  }
  return false;
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
 * and tries again, so exactly one holds the lease. The holder renews it (through the pool, since its own
 * connection is busy migrating) every third of {@link MIGRATION_LEASE_SECONDS}; a holder that dies (process or
 * node killed) leaves it to run out within that time. The steps of every migration are idempotent, so a
 * migration cut off part-way completes under the next holder. Release writes 0 only where the row still holds
 * this holder's expiry.
 */
class MigrationLease {
  readonly #pool: Kysely<any>;
  #expiry = 0;
  #renewal: ReturnType<typeof setInterval> | undefined;
  #renewing: Promise<void> = Promise.resolve();

  constructor(pool: Kysely<any>) {
    this.#pool = pool;
  }

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
          this.#renewal = setInterval(() => {
            this.#renewing = this.#renew(options).catch(() => undefined);
          }, (MIGRATION_LEASE_SECONDS * 1_000) / 3);
          this.#renewal.unref();
          return;
        }
      } catch (error) {
        if (!isMigrationConflict(error)) throw error;
      }
      if (Date.now() - started > MIGRATION_LEASE_WAIT_MS) {
        throw new StorageError('taking the migration lease', new Error(`another process held it for more than ${MIGRATION_LEASE_WAIT_MS} ms`));
      }
      await new Promise((done) => setTimeout(done, Math.min(1_000, 50 + 25 * attempt)));
    }
  }

  /** Moves the lease's end forward, if this holder still has it. */
  async #renew(options: MigrationLockOptions): Promise<void> {
    const held = this.#expiry;
    if (held === 0) return;
    const expiry = Math.max(held + 1, Math.floor(Date.now() / 1_000) + MIGRATION_LEASE_SECONDS);
    const result = await sql`update ${lockTable(options)} set ${sql.ref('is_locked')} = ${expiry}
      where ${sql.ref('id')} = ${options.lockRowId} and ${sql.ref('is_locked')} = ${held}`.execute(this.#pool);
    if (this.#expiry === held && Number(result.numAffectedRows ?? 0n) === 1) this.#expiry = expiry;
  }

  async release(db: Kysely<any>, options: MigrationLockOptions): Promise<void> {
    if (this.#renewal !== undefined) clearInterval(this.#renewal);
    this.#renewal = undefined;
    await this.#renewing;
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
  const lease = new MigrationLease(db);
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
