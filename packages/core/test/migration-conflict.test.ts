import { describe, expect, it } from 'vitest';
import { isMigrationConflict } from '../src/store/migration-lease.js';

// Which MariaDB/MySQL errors a migration step runs again after (bounded: see migrateSchema).
describe('isMigrationConflict', () => {
  const error = (errno: number, message: string, cause?: unknown) => Object.assign(new Error(message, cause === undefined ? {} : { cause }), { errno });

  it('retries deadlocks and Galera certification conflicts (1213)', () => {
    expect(isMigrationConflict(error(1213, 'Deadlock found when trying to get lock; try restarting transaction'))).toBe(true);
  });

  it("retries a commit the Galera provider refused while a node rejoined (1180), also as another error's cause", () => {
    const refused = error(1180, 'Error while appending streaming replication fragment(provider status: Provider in bad state, needs to be reinitialized.)');
    expect(isMigrationConflict(refused)).toBe(true);
    expect(isMigrationConflict(new Error('migrating the schema failed', { cause: refused }))).toBe(true);
  });

  it('does not retry other commit failures, other errors or non-errors', () => {
    expect(isMigrationConflict(error(1180, 'Got error 28 "No space left on device" during COMMIT'))).toBe(false);
    expect(isMigrationConflict(error(1146, "Table 'test.rg_domain' doesn't exist"))).toBe(false);
    expect(isMigrationConflict('Deadlock')).toBe(false);
    expect(isMigrationConflict(null)).toBe(false);
  });
});
