import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CompiledQuery } from 'kysely';
import { connectDatabase } from '@rowguard/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { cliDialects, freshDatabaseUrl } from './support/cli-databases.js';
import { CLI_DIR, rowguard, tempDir } from './support/cli-runner.js';

const dialects = await cliDialects({ withPostgres: false });
const DEMO = join(CLI_DIR, 'policies', 'country-sales.yaml');

interface ContactJson {
  id: number;
  key: string;
  attributes: { country: string };
  subTypes: string[];
}

/** Runs the SQL a `sql --json` printed, on the database itself, and returns the contact ids it selects. */
async function runClause(url: string, out: { query: string; parameters: unknown[] }): Promise<number[]> {
  const { db, close } = await connectDatabase(url, { poolSize: 1 });
  try {
    const result = await db.executeQuery<{ id: unknown }>(CompiledQuery.raw(out.query, out.parameters));
    return result.rows.map((r) => Number(r.id)).sort((a, b) => a - b);
  } finally {
    await close();
  }
}

describe('decision commands on the country-sales policy', () => {
  const dbs = new Map<string, { db: string; dir: string }>();
  const runOn = (dialect: string) => {
    const { db, dir } = dbs.get(dialect) as { db: string; dir: string };
    return (...args: string[]) => rowguard([...args, '--db', db, '--domain', 'country-sales'], { cwd: dir });
  };

  beforeAll(async () => {
    await Promise.all(
      dialects.map(async (dialect) => {
        const db = await freshDatabaseUrl(dialect, 'cli_commands');
        const dir = tempDir(`commands-${dialect}`);
        const applied = await rowguard(['apply', DEMO, '--db', db, '--json'], { cwd: dir });
        expect(applied.code, applied.stdout).toBe(0);
        dbs.set(dialect, { db, dir });
      }),
    );
  });

  it.concurrent.each(dialects)('check: exit 0 when allowed, 1 when denied, with a JSON verdict, on %s', async (dialect) => {
    const run = runOn(dialect);
    const allowed = await run('check', '--as', 'mgr-vn', 'edit', 'sales-vn-1', '--json');
    expect(allowed.code).toBe(0);
    expect(allowed.json()).toMatchObject({
      ok: true,
      command: 'check',
      domain: 'country-sales',
      subject: { key: 'mgr-vn' },
      operation: 'edit',
      contact: { key: 'sales-vn-1' },
      allowed: true,
    });
    const denied = await run('check', '--as', 'mgr-vn', 'view', 'sales-fr-1', '--json');
    expect(denied.code).toBe(1);
    expect(denied.json()).toMatchObject({ ok: true, allowed: false });
  });

  it.concurrent.each(dialects)('list pages through what a subject may see; sql selects exactly those contacts, on %s', async (dialect) => {
    const run = runOn(dialect);
    const page1 = await run('list', '--as', 'lead-fr', 'view', '--limit', '2', '--json');
    expect(page1.code).toBe(0);
    const first = page1.json<{ contacts: ContactJson[]; next: number | null }>();
    expect(first.contacts).toHaveLength(2);
    expect(first.next).toBe(first.contacts[1]?.id);
    const page2 = await run('list', '--as', 'lead-fr', 'view', '--limit', '10', '--after', String(first.next), '--json');
    const second = page2.json<{ contacts: ContactJson[]; next: number | null }>();
    expect(second.next).toBeNull();
    const all = [...first.contacts, ...second.contacts];
    expect(all.map((c) => c.key).sort()).toEqual(['cust-fr-1', 'cust-fr-2', 'lead-fr', 'mgr-fr', 'sales-fr-1']);
    expect(new Set(all.map((c) => c.attributes.country))).toEqual(new Set(['FR']));

    const sql = await run('sql', '--as', 'lead-fr', 'view', '--json');
    expect(sql.code).toBe(0);
    const out = sql.json<{ dialect: string; clause: string; parameters: unknown[]; query: string; alias: string }>();
    expect(out).toMatchObject({ ok: true, command: 'sql', dialect, alias: 'c' });
    expect(out.parameters).toContain('FR');
    expect(out.clause).not.toContain("'FR'"); // every value is bound
    expect(await runClause((dbs.get(dialect) as { db: string }).db, out)).toEqual(all.map((c) => c.id).sort((a, b) => a - b));
  });

  it.concurrent.each(dialects)('explain: the deciding entry and, in words, why each held entry covers or not, on %s', async (dialect) => {
    const run = runOn(dialect);
    const result = await run('explain', '--as', 'lead-vn', 'view', 'cust-fr-1', '--json');
    expect(result.code).toBe(1);
    const out = result.json();
    expect(out).toMatchObject({ ok: true, command: 'explain', allowed: false, explanation: { reason: 'denied-by-entry', deciding: { key: 'country-wall', effect: 'deny' } } });
    const held = out.words.held as { key: string; applies: boolean; why: string }[];
    expect(held.find((h) => h.key === 'country-wall')).toMatchObject({ applies: true });
    expect(held.find((h) => h.key === 'leads-view-country')?.why).toBe("country = VN (your country) is false: the contact's country is FR");
    if (dialect === 'sqlite') {
      const human = await run('explain', '--as', 'lead-vn', 'view', 'cust-fr-1');
      expect(human.stdout).toContain('Denied: lead-vn may not view Moreau, Paul (cust-fr-1).');
      expect(human.stdout).toContain("Deciding entry: 'country-wall' (deny all on members of 'Other countries', priority 10)");
    }
  });
});

