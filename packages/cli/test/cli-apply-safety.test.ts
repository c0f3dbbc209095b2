import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import { connectDatabase } from '@rowguard/core';
import { describe, expect, it } from 'vitest';
import { cliDialects, fingerprint, freshDatabaseUrl } from './support/cli-databases.js';
import { rowguard, tempDir } from './support/cli-runner.js';

const dialects = await cliDialects({ withPostgres: true });

interface ApplyJson {
  ok: boolean;
  written: boolean;
  counts: { create: number; update: number; delete: number };
  changes: { kind: string; action: string; label: string }[];
  prunes: { removed: number; stored: number; needsForce: boolean } | null;
  error?: { code: string; message: string; problems: { line: number; field: string; message: string }[] };
}

/** A policy of `n` shared contacts and entries (priority `priority`), plus `n` contacts and entries of its own. */
function racer(tag: string, n: number, priority: number): string {
  const lines = ['domain: race', 'contacts:'];
  for (let i = 0; i < n; i++) lines.push(`  - { key: c${i} }`);
  if (tag) for (let i = 0; i < n; i++) lines.push(`  - { key: ${tag}${i} }`);
  lines.push('entries:');
  for (let i = 0; i < n; i++) lines.push(`  - { key: s${i}, effect: allow, operation: view, owner: everyone, object: { contact: c${i} }, priority: ${priority} }`);
  if (tag) for (let i = 0; i < n; i++) lines.push(`  - { key: e${tag}${i}, effect: allow, operation: edit, owner: { contact: ${tag}${i} }, object: all-contacts }`);
  return `${lines.join('\n')}\n`;
}

async function columnsOf(url: string): Promise<string[]> {
  const { db, dialect, close } = await connectDatabase(url, { poolSize: 1 });
  try {
    const query =
      dialect === 'sqlite'
        ? sql<{ name: string }>`select name from pragma_table_info('rg_contact')`
        : dialect === 'mysql'
          ? sql<{ name: string }>`select column_name as name from information_schema.columns where table_schema = database() and table_name = 'rg_contact'`
          : sql<{ name: string }>`select column_name as name from information_schema.columns where table_schema = current_schema() and table_name = 'rg_contact'`;
    const { rows } = await query.execute(db);
    const indexes =
      dialect === 'sqlite'
        ? await sql<{ name: string }>`select name from sqlite_master where type = 'index' and tbl_name = 'rg_contact'`.execute(db)
        : dialect === 'mysql'
          ? await sql<{ name: string }>`select distinct index_name as name from information_schema.statistics where table_schema = database() and table_name = 'rg_contact'`.execute(db)
          : await sql<{ name: string }>`select indexname as name from pg_indexes where schemaname = current_schema() and tablename = 'rg_contact'`.execute(db);
    return [...rows.map((r) => `column ${String(r.name)}`), ...indexes.rows.map((r) => `index ${String(r.name)}`)].sort();
  } finally {
    await close();
  }
}

describe('concurrent apply --prune: serialised per domain, never a mixture', () => {
  it.concurrent.each(dialects)('two applies of different files at once leave exactly one of them, on %s', async (dialect) => {
    const db = await freshDatabaseUrl(dialect, 'cli_race');
    const dir = tempDir(`race-${dialect}`);
    const run = (...args: string[]) => rowguard([...args, '--db', db], { cwd: dir });
    const n = 30;
    writeFileSync(join(dir, 'base.yaml'), racer('', n, 0));
    writeFileSync(join(dir, 'a.yaml'), racer('a', n, 1));
    writeFileSync(join(dir, 'b.yaml'), racer('b', n, 2));
    const started = Date.now();
    const tally = { rounds: 0, bothOk: 0, oneFailed: 0, winnerA: 0, winnerB: 0 };
    while (tally.rounds < 2 || (tally.rounds < 5 && Date.now() - started < 20_000)) {
      const reset = await run('apply', 'base.yaml', '--prune', '--force', '--quiet');
      expect(reset.code, reset.stderr).toBe(0);
      const [a, b] = await Promise.all([run('apply', 'a.yaml', '--prune', '--force', '--json'), run('apply', 'b.yaml', '--prune', '--force', '--json')]);
      const codes = [a.code, b.code].sort();
      // Both succeed, or one fails cleanly (a database lock timeout, exit 3, with a JSON error); never a crash.
      expect([[0, 0], [0, 2], [0, 3]], `${a.stdout}${a.stderr}\n${b.stdout}${b.stderr}`).toContainEqual(codes);
      for (const r of [a, b]) if (r.code !== 0) expect(r.json<ApplyJson>().ok).toBe(false);
      expect(a.stderr + b.stderr).not.toContain('still differs');
      if (codes[1] === 0) tally.bothOk++;
      else tally.oneFailed++;
      // The stored policy equals exactly one of the two files.
      const sameAs = async (file: string) => (await run('apply', file, '--prune', '--dry-run', '--json')).json<ApplyJson>().changes.length === 0;
      const [isA, isB] = [await sameAs('a.yaml'), await sameAs('b.yaml')];
      expect([isA, isB], `round ${tally.rounds}`).toContain(true);
      expect(isA && isB).toBe(false);
      if (isA) tally.winnerA++;
      else tally.winnerB++;
      tally.rounds++;
    }
    console.log(`concurrent apply --prune on ${dialect}: ${JSON.stringify(tally)}`);
    expect(tally.winnerA + tally.winnerB).toBe(tally.rounds);
  }, 120_000);
});

