import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI_DIR, rowguard, tempDir } from '../../../packages/cli/test/support/cli-runner.js';

const EXAMPLE = join(CLI_DIR, '..', '..', 'examples', 'country-sales', 'country-sales.yaml');

describe('examples/country-sales', () => {
  it('is the policy `rowguard demo` ships', () => {
    expect(readFileSync(join(CLI_DIR, 'policies', 'country-sales.yaml'), 'utf8')).toBe(readFileSync(EXAMPLE, 'utf8'));
  });

  it.concurrent('applies, and enforces the create rules and the walls between countries', async () => {
    const dir = tempDir('example');
    const run = (...args: string[]) => rowguard([...args, '--db', 'sqlite:example.sqlite'], { cwd: dir });
    const dry = await run('apply', EXAMPLE, '--dry-run', '--json');
    expect(dry.code, dry.stdout).toBe(0);
    expect(dry.json()).toMatchObject({ domain: 'country-sales', written: false, counts: { create: 75, update: 0, delete: 0 } });
    expect((await run('apply', EXAMPLE, '--quiet')).code).toBe(0);
    const create = (as: string, subType: string, country: string) =>
      run('create', '--domain', 'country-sales', '--as', as, JSON.stringify({ subTypes: [subType], attributes: { country } }), '--dry-run', '--json');
    expect((await create('lead-de', 'sales', 'DE')).code).toBe(0);
    expect((await create('lead-de', 'customer', 'DE')).code).toBe(1);
    expect((await create('mgr-fr', 'customer', 'DE')).code).toBe(1);
    expect((await run('check', '--domain', 'country-sales', '--as', 'sales-vn-2', 'view', 'cust-vn-3')).code).toBe(0);
    expect((await run('check', '--domain', 'country-sales', '--as', 'sales-vn-2', 'view', 'cust-fr-1')).code).toBe(1);
  });
});