describe('the other commands and their exit codes (sqlite)', () => {
  let dir: string;
  const db = 'sqlite:rowguard.sqlite';
  const run = (...args: string[]) => rowguard(args, { cwd: dir });

  beforeAll(async () => {
    dir = tempDir('commands');
    // No --db: the default is ./rowguard.sqlite in the current directory.
    const migrated = await run('migrate', DEMO, '--json');
    expect(migrated.code, migrated.stdout).toBe(0);
    expect(migrated.json()).toMatchObject({ ok: true, command: 'migrate', dialect: 'sqlite', createdSchema: true, attributes: { country: 'text' } });
    expect(existsSync(join(dir, 'rowguard.sqlite'))).toBe(true);
    expect((await run('apply', DEMO, '--quiet')).code).toBe(0);
  });

  it.concurrent('create: refuses what the create rules do not allow (exit 1, reason in words), creates what they do', async () => {
    const refused = await run('create', '--domain', 'country-sales', '--as', 'lead-vn', '{"subTypes":["customer"],"attributes":{"country":"VN"}}', '--json');
    expect(refused.code).toBe(1);
    expect(refused.json()).toMatchObject({ ok: true, command: 'create', allowed: false, created: null, because: 'no entry you hold covers the candidate, and no rule means no access' });

    const candidate = join(dir, 'candidate.yaml');
    writeFileSync(candidate, 'key: sales-vn-3\nname: "Ngo, Tuan"\nsubTypes: [sales]\nattributes: { country: VN }\ngroups: [Sales staff]\n');
    const dry = await run('create', '--domain', 'country-sales', '--as', 'lead-vn', candidate, '--dry-run', '--json');
    expect(dry.json()).toMatchObject({ allowed: true, created: null, dryRun: true });
    const created = await run('create', '--domain', 'country-sales', '--as', 'lead-vn', candidate, '--json');
    expect(created.code, created.stdout).toBe(0);
    expect(created.json()).toMatchObject({ allowed: true, created: { key: 'sales-vn-3', groups: ['Sales staff'] } });
    // The creator sees what it created; the wall keeps other countries out. ROWGUARD_DB stands in for --db.
    const env = { ROWGUARD_DB: db };
    expect((await rowguard(['check', '--domain', 'country-sales', '--as', 'lead-vn', 'view', 'sales-vn-3'], { cwd: dir, env })).code).toBe(0);
    expect((await rowguard(['check', '--domain', 'country-sales', '--as', 'mgr-fr', 'view', 'sales-vn-3'], { cwd: dir, env })).code).toBe(1);
    const human = await run('create', '--domain', 'country-sales', '--as', 'mgr-vn', '{"subTypes":["sales"],"attributes":{"country":"FR"}}');
    expect(human.code).toBe(1);
    expect(human.stdout).toContain('Denied: mgr-vn may not create a sales contact (country FR).');
    expect(human.stdout).toContain("Deciding entry: 'country-wall'");
  });

  it.concurrent('sql for another dialect binds PostgreSQL-style parameters', async () => {
    const out = (await run('sql', '--domain', 'country-sales', '--as', 'mgr-de', 'create', '--dialect', 'postgres', '--alias', 'k', '--json')).json();
    expect(out).toMatchObject({ dialect: 'postgres', alias: 'k' });
    expect(out.clause).toMatch(/"k"\."country" = \$\d+/);
    expect(out.parameters).toEqual(expect.arrayContaining(['DE', 'team_lead', 'sales', 'customer']));
    const human = await run('sql', '--domain', 'country-sales', '--as', 'mgr-de', 'view');
    expect(human.stdout).toMatch(/^-- permission clause for mgr-de, view, sqlite/);
    expect(human.stdout).toContain('-- parameters:');
  });

  it.concurrent('sql names what each shape choice tests, takes --shape hashed and lists the shapes on a bad one', async () => {
    // The managers' create scope tests sub-types: each choice line names the sub-type it is about.
    const human = await run('sql', '--domain', 'country-sales', '--as', 'mgr-de', 'create', '--purpose', 'count');
    expect(human.stdout).toMatch(/^-- sub-type team_lead: exists \(/m);
    expect(human.stdout).toMatch(/^-- sub-type customer: exists \(/m);
    expect(human.stdout).not.toMatch(/^-- groups : /m);
    const hashed = await run('sql', '--domain', 'country-sales', '--as', 'mgr-de', 'create', '--shape', 'hashed', '--json');
    expect(hashed.code).toBe(0);
    expect(hashed.json()).toMatchObject({ ok: true, command: 'sql' });
    const bad = await run('sql', '--domain', 'country-sales', '--as', 'sales-vn-1', 'view', '--shape', 'sideways');
    expect(bad.code).toBe(2);
    expect(bad.stderr + bad.stdout).toContain('auto, exists, probe, in, array or hashed');
  });

  it.concurrent('sql prints the form of the whole clause, takes --form and refuses an unknown form', async () => {
    const human = await run('sql', '--domain', 'country-sales', '--as', 'mgr-de', 'view', '--purpose', 'count');
    expect(human.stdout).toMatch(/^-- form: or \(SQLite tests the tiers as one predicate on each row\)$/m);
    // The manager's view is one term (the country, less the wall): a forced union has nothing to unite, and says so.
    const forced = await run('sql', '--domain', 'country-sales', '--as', 'mgr-de', 'view', '--purpose', 'count', '--form', 'member-union', '--json');
    expect(forced.code).toBe(0);
    const json = forced.json() as { form: { form: string; why: string }; clause: string };
    expect(json.form).toEqual({ form: 'or', why: "'member-union' was forced, but the clause has fewer than two terms to unite: the tiers as one predicate" });
    expect(json.clause).not.toMatch(/ union /);
    const bad = await run('sql', '--domain', 'country-sales', '--as', 'mgr-de', 'view', '--form', 'sideways');
    expect(bad.code).toBe(2);
    expect(bad.stderr + bad.stdout).toContain('auto, or, disjunct-union or member-union');
  });

  it.concurrent.each([
    ['an unknown command', ['frobnicate'], 2, 'usage'],
    ['an unknown operation', ['check', '--domain', 'country-sales', '--as', 'mgr-vn', 'fly', 'mgr-fr'], 2, 'unknown_operation'],
    ['an unknown contact key', ['check', '--domain', 'country-sales', '--as', 'nobody', 'view', 'mgr-fr'], 2, 'unknown_contact'],
    ['an option the command does not take', ['check', '--prune', '--as', 'mgr-vn', 'view', 'mgr-fr'], 2, 'usage'],
    ['no subject', ['list', '--domain', 'country-sales', 'view'], 2, 'missing_subject'],
    ['an unknown domain', ['export', '--domain', 'nowhere'], 2, 'unknown_domain'],
    ['an invalid candidate', ['create', '--domain', 'country-sales', '--as', 'mgr-vn', '{"subTypes":"sales"}'], 2, 'invalid_candidate'],
    ['a database file that does not exist', ['check', '--db', 'sqlite:missing.sqlite', '--as', 'a', 'view', 'b'], 3, 'no_database'],
    ['a database server that does not answer', ['export', '--db', 'mysql://root@127.0.0.1:1/none'], 3, 'database_error'],
  ] as const)('%s exits with the right code', async (_, args, code, errorCode) => {
    const result = await run(...args, '--json');
    expect(result.code, result.stdout).toBe(code);
    expect(result.json()).toMatchObject({ ok: false, error: { code: errorCode } });
  });

  it.concurrent('help and --version', async () => {
    const help = await run('help');
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: rowguard <command> [options]');
    expect(help.stdout).toContain('Exit codes: 0 ok / allowed, 1 denied, 2 bad input, 3 database error.');
    expect((await run('apply', '--help', '--json')).json()).toMatchObject({ ok: true, command: 'apply' });
    expect((await run('--version', '--json')).json()).toEqual({ ok: true, version: '0.1.0' });
  });
});
