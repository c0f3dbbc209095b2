import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connectDatabase } from '@rowguard/core';
import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { cliDialects, fingerprint, freshDatabaseUrl } from './support/cli-databases.js';
import { rowguard, tempDir } from './support/cli-runner.js';

const dialects = await cliDialects({ withPostgres: false });

const GOOD = `attributes: { country: { type: text }, age: { type: integer } }
contacts:
  - { key: boss, attributes: { country: VN } }
  - { key: asst, attributes: { country: VN } }
groups:
  - { name: Team, kind: static, members: [boss, asst] }
roles:
  - { name: Manager, assignees: [{ contact: boss }] }
entries:
  - { key: mgr-edit, effect: allow, operation: edit, owner: { role: Manager }, object: all-contacts }
  - { key: mgr-grant, effect: allow, operation: grant, owner: { role: Manager }, object: { members: Team } }
delegations:
  - { key: d1, granter: boss, recipient: asst, parent: mgr-edit, operation: view }
`;

interface ErrorJson {
  ok: false;
  command: string;
  error: { code: string; message: string; problems: { file: string; line: number; column: number; field: string; message: string }[] };
}

/** The 1-based line of the first line containing `needle`. */
function lineOf(text: string, needle: string): number {
  const index = text.split('\n').findIndex((l) => l.includes(needle));
  if (index < 0) throw new Error(`'${needle}' not in the text`);
  return index + 1;
}

