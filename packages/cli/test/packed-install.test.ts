// "Install in your project" (docs/install.md), end to end: pack every package as it would be published, install the
// tarballs with npm into a scratch project outside the workspace, as a MariaDB-only host with its own Kysely,
// then type-check the docs' example, run it on the real server, and run the installed CLI.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, testDatabaseName, testDialects, TEST_SERVERS } from '../../core/test/support/test-databases.js';
import { CLI_DIR } from './support/cli-runner.js';

const ROOT = resolve(CLI_DIR, '../..');
const PACKAGES = ['core', 'hooks', 'policy', 'adapters', 'cli'] as const;
const INSTALL_DOC = join(ROOT, 'docs', 'install.md');
const TSC = createRequire(join(ROOT, 'package.json')).resolve('typescript/bin/tsc');

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

// The scratch project is an outside project: no npm/pnpm settings inherited from a `pnpm test` run.
const OUTSIDE_ENV = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(npm_|pnpm_)/i.test(k)));

/** Runs a program to its end (never throws for a non-zero exit). */
function exec(file: string, args: readonly string[], options: { cwd: string; env?: Record<string, string>; timeoutMs?: number }): Promise<Run> {
  return new Promise((done) => {
    execFile(
      file,
      [...args],
      { cwd: options.cwd, env: { ...OUTSIDE_ENV, ...options.env }, timeout: options.timeoutMs ?? 120_000, maxBuffer: 32 * 1024 * 1024 },
      (error, stdout, stderr) => done({ code: error ? (typeof error.code === 'number' ? error.code : 99) : 0, stdout, stderr }),
    );
  });
}

/** The fenced block of `lang` that follows a heading of docs/install.md. */
function docBlock(heading: string, lang: string): string {
  const text = readFileSync(INSTALL_DOC, 'utf8');
  const at = text.indexOf(`${heading}\n`);
  if (at < 0) throw new Error(`docs/install.md has no heading '${heading}'`);
  const match = new RegExp('```' + lang + '\\n([\\s\\S]*?)```').exec(text.slice(at));
  if (!match?.[1]) throw new Error(`docs/install.md: no \`\`\`${lang} block after '${heading}'`);
  return match[1];
}

/** Every installed copy of a package in a node_modules tree (nested ones included). */
function copiesOf(nodeModules: string, name: string): string[] {
  const found: string[] = [];
  const walk = (dir: string, depth: number) => {
    if (depth > 8 || !existsSync(dir)) return;
    if (existsSync(join(dir, name, 'package.json'))) found.push(join(dir, name));
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (!entry.isDirectory() || entry.name === '.bin') continue;
      const sub = join(dir, entry.name);
      if (entry.name.startsWith('@')) {
        for (const scoped of readdirSync(sub, { withFileTypes: true })) if (scoped.isDirectory()) walk(join(sub, scoped.name, 'node_modules'), depth + 1);
      } else walk(join(sub, 'node_modules'), depth + 1);
    }
  };
  walk(nodeModules, 0);
  return found;
}

const dialects = await testDialects();
const timings: Record<string, number> = {};
async function timed<T>(label: string, fn: () => Promise<T>): Promise<T> {
  const start = performance.now();
  try {
    return await fn();
  } finally {
    timings[label] = Math.round(performance.now() - start);
  }
}

if (!dialects.includes('mysql')) {
  // Never skipped under CI=true (testDialects already fails there when the server is down; this covers a
  // ROWGUARD_TEST_DIALECTS that leaves MariaDB out).
  if (process.env.CI === 'true') throw new Error('packed-install: the install test needs MariaDB and may not be skipped under CI=true');
  console.warn('packed-install: MariaDB is not available; the install test is skipped (it fails under CI=true)');
}

