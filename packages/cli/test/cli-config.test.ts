import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { connectDatabase, createRowguard, type RowguardOptions, type SubjectInput } from '@rowguard/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliDialects, freshDatabaseUrl } from './support/cli-databases.js';
import { CLI_DIR, FIXTURES, rowguard, tempDir } from './support/cli-runner.js';

const dialects = await cliDialects({ withPostgres: true });
const DEMO = join(CLI_DIR, 'policies', 'country-sales.yaml');
const HOST_CONFIG = join(FIXTURES, 'host-config.mjs');

/** One decision: who (CLI options), the operation, the contact key. */
interface Case {
  readonly who: readonly string[];
  readonly operation: 'view' | 'edit';
  readonly contact: string;
}
const CASES: readonly Case[] = [
  { who: ['--as', 'sales-vn-1'], operation: 'edit', contact: 'sales-vn-2' },
  { who: ['--as', 'sales-vn-1'], operation: 'view', contact: 'sales-fr-1' },
  { who: ['--as', 'sales-vn-2'], operation: 'edit', contact: 'sales-vn-1' },
  { who: ['--as', 'mgr-vn'], operation: 'edit', contact: 'sales-vn-1' },
  { who: ['--user', 'auditor'], operation: 'view', contact: 'cust-fr-1' },
  { who: ['--user', 'crm:sales-vn-1'], operation: 'edit', contact: 'cust-vn-1' },
  { who: ['--anonymous'], operation: 'view', contact: 'cust-vn-1' },
];

/** The application's answers, in process: the engine created with the config module's hooks and provider. */
async function inProcessAnswers(url: string, withConfig: boolean): Promise<boolean[]> {
  const { db, dialect, close } = await connectDatabase(url, { poolSize: 2 });
  try {
    const base: RowguardOptions = { db, dialect, contacts: { attributes: { country: { type: 'text' } } }, onError: () => undefined };
    let options = base;
    if (withConfig) {
      const module = (await import(`${pathToFileURL(HOST_CONFIG).href}?in-process=${Math.random()}`)) as {
        default: (context: { db: unknown }) => Promise<{ hooks: { engineOptions(o: RowguardOptions): RowguardOptions }; permissionProvider: RowguardOptions['permissionProvider'] }>;
      };
      const settings = await module.default({ db });
      options = settings.hooks.engineOptions({ ...base, permissionProvider: settings.permissionProvider });
    }
    const engine = createRowguard(options);
    const domain = await engine.domain('country-sales');
    const idOf = async (key: string) =>
      Number((await db.selectFrom('rg_contact').select('id').where('contact_key', '=', key).executeTakeFirstOrThrow()).id);
    const answers: boolean[] = [];
    for (const c of CASES) {
      const subject: SubjectInput =
        c.who[0] === '--as' ? { contactId: await idOf(c.who[1] as string) } : c.who[0] === '--user' ? { userId: c.who[1] as string } : {};
      answers.push(await domain.subject(subject).check(c.operation, await idOf(c.contact)));
    }
    return answers;
  } finally {
    await close();
  }
}

describe.each(dialects)('rowguard --config: the application\'s hooks and permission provider (%s)', (dialect) => {
  let url = '';
  let dir = '';
  const run = (...args: string[]) => rowguard([...args, '--db', url, '--domain', 'country-sales'], { cwd: dir });

  beforeAll(async () => {
    url = await freshDatabaseUrl(dialect, 'cli_config');
    dir = tempDir(`config-${dialect}`);
    const applied = await rowguard(['apply', DEMO, '--db', url, '--json'], { cwd: dir });
    expect(applied.code, applied.stdout).toBe(0);
  });
  afterAll(() => undefined);

  it('check gives the in-process engine\'s answer, with the config module and without it', async () => {
    const cli = async (config: boolean) => {
      const out: boolean[] = [];
      for (const c of CASES) {
        const r = await run('check', ...c.who, c.operation, c.contact, '--json', ...(config ? ['--config', HOST_CONFIG] : []));
        expect([0, 1], `${c.who.join(' ')} ${c.operation} ${c.contact}: ${r.stdout}${r.stderr}`).toContain(r.code);
        expect(r.json().allowed).toBe(r.code === 0);
        out.push(r.code === 0);
      }
      return out;
    };
    const [withConfig, without, appWith, appWithout] = await Promise.all([cli(true), cli(false), inProcessAnswers(url, true), inProcessAnswers(url, false)]);
    expect(withConfig).toEqual(appWith);
    expect(without).toEqual(appWithout);
    // The config changes answers (the hook's promotion, the provider's auditor) and leaves the wall standing.
    expect(without).toEqual([false, false, false, true, false, false, false]);
    expect(withConfig).toEqual([true, false, false, true, true, true, false]);
  });

  it('explain, list and sql follow the config module too', async () => {
    const explained = await run('explain', '--as', 'sales-vn-1', 'edit', 'sales-vn-2', '--config', HOST_CONFIG, '--json');
    expect(explained.code, explained.stdout).toBe(0);
    expect(explained.json().words.deciding).toMatch(/managers-edit-country/);
    expect(explained.stdout).toContain("via group 'Managers'");
    expect((await run('explain', '--as', 'sales-vn-1', 'edit', 'sales-vn-2', '--json')).code).toBe(1);
    const listed = await run('list', '--user', 'auditor', 'view', '--config', HOST_CONFIG, '--json');
    const unlisted = await run('list', '--user', 'auditor', 'view', '--json');
    expect(listed.json().contacts).toHaveLength(17);
    expect(unlisted.json().contacts).toHaveLength(0);
    const other = dialect === 'sqlite' ? 'postgres' : 'sqlite';
    const clause = await run('sql', '--as', 'sales-vn-1', 'edit', '--dialect', other, '--config', HOST_CONFIG, '--json');
    const plain = await run('sql', '--as', 'sales-vn-1', 'edit', '--dialect', other, '--json');
    expect(clause.code, clause.stdout).toBe(0);
    expect(clause.json().clause).not.toEqual(plain.json().clause);
  });
});

describe('rowguard --config: a bad module is refused with a named error (exit 2)', () => {
  const dir = tempDir('config-bad');
  const db = `sqlite:${join(dir, 'rowguard.sqlite')}`;
  beforeAll(async () => {
    expect((await rowguard(['migrate', '--db', db])).code).toBe(0);
  });

  it.each([
    ['bad-config-shape.mjs', 'invalid_config', /permisions[\s\S]*RowguardHooks object[\s\S]*at hooks/],
    ['bad-config-throws.mjs', 'config_load_failed', /cannot reach its settings service/],
    ['no-such-config.mjs', 'config_not_found', /does not exist/],
  ])('%s: %s', async (file, code, message) => {
    const r = await rowguard(['check', '--anonymous', 'view', 'x', '--db', db, '--config', join(FIXTURES, file), '--json']);
    expect(r.code).toBe(2);
    expect(r.json().error.code).toBe(code);
    expect(r.json().error.message).toMatch(message);
    const human = await rowguard(['migrate', '--db', db, '--config', join(FIXTURES, file)]);
    expect(human.code).toBe(2);
    expect(human.stderr).toMatch(message);
  });
});