describe('empty files and oversized prunes', () => {
  const BASE = `domain: guard
contacts:
${Array.from({ length: 6 }, (_, i) => `  - { key: k${i} }`).join('\n')}
groups:
  - { name: Team, kind: static, members: [k0, k1, k2] }
entries:
  - { key: e0, effect: allow, operation: view, owner: everyone, object: all-contacts }
`;
  it.concurrent.each(dialects.filter((d) => d !== 'postgres'))('an empty, comment-only or ~ file is refused (exit 2) and removes nothing, on %s', async (dialect) => {
    const db = await freshDatabaseUrl(dialect, 'cli_empty');
    const dir = tempDir(`empty-${dialect}`);
    const run = (...args: string[]) => rowguard([...args, '--db', db], { cwd: dir });
    writeFileSync(join(dir, 'base.yaml'), BASE);
    expect((await run('apply', 'base.yaml')).code).toBe(0);
    const before = await fingerprint(db);
    for (const [name, text] of [['zero.yaml', ''], ['comment.yaml', '# nothing here\n'], ['tilde.yaml', '~\n'], ['domain-only.yaml', 'domain: guard\n'], ['empty.json', '{}']]) {
      writeFileSync(join(dir, name as string), text as string);
      const r = await run('apply', name as string, '--prune', '--domain', 'guard', '--json');
      expect(r.code, `${name}: ${r.stdout}`).toBe(2);
      const out = r.json<ApplyJson>();
      expect(out.error?.code).toBe('empty_policy');
      expect(out.error?.problems[0]?.line).toBe(1);
    }
    expect(await fingerprint(db)).toEqual(before);
  }, 60_000);

  it.concurrent.each(dialects.filter((d) => d !== 'postgres'))('--prune of more than half the domain needs --force; the dry run lists what would go, on %s', async (dialect) => {
    const db = await freshDatabaseUrl(dialect, 'cli_guard');
    const dir = tempDir(`guard-${dialect}`);
    const run = (...args: string[]) => rowguard([...args, '--db', db], { cwd: dir });
    writeFileSync(join(dir, 'base.yaml'), BASE);
    expect((await run('apply', 'base.yaml')).code).toBe(0);
    writeFileSync(join(dir, 'tiny.yaml'), 'domain: guard\ncontacts:\n  - { key: k0 }\n');
    const before = await fingerprint(db);
    const refused = await run('apply', 'tiny.yaml', '--prune', '--json');
    expect(refused.code, refused.stdout).toBe(2);
    expect(refused.json<ApplyJson>().error).toMatchObject({ code: 'prune_too_large' });
    expect(refused.json<ApplyJson>().error?.message).toMatch(/would remove 10 of the 11 objects/);
    expect(await fingerprint(db)).toEqual(before);
    const dry = await run('apply', 'tiny.yaml', '--prune', '--dry-run');
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain("- contact 'k5'");
    expect(dry.stdout).toContain("- group 'Team'");
    expect(dry.stdout).toContain('refused without --force');
    expect(await fingerprint(db)).toEqual(before);
    // Removing less than half goes through without --force.
    writeFileSync(join(dir, 'most.yaml'), BASE.replace('  - { key: k5 }\n', ''));
    expect((await run('apply', 'most.yaml', '--prune')).code).toBe(0);
    const forced = await run('apply', 'tiny.yaml', '--prune', '--force', '--json');
    expect(forced.code, forced.stdout).toBe(0);
    expect(forced.json<ApplyJson>()).toMatchObject({ written: true, prunes: { needsForce: true } });
  }, 60_000);
});