describe.runIf(dialects.includes('mysql'))('install in your project: packed packages in a MariaDB-only host', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'rowguard-host-'));
  const host = join(scratch, 'host');
  const packs = join(scratch, 'packs');
  const databaseUrl = `mysql://root@${TEST_SERVERS.mysql.host}:${TEST_SERVERS.mysql.port}/${testDatabaseName('packed_install')}`;
  const npx = (...args: string[]) => exec('npx', ['--no', 'rowguard', ...args], { cwd: host, env: { ROWGUARD_DB: '' } });
  let install: Run = { code: -1, stdout: '', stderr: '' };

  beforeAll(async () => {
    await (await openTestDatabase('mysql', 'packed_install')).close(); // a fresh, empty database
    mkdirSync(host, { recursive: true });
    mkdirSync(packs, { recursive: true });
    const tarballs = new Map<string, string>();
    await timed('pack', async () => {
      for (const name of PACKAGES) {
        const packed = await exec('pnpm', ['pack', '--pack-destination', packs], { cwd: join(ROOT, 'packages', name) });
        if (packed.code !== 0) throw new Error(`pnpm pack ${name}: ${packed.stderr}`);
        const file = readdirSync(packs).find((f) => f.startsWith(`rowguard-${name}-`) && f.endsWith('.tgz'));
        if (!file) throw new Error(`pnpm pack ${name} made no tarball`);
        tarballs.set(`@rowguard/${name}`, join(packs, file));
      }
    });
    writeFileSync(join(host, 'package.json'), JSON.stringify({ name: 'mariadb-host', private: true, type: 'module' }, null, 2));
    // The docs' MariaDB line, with each @rowguard package replaced by its tarball; policy and adapters too.
    const line = docBlock('### MariaDB or MySQL', 'sh').trim();
    expect(line).toMatch(/^npm install /);
    const specs = line.replace(/^npm install /, '').split(/\s+/).map((s) => tarballs.get(s) ?? s);
    const all = [...new Set([...specs, ...tarballs.values()])];
    install = await timed('npm install', () =>
      exec('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', ...all, '@types/node@^20.19.0'], { cwd: host, timeoutMs: 150_000 }),
    );
  }, 200_000);

  afterAll(() => {
    console.log(`packed-install timings (ms): ${JSON.stringify(timings)}`);
    rmSync(scratch, { recursive: true, force: true });
  });

  it('installs with one Kysely (the host\'s), mysql2, and neither better-sqlite3 nor pg', () => {
    expect(install.code, install.stderr).toBe(0);
    const modules = join(host, 'node_modules');
    for (const name of PACKAGES) expect(existsSync(join(modules, '@rowguard', name, 'dist', 'index.js')), name).toBe(true);
    expect(existsSync(join(modules, '@rowguard', 'policy', 'policies', 'rowguard-policy.schema.json'))).toBe(true);
    expect(existsSync(join(modules, '@rowguard', 'cli', 'policies', 'rowguard-policy.schema.json'))).toBe(true);
    expect(copiesOf(modules, 'kysely')).toEqual([join(modules, 'kysely')]);
    expect(copiesOf(modules, 'mysql2')).toEqual([join(modules, 'mysql2')]);
    expect(copiesOf(modules, 'better-sqlite3')).toEqual([]);
    expect(copiesOf(modules, 'pg')).toEqual([]);
    // No workspace: versions left in a published manifest.
    for (const name of PACKAGES) expect(readFileSync(join(modules, '@rowguard', name, 'package.json'), 'utf8')).not.toContain('workspace:');
  });

  it('type-checks the docs\' example with the host\'s Kysely (no TS2322), library types included', async () => {
    writeFileSync(join(host, 'host-example.ts'), docBlock('## Pass in your own Kysely', 'ts'));
    writeFileSync(
      join(host, 'host-checks.ts'),
      [
        "import { Kysely } from 'kysely';",
        "import { createRowguard, type RowguardTables, type RowguardTablesWith } from '@rowguard/core';",
        "import { createRowguardHooks } from '@rowguard/hooks';",
        "import { syncPolicy } from '@rowguard/policy';",
        "export function engines(db: Kysely<{ wp_users: { ID: number } } & RowguardTables>) {",
        '  const plain = createRowguard({ db });',
        '  const hooked = createRowguard(createRowguardHooks().engineOptions({ db }));',
        '  return { plain, hooked, sync: syncPolicy };',
        '}',
        "export async function typed(db: Kysely<RowguardTablesWith<'acl_', { country: string | null }>>) {",
        "  const rows = await db.selectFrom('acl_contact').select(['id', 'country', 'contact_key']).execute();",
        '  const country: string | null | undefined = rows[0]?.country;',
        "  // @ts-expect-error: acl_user_link has no such column (the table types are real, not any)",
        "  await db.selectFrom('acl_user_link').select('no_such_column').execute();",
        '  return country;',
        '}',
        '',
      ].join('\n'),
    );
    writeFileSync(
      join(host, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, skipLibCheck: false, types: ['node'] },
        files: ['host-example.ts', 'host-checks.ts'],
      }),
    );
    const tsc = await timed('tsc', () => exec(process.execPath, [TSC, '-p', 'tsconfig.json'], { cwd: host }));
    expect(tsc.stdout + tsc.stderr).toBe('');
    expect(tsc.code).toBe(0);
  });

  it('migrates and decides on the real MariaDB server from the host\'s code', async () => {
    writeFileSync(
      join(host, 'decide.mjs'),
      `import { Kysely, MysqlDialect } from 'kysely';
import { createPool } from 'mysql2';
import { createRowguard, serverSideParameters } from '@rowguard/core';
const db = new Kysely({ dialect: new MysqlDialect({ pool: serverSideParameters(createPool({ uri: process.env.DATABASE_URL })) }) });
try {
  const rowguard = createRowguard({ db, contacts: { attributes: { country: { type: 'text' } } } });
  await rowguard.migrate();
  const domain = await rowguard.domain('code-shop');
  const admin = domain.admin('installer');
  const ann = await admin.createContact({ key: 'ann', contactType: 'Individual', attributes: { country: 'VN' } });
  const bob = await admin.createContact({ key: 'bob', contactType: 'Individual', attributes: { country: 'VN' } });
  await admin.createEntry({ effect: 'allow', operation: 'view', owner: { type: 'contact', id: ann }, object: { type: 'contact', id: bob } });
  const answers = { annViewsBob: await domain.subject({ contactId: ann }).check('view', bob), bobViewsAnn: await domain.subject({ contactId: bob }).check('view', ann) };
  console.log(JSON.stringify(answers));
} finally {
  await db.destroy();
}
`,
    );
    const run = await timed('script', () => exec(process.execPath, ['decide.mjs'], { cwd: host, env: { DATABASE_URL: databaseUrl } }));
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ annViewsBob: true, bobViewsAnn: false });
  });

  it('runs the installed rowguard CLI with mysql2 only, and names the driver a URL lacks', async () => {
    writeFileSync(
      join(host, 'policy.yaml'),
      'domain: cli-shop\ncontacts:\n  - { key: ann, name: "Ann" }\n  - { key: bob, name: "Bob" }\nentries:\n  - { key: ann-sees-bob, effect: allow, operation: view, owner: { contact: ann }, object: { contact: bob } }\n',
    );
    await timed('cli', async () => {
      // A new domain's dry run is not rehearsed on a scratch SQLite database without better-sqlite3: it says so.
      const dry = await npx('apply', 'policy.yaml', '--db', databaseUrl, '--dry-run', '--json');
      expect(dry.code, dry.stdout + dry.stderr).toBe(0);
      expect(JSON.parse(dry.stdout)).toMatchObject({ ok: true, written: false, counts: { create: 3, update: 0, delete: 0 } });
      expect(JSON.parse(dry.stdout).notes.join('\n')).toContain('better-sqlite3');
      const migrated = await npx('migrate', '--db', databaseUrl, '--json');
      expect(migrated.code, migrated.stdout + migrated.stderr).toBe(0);
      const applied = await npx('apply', 'policy.yaml', '--db', databaseUrl, '--json');
      expect(applied.code, applied.stdout + applied.stderr).toBe(0);
      expect(JSON.parse(applied.stdout)).toMatchObject({ ok: true, written: true, counts: { create: 3, update: 0, delete: 0 } });
      expect(JSON.parse(applied.stdout).notes.join('\n')).toContain('better-sqlite3');
      const allowed = await npx('check', '--db', databaseUrl, '--domain', 'cli-shop', '--as', 'ann', 'view', 'bob');
      expect([allowed.code, allowed.stdout]).toEqual([0, 'allowed: ann may view bob\n']);
      const denied = await npx('check', '--db', databaseUrl, '--domain', 'cli-shop', '--as', 'bob', 'view', 'ann');
      expect([denied.code, denied.stdout]).toEqual([1, 'denied: bob may not view ann\n']);
    });
    for (const [url, driver] of [
      ['sqlite:./local.sqlite', 'better-sqlite3'],
      ['postgres://postgres@127.0.0.1:5432/test', 'pg'],
    ] as const) {
      const missing = await npx('migrate', '--db', url, '--json');
      expect(missing.code).toBe(3);
      const error = JSON.parse(missing.stdout).error as { code: string; message: string };
      expect(error.code).toBe('missing_driver');
      expect(error.message).toContain(`'${driver}'`);
      expect(error.message).toContain(`npm install ${driver}`);
    }
    expect(existsSync(join(host, 'local.sqlite'))).toBe(false);
  });
});