/** Bad policy files: each must exit 2 naming the file, the line and the field, and write nothing. */
const BAD: readonly { name: string; file: string; text: string; line: (text: string) => number; field: string; message: RegExp }[] = [
  {
    name: 'a YAML syntax error',
    file: 'syntax.yaml',
    text: 'contacts:\n  - key: a\n    name: "never closed\n  - key: b\n',
    line: () => 3,
    field: '',
    message: /YAML syntax error/,
  },
  {
    name: 'a JSON syntax error (trailing comma)',
    file: 'syntax.json',
    text: '{\n  "contacts": [\n    { "key": "a" },\n  ]\n}\n',
    line: () => 4,
    field: '',
    message: /JSON syntax error: trailing comma in array/,
  },
  {
    name: 'an unknown key (a role that does not exist)',
    file: 'unknown-key.yaml',
    text: GOOD.replace('owner: { role: Manager }, object: all-contacts', 'owner: { role: Ghost }, object: all-contacts'),
    line: (t) => lineOf(t, 'role: Ghost'),
    field: 'entries[0].owner.role',
    message: /unknown role 'Ghost'/,
  },
  {
    name: 'an unknown contact key in a group',
    file: 'unknown-member.yaml',
    text: GOOD.replace('members: [boss, asst]', 'members: [boss, nobody]'),
    line: (t) => lineOf(t, 'nobody'),
    field: 'groups[0].members[1]',
    message: /unknown contact key 'nobody'/,
  },
  {
    name: 'an unknown field',
    file: 'unknown-field.yaml',
    text: GOOD.replace('{ key: mgr-edit, effect: allow,', '{ key: mgr-edit, prioritty: 3, effect: allow,'),
    line: (t) => lineOf(t, 'prioritty'),
    field: 'entries[0].prioritty',
    message: /unknown field 'prioritty'/,
  },
  {
    name: 'a value of the wrong type',
    file: 'wrong-type.yaml',
    text: GOOD.replace('operation: edit, owner', 'operation: edit, priority: high, owner'),
    line: (t) => lineOf(t, 'priority: high'),
    field: 'entries[0].priority',
    message: /expected number/i,
  },
  {
    name: 'an attribute value of the wrong type',
    file: 'wrong-attribute.yaml',
    text: GOOD.replace('{ key: asst, attributes: { country: VN } }', '{ key: asst, attributes: { country: VN, age: "old" } }'),
    line: (t) => lineOf(t, 'age: "old"'),
    field: 'contacts[1].attributes.age',
    message: /attribute 'age' is integer, got "old"/,
  },
  {
    name: 'a cycle between smart groups',
    file: 'cycle.yaml',
    text: `${GOOD.replace('roles:', '  - { name: A, kind: smart, criteria: { inGroup: B } }\n  - { name: B, kind: smart, criteria: { any: [{ subType: x }, { inGroup: A }] } }\nroles:')}`,
    line: (t) => lineOf(t, '{ name: A, kind: smart'),
    field: 'groups[1].criteria',
    message: /smart groups form a cycle: A -> B -> A/,
  },
  {
    name: 'a duplicate contact key',
    file: 'duplicate.yaml',
    text: GOOD.replace('  - { key: asst, attributes: { country: VN } }', '  - { key: asst, attributes: { country: VN } }\n  - { key: boss, attributes: { country: FR } }'),
    line: (t) => lineOf(t, 'country: FR'),
    field: 'contacts[2].key',
    message: /duplicate contact key 'boss'/,
  },
  {
    name: 'nesting 3,000 levels deep (a clear limit, not a stack overflow)',
    file: 'deep.yaml',
    text: GOOD.replace('roles:', `  - name: Deep\n    kind: smart\n    criteria: ${'{ not: '.repeat(3000)}{ subType: x }${' }'.repeat(3000)}\nroles:`),
    line: (t) => lineOf(t, 'criteria: { not:'),
    field: '',
    message: /nested more than 100 levels deep/,
  },
  {
    name: 'nesting past the limit that the parser still reads',
    file: 'deep-150.yaml',
    text: `${GOOD}relationshipTypes: ${'['.repeat(150)}${']'.repeat(150)}\n`,
    line: (t) => lineOf(t, 'relationshipTypes: [['),
    field: '',
    message: /nested more than 100 levels deep/,
  },
  {
    name: 'an unknown YAML tag',
    file: 'tag.yaml',
    text: GOOD.replace('{ key: asst, attributes: { country: VN } }', '{ key: !secret asst, attributes: { country: VN } }'),
    line: (t) => lineOf(t, '!secret'),
    field: '',
    message: /YAML tag not allowed: !secret/,
  },
  {
    name: 'a YAML tag outside the core schema (!!binary)',
    file: 'binary.yaml',
    text: GOOD.replace('{ key: asst, attributes: { country: VN } }', '{ key: !!binary YXNzdA==, attributes: { country: VN } }'),
    line: (t) => lineOf(t, '!!binary'),
    field: '',
    message: /YAML tag not allowed: !!binary/,
  },
  {
    name: 'a domain name with a NUL character',
    file: 'nul-domain.yaml',
    text: `domain: "acme\\0"\n${GOOD}`,
    line: () => 1,
    field: 'domain',
    message: /control characters/,
  },
  {
    name: 'a domain name with a newline',
    file: 'newline-domain.yaml',
    text: `domain: "acme\\n"\n${GOOD}`,
    line: () => 1,
    field: 'domain',
    message: /control characters/,
  },
  {
    name: 'a duplicate mapping key',
    file: 'duplicate-field.yaml',
    text: 'contacts:\n  - key: a\n    name: A\n    name: B\n',
    line: () => 4,
    field: '',
    message: /YAML duplicate key/,
  },
];

interface Target {
  readonly db: string;
  readonly dir: string;
  run(...args: string[]): ReturnType<typeof rowguard>;
}