describe('a refused file changes nothing, the schema included; the dry run refuses what the apply refuses', () => {
  const BASE = `domain: d9
attributes: { country: { type: text } }
contacts:
  - { key: boss, attributes: { country: VN } }
  - { key: asst, attributes: { country: VN } }
  - { key: out, attributes: { country: FR } }
groups:
  - { name: Team, kind: static, members: [boss, asst] }
roles:
  - { name: Manager, assignees: [{ contact: boss }] }
entries:
  - { key: mgr-edit, effect: allow, operation: edit, owner: { role: Manager }, object: all-contacts }
  - { key: mgr-grant, effect: allow, operation: grant, owner: { role: Manager }, object: { members: Team } }
`;
  // 'out' is not in boss's grant set (the members of Team): the engine refuses the delegation.
  const REFUSED = 'delegations:\n  - { key: d1, granter: boss, recipient: out, parent: mgr-edit, operation: view }\n';

  it.concurrent.each(dialects)('a new attribute with a refused delegation adds no column or index, on %s', async (dialect) => {
    const db = await freshDatabaseUrl(dialect, 'cli_schema_refused');
    const dir = tempDir(`schema-refused-${dialect}`);
    const run = (...args: string[]) => rowguard([...args, '--db', db], { cwd: dir });
    writeFileSync(join(dir, 'base.yaml'), BASE);
    expect((await run('apply', 'base.yaml')).code).toBe(0);
    const text = `${BASE.replace('attributes: { country: { type: text } }', 'attributes: { country: { type: text }, tier: { type: integer } }').replace(
      '{ key: out, attributes: { country: FR } }',
      '{ key: out, attributes: { country: FR, tier: 3 } }',
    )}${REFUSED}`;
    writeFileSync(join(dir, 'refused.yaml'), text);
    const columns = await columnsOf(db);
    const before = await fingerprint(db);
    const r = await run('apply', 'refused.yaml', '--json');
    expect(r.code, r.stdout).toBe(2);
    expect(r.json<ApplyJson>().error?.message).toMatch(/refused\.yaml:\d+:\d+: delegation 'd1': .*outside .*grant set/);
    expect(await columnsOf(db)).toEqual(columns);
    expect(columns.join(' ')).not.toContain('tier');
    expect(await fingerprint(db)).toEqual(before);
    // The same file without the refused delegation applies, and adds the column.
    writeFileSync(join(dir, 'accepted.yaml'), text.replace(REFUSED, ''));
    expect((await run('apply', 'accepted.yaml')).code).toBe(0);
    expect(await columnsOf(db)).toContain('column tier');
  }, 60_000);

  it.concurrent.each(dialects)('the dry run refuses a delegation the apply would refuse (exit 2, its line), on %s', async (dialect) => {
    const db = await freshDatabaseUrl(dialect, 'cli_dry_refused');
    const dir = tempDir(`dry-refused-${dialect}`);
    const run = (...args: string[]) => rowguard([...args, '--db', db], { cwd: dir });
    writeFileSync(join(dir, 'refused.yaml'), `${BASE}${REFUSED}`);
    // First on a database without the domain (rehearsed on a scratch database), then with it stored.
    const fresh = await run('apply', 'refused.yaml', '--dry-run', '--json');
    expect(fresh.code, fresh.stdout).toBe(2);
    expect(fresh.json<ApplyJson>().error?.message).toMatch(/delegation 'd1'/);
    writeFileSync(join(dir, 'base.yaml'), BASE);
    expect((await run('apply', 'base.yaml')).code).toBe(0);
    const before = await fingerprint(db);
    const dry = await run('apply', 'refused.yaml', '--dry-run', '--json');
    expect(dry.code, dry.stdout).toBe(2);
    expect(dry.json<ApplyJson>().error?.message).toMatch(/refused\.yaml:15:\d+: delegation 'd1'/);
    expect(await fingerprint(db)).toEqual(before);
  }, 60_000);
});
