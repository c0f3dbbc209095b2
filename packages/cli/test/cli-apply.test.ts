import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { cliDialects, fingerprint, freshDatabaseUrl } from './support/cli-databases.js';
import { FIXTURES, rowguard, tempDir } from './support/cli-runner.js';

const dialects = await cliDialects({ withPostgres: true });
const FULL = join(FIXTURES, 'full-policy.yaml');

interface ApplyJson {
  ok: boolean;
  command: string;
  domain: string;
  dryRun: boolean;
  prune: boolean;
  written: boolean;
  counts: { create: number; update: number; delete: number };
  changes: { kind: string; action: string; key: string[]; label: string; fields: string[] }[];
  remaining: string[];
}

const keysOf = (run: { json<T>(): T }): string[] => run.json<{ contacts: { key: string }[] }>().contacts.map((c) => c.key);

/**
 * One test per database, run concurrently with the others: the steps depend on each other (each starts from
 * the state the previous one left), so they run in order inside it.
 */
describe('apply, re-apply, export round trip, dry-run, prune', () => {
  it.concurrent.each(dialects.filter((d) => d !== 'postgres'))('on %s', async (dialect) => {
    const db = await freshDatabaseUrl(dialect, 'cli_apply');
    const dir = tempDir(`apply-${dialect}`);
    const run = (...args: string[]) => rowguard([...args, '--db', db], { cwd: dir });

    // applies every section in one go; re-applying the same file changes nothing
    {
      const first = await run('apply', FULL, '--json');
      expect(first.code, first.stderr).toBe(0);
      const out = first.json<ApplyJson>();
      expect(out).toMatchObject({ ok: true, command: 'apply', domain: 'full', dryRun: false, written: true, remaining: [] });
      expect(out.counts).toEqual({ create: 44, update: 0, delete: 0 });
      const kinds = new Set(out.changes.map((c) => c.kind));
      for (const kind of ['contact', 'user-link', 'group', 'membership', 'role', 'permission', 'assignment', 'entry', 'relationship-type', 'relationship', 'delegation']) {
        expect(kinds, kind).toContain(kind);
      }
      expect(out.changes.filter((c) => c.kind === 'entry').map((c) => c.key[0])).toEqual(expect.arrayContaining(['mgr-multi#delete', 'mgr-multi#search']));

      const before = await fingerprint(db);
      const again = await run('apply', FULL, '--json');
      expect(again.code).toBe(0);
      expect(again.json<ApplyJson>()).toMatchObject({ written: false, counts: { create: 0, update: 0, delete: 0 }, changes: [] });
      expect(await fingerprint(db)).toEqual(before);
    }
    // the applied policy decides as written (delegation, Removed member, priorities, contact-level entry)
    {
      // asst holds a delegation from boss: mgr-edit ('Same country' as boss, VN) narrowed to customers, view only.
      expect(keysOf(await run('list', '--domain', 'full', '--as', 'asst', 'view', '--json'))).toEqual(['emp1', 'cust1']);
      // mgr-multi#delete (priority 3) covers 'Local customers': VN customers, cust1 explicitly Removed.
      expect(keysOf(await run('list', '--domain', 'full', '--as', 'boss', 'delete', '--json'))).toEqual(['emp1']);
      const byUser = await run('check', '--domain', 'full', '--user', 'u-boss', 'view', 'acme', '--json');
      expect(byUser.code).toBe(0);
      expect(byUser.json()).toMatchObject({ allowed: true, subject: { label: 'user u-boss' } });
    }
    // export round-trips (YAML and JSON): applying the export changes nothing
    {
      const yaml = await run('export', '--domain', 'full');
      expect(yaml.code, yaml.stderr).toBe(0);
      const exported = parse(yaml.stdout);
      expect(exported.domain).toBe('full');
      expect(exported.contacts).toHaveLength(7);
      expect(exported.entries.find((e: { key: string }) => e.key === 'mgr-multi')).toMatchObject({ operation: ['delete', 'search'], priority: 3 });
      expect(exported.delegations).toEqual([
        { key: 'asst-sees-customers', granter: 'boss', recipient: 'asst', parent: 'mgr-edit', operation: 'view', criteria: { subType: 'customer' } },
      ]);
      expect(exported.relationships[0]).toEqual({ type: 'Employee of', a: 'emp1', b: 'acme', startDate: '2026-01-01' });
      writeFileSync(join(dir, 'export.yaml'), yaml.stdout);
      const before = await fingerprint(db);
      const reapply = await run('apply', join(dir, 'export.yaml'), '--json');
      expect(reapply.code, reapply.stdout).toBe(0);
      expect(reapply.json<ApplyJson>().changes).toEqual([]);

      const json = await run('export', '--domain', 'full', '--json');
      expect(json.code).toBe(0);
      expect(json.json()).toEqual(exported);
      writeFileSync(join(dir, 'export.json'), json.stdout);
      expect((await run('apply', join(dir, 'export.json'), '--json')).json<ApplyJson>().changes).toEqual([]);
      expect(await fingerprint(db)).toEqual(before);
    }
    // --dry-run prints the diff and writes nothing; --prune removes what the file no longer has
    {
      const source = readFileSync(FULL, 'utf8')
        .replace(/\n {2}- \{ key: acme[^\n]*/, '')
        .replace(/\n {2}- \{ type: Employee of, a: emp1[^\n]*/, '')
        .replace(/\n {2}- \{ key: hide-archive[^\n]*/, '')
        .replace(/\n {2}- \{ name: Old type[^\n]*/, '')
        .replace('criteria: { subType: customer } }', 'criteria: { subType: sales } }')
        .replace('{ key: mgr-edit, effect: allow, operation: edit,', '{ key: mgr-edit, effect: allow, operation: edit, priority: 1,');
      const file = join(dir, 'pruned.yaml');
      writeFileSync(file, source);
      const before = await fingerprint(db);

      const dry = await run('apply', file, '--dry-run', '--prune', '--json');
      expect(dry.code, dry.stdout).toBe(0);
      const plan = dry.json<ApplyJson>();
      expect(plan).toMatchObject({ dryRun: true, prune: true, written: false, counts: { create: 0, update: 2, delete: 4 } });
      expect(plan.changes.map((c) => `${c.action} ${c.kind} ${c.key.join('/')} ${c.fields.join(',')}`.trim()).sort()).toEqual([
        'delete contact acme deleted',
        'delete entry hide-archive',
        'delete relationship Employee of/emp1/acme',
        'delete relationship-type Old type',
        'update delegation asst-sees-customers criteria',
        'update entry mgr-edit priority',
      ]);
      if (dialect === 'sqlite') {
        const human = await run('apply', file, '--dry-run');
        expect(human.stdout).toContain("~ entry 'mgr-edit': priority 0 -> 1");
        expect(human.stdout).toContain('~ delegation \'asst-sees-customers\': criteria {"subType":"customer"} -> {"subType":"sales"}');
        expect(human.stdout).not.toContain("- contact 'acme'"); // nothing is removed without --prune
        expect(human.stdout).toContain('0 to create, 2 to update, 0 to remove (dry run: nothing written)');
      }
      expect(await fingerprint(db)).toEqual(before);

      const pruned = await run('apply', file, '--prune', '--json');
      expect(pruned.code, pruned.stdout).toBe(0);
      expect(pruned.json<ApplyJson>()).toMatchObject({ written: true, counts: { create: 0, update: 2, delete: 4 }, remaining: [] });
      expect((await run('apply', file, '--prune', '--json')).json<ApplyJson>().changes).toEqual([]);
      // The re-created delegation narrows to sales now; acme is only marked deleted, so nobody sees it.
      expect(keysOf(await run('list', '--domain', 'full', '--as', 'asst', 'view', '--json'))).toEqual(['emp1']);
    }
  });

  it.concurrent.each(dialects.filter((d) => d === 'postgres'))('round trip on %s: apply, re-apply and apply of the export change nothing', async (dialect) => {
    const db = await freshDatabaseUrl(dialect, 'cli_apply');
    const dir = tempDir('apply-pg');
    const run = (...args: string[]) => rowguard([...args, '--db', db], { cwd: dir });
    expect((await run('apply', FULL, '--json')).json<ApplyJson>().counts).toEqual({ create: 44, update: 0, delete: 0 });
    expect((await run('apply', FULL, '--json')).json<ApplyJson>().changes).toEqual([]);
    const exported = await run('export', '--domain', 'full', '--out', join(dir, 'export.yaml'), '--json');
    expect(exported.json()).toMatchObject({ ok: true, format: 'yaml', counts: { contacts: 7, groups: 5, roles: 4, entries: 10 } });
    expect((await run('apply', join(dir, 'export.yaml'), '--json')).json<ApplyJson>().changes).toEqual([]);
  });

  it.concurrent('reports progress on stderr when applying thousands of rows (sqlite)', async () => {
    const dir = tempDir('progress');
    const contacts = Array.from({ length: 1500 }, (_, i) => `  - { key: c${i}, subTypes: [sales], attributes: { country: ${i % 2 ? 'VN' : 'FR'} } }`);
    const members = Array.from({ length: 1500 }, (_, i) => `c${i}`).join(', ');
    const file = join(dir, 'big.yaml');
    writeFileSync(file, `attributes: { country: { type: text } }\ncontacts:\n${contacts.join('\n')}\ngroups:\n  - { name: Everyone here, kind: static, members: [${members}] }\n`);
    const run = await rowguard(['apply', file, '--db', 'sqlite:big.sqlite', '--json'], { cwd: dir });
    expect(run.code, run.stderr).toBe(0);
    expect(run.json().counts).toEqual({ create: 3001, update: 0, delete: 0 });
    expect(run.stderr).toMatch(/applying .*big\.yaml: \d+\/3001 \(\d+%\)\n/);
    expect(run.stderr).toContain('3001/3001 (100%)');
  });
});
