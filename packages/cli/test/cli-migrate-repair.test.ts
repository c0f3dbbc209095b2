import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { killMigrationAfterTables } from '../../core/test/support/migration-interrupt.js';
import { cliDialects, freshDatabaseUrl } from './support/cli-databases.js';
import { CLI_DIR, rowguard, tempDir } from './support/cli-runner.js';

const dialects = await cliDialects({ withPostgres: true });
const DEMO = join(CLI_DIR, 'policies', 'country-sales.yaml');

describe('rowguard migrate repairs a schema whose creation was killed part-way', () => {
  it.each(dialects)('killed after 9 tables, then migrate, apply and check succeed, on %s', async (dialect) => {
    const db = await freshDatabaseUrl(dialect, 'cli_migrate_repair');
    const dir = tempDir(`migrate-repair-${dialect}`);
    const killed = await killMigrationAfterTables(db, 9, {});
    expect(killed).toMatch(/STALLED[\s\S]*SIGKILL/);

    const migrated = await rowguard(['migrate', '--db', db, '--json'], { cwd: dir });
    expect(migrated.code, `${migrated.stdout}\n${migrated.stderr}`).toBe(0);
    const again = await rowguard(['migrate', '--db', db, '--json'], { cwd: dir });
    expect(again.code, again.stderr).toBe(0);

    const applied = await rowguard(['apply', DEMO, '--db', db, '--json'], { cwd: dir });
    expect(applied.code, `${applied.stdout}\n${applied.stderr}`).toBe(0);
    const allowed = await rowguard(['check', '--as', 'mgr-vn', 'edit', 'sales-vn-1', '--db', db, '--domain', 'country-sales', '--json'], { cwd: dir });
    expect(allowed.code, allowed.stderr).toBe(0);
    expect(allowed.json()).toMatchObject({ allowed: true });
  }, 60_000);
});