describe('bad policy files exit 2, name the line, and write nothing', () => {
  const targets = new Map<string, Target>();
  const on = (dialect: string): Target => targets.get(dialect) as Target;

  beforeAll(async () => {
    for (const dialect of dialects) {
      const db = await freshDatabaseUrl(dialect, 'cli_bad_files');
      const dir = tempDir(`bad-${dialect}`);
      const target: Target = { db, dir, run: (...args) => rowguard([...args, '--db', db], { cwd: dir }) };
      writeFileSync(join(dir, 'good.yaml'), GOOD);
      const good = await target.run('apply', 'good.yaml', '--json');
      expect(good.code, good.stdout).toBe(0);
      targets.set(dialect, target);
    }
  });

  // Validation does not depend on the database: SQLite runs every case, MariaDB the ones the issue names.
  const named = ['syntax.yaml', 'unknown-key.yaml', 'wrong-type.yaml', 'cycle.yaml', 'duplicate.yaml'];
  const cases = dialects.flatMap((d) => BAD.filter((b) => d === 'sqlite' || named.includes(b.file)).map((b) => [`${b.name} (${d})`, d, b] as const));
  it.concurrent.each(cases)('%s', async (_, dialect, bad) => {
    const { db, dir, run } = on(dialect);
    writeFileSync(join(dir, bad.file), bad.text);
    const before = await fingerprint(db);
    const result = await run('apply', bad.file, '--json');
    expect(result.code, result.stdout).toBe(2);
    const out = result.json<ErrorJson>();
    expect(out).toMatchObject({ ok: false, command: 'apply', error: { code: 'invalid_policy' } });
    const problem = out.error.problems[0];
    expect(problem, JSON.stringify(out.error)).toMatchObject({ file: bad.file, line: bad.line(bad.text), field: bad.field });
    expect(problem?.message).toMatch(bad.message);
    expect(await fingerprint(db)).toEqual(before);
  });

  it.concurrent('says it in words too: file:line:column: field: message on stderr (sqlite)', async () => {
    const { dir, run } = on('sqlite');
    const bad = BAD[2] as (typeof BAD)[number];
    writeFileSync(join(dir, 'words.yaml'), bad.text);
    const result = await run('apply', 'words.yaml');
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(`words.yaml:${bad.line(bad.text)}:`);
    expect(result.stderr).toContain("entries[0].owner.role: unknown role 'Ghost'");
  });

  it.concurrent.each(dialects)('an attribute type that contradicts the stored column names the declaring line, on %s', async (dialect) => {
    const { db, dir, run } = on(dialect);
    const text = GOOD.replace('age: { type: integer }', 'age: { type: text }');
    writeFileSync(join(dir, 'conflict.yaml'), text);
    const before = await fingerprint(db);
    const result = await run('apply', 'conflict.yaml', '--json');
    expect(result.code, result.stdout).toBe(2);
    const out = result.json<ErrorJson>();
    expect(out.error.code).toBe('attribute_type_conflict');
    expect(out.error.problems[0]).toMatchObject({ file: 'conflict.yaml', line: 1, field: 'attributes.age' });
    expect(out.error.message).toMatch(/^conflict\.yaml:1:\d+: attributes\.age: attribute 'age' is declared text, but the database column is integer/);
    expect(await fingerprint(db)).toEqual(before);
  });

  it.concurrent.each(dialects)('a change the engine refuses in the middle of the transaction rolls everything back (exit 2, line named), on %s', async (dialect) => {
    const { db, dir, run } = on(dialect);
    // A new contact is written first, then an entry whose key is already taken by the stored delegation 'd1'.
    const text = `${GOOD.replace('delegations:\n  - { key: d1, granter: boss, recipient: asst, parent: mgr-edit, operation: view }\n', '').replace(
      '  - { key: asst, attributes: { country: VN } }',
      '  - { key: asst, attributes: { country: VN } }\n  - { key: newcomer, attributes: { country: FR } }',
    )}  - { key: d1, effect: allow, operation: view, owner: everyone, object: all-contacts }\n`;
    writeFileSync(join(dir, 'midway.yaml'), text);
    const before = await fingerprint(db);
    const result = await run('apply', 'midway.yaml', '--json');
    expect(result.code, result.stdout).toBe(2);
    const out = result.json<ErrorJson>();
    expect(out.error.code).toBe('duplicate');
    expect(out.error.message).toContain(`midway.yaml:${lineOf(text, '{ key: d1, effect')}:`);
    expect(out.error.message).toContain("entry key 'd1' already exists");
    expect(await fingerprint(db)).toEqual(before);
  });

  it.concurrent.each(dialects)('a delegation the engine refuses exits 2 naming its line, and nothing of the file is written, on %s', async (dialect) => {
    const { db, dir, run } = on(dialect);
    // asst does not hold mgr-edit and has no grant right: the engine refuses when the delegation is written,
    // after the new contact in the same file, which must then not be written either.
    const text = `${GOOD.replace(
      '  - { key: asst, attributes: { country: VN } }',
      '  - { key: asst, attributes: { country: VN } }\n  - { key: latecomer, attributes: { country: FR } }',
    )}  - { key: d2, granter: asst, recipient: boss, parent: mgr-edit, operation: view }\n`;
    writeFileSync(join(dir, 'refused.yaml'), text);
    const before = await fingerprint(db);
    const result = await run('apply', 'refused.yaml', '--json');
    expect(result.code, result.stdout).toBe(2);
    const out = result.json<ErrorJson>();
    expect(out.error.code).toBe('delegation_refused');
    expect(out.error.message).toContain(`refused.yaml:${lineOf(text, 'key: d2')}:`);
    expect(await fingerprint(db)).toEqual(before);
  });

  it.concurrent.each(dialects)('a group cannot change kind: refused before anything is written, on %s', async (dialect) => {
    const { db, dir, run } = on(dialect);
    const text = GOOD.replace('{ name: Team, kind: static, members: [boss, asst] }', '{ name: Team, kind: smart, criteria: { subType: x } }');
    writeFileSync(join(dir, 'kind.yaml'), text);
    const before = await fingerprint(db);
    const result = await run('apply', 'kind.yaml', '--json');
    expect(result.code).toBe(2);
    expect(result.json<ErrorJson>().error).toMatchObject({ code: 'policy_conflict', problems: [{ line: lineOf(text, 'name: Team'), file: 'kind.yaml' }] });
    expect(await fingerprint(db)).toEqual(before);
  });

  it.concurrent.each(dialects)('an integer the column cannot hold is refused (exit 2) and nothing is written, on %s', async (dialect) => {
    const { db, dir, run } = on(dialect);
    // 2^53 fits no dialect's integer column as an exact number; 2^40 fits SQLite's but not MariaDB's INT.
    const huge = dialect === 'sqlite' ? '9007199254740992' : '1099511627776';
    const text = GOOD.replace(
      '  - { key: asst, attributes: { country: VN } }',
      `  - { key: asst, attributes: { country: VN } }\n  - { key: first, attributes: { age: 1 } }\n  - { key: huge, attributes: { age: ${huge} } }`,
    );
    writeFileSync(join(dir, 'huge.yaml'), text);
    const before = await fingerprint(db);
    const result = await run('apply', 'huge.yaml', '--json');
    expect(result.code, result.stdout).toBe(2);
    expect(await fingerprint(db)).toEqual(before);
  });

  it.concurrent.each(dialects.filter((d) => d === 'mysql'))('a database error in the middle of the transaction exits 3 and rolls everything back, on %s', async (dialect) => {
    const { db, dir, run } = on(dialect);
    // A trigger makes the driver fail after the first new contact is written.
    const { db: k, close } = await connectDatabase(db, { poolSize: 1 });
    await sql`create trigger rg_test_boom before insert on rg_contact for each row begin if new.age = 666 then signal sqlstate '45000' set message_text = 'boom'; end if; end`.execute(k);
    try {
      const text = GOOD.replace(
        '  - { key: asst, attributes: { country: VN } }',
        '  - { key: asst, attributes: { country: VN } }\n  - { key: first, attributes: { age: 1 } }\n  - { key: boom, attributes: { age: 666 } }',
      );
      writeFileSync(join(dir, 'boom.yaml'), text);
      const before = await fingerprint(db);
      const result = await run('apply', 'boom.yaml', '--json');
      expect(result.code, result.stdout).toBe(3);
      expect(result.json<ErrorJson>().error.code).toBe('database_error');
      expect(await fingerprint(db)).toEqual(before);
    } finally {
      await sql`drop trigger rg_test_boom`.execute(k);
      await close();
    }
  });
});
