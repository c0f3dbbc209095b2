import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliDialects, freshDatabaseUrl } from './support/cli-databases.js';
import { rowguard, tempDir } from './support/cli-runner.js';

const dialects = await cliDialects({ withPostgres: false });

interface DemoJson {
  ok: boolean;
  domain: string;
  values: string[];
  totals: Record<string, number>;
  subTypes: string[];
  people: { key: string; home: string; subTypes: string[]; sees: Record<string, number>; mayCreate: Record<string, Record<string, boolean>> }[];
  walls: { hold: boolean; breaches: string[] };
  refusal: { person: string; question: string; because: string; deciding: string; lines: string[] } | null;
}

/** What the country-sales organisation must allow: the expected matrix, derived from the sub-type alone. */
const MAY_CREATE: Readonly<Record<string, readonly string[]>> = {
  manager: ['team_lead', 'sales', 'customer'],
  team_lead: ['sales'],
  sales: [],
  customer: [],
};

function checkWalls(out: DemoJson): void {
  expect(out.walls).toEqual({ hold: true, breaches: [] });
  expect(out.values).toEqual(['VN', 'FR', 'DE']);
  expect(out.totals).toEqual({ VN: 7, FR: 5, DE: 5 });
  expect(out.people).toHaveLength(17);
  for (const p of out.people) {
    const role = p.subTypes[0] as string;
    for (const country of out.values) {
      // Staff see their whole country and nothing else; customers see only themselves.
      const expected = country !== p.home ? 0 : role === 'customer' ? 1 : (out.totals[country] as number);
      expect(p.sees[country], `${p.key} sees ${country}`).toBe(expected);
      for (const sub of out.subTypes) {
        const allowed = country === p.home && (MAY_CREATE[role] ?? []).includes(sub);
        expect(p.mayCreate[sub]?.[country], `${p.key} may create ${sub} in ${country}`).toBe(allowed);
      }
    }
  }
}

describe('rowguard demo (the country-sales organisation)', () => {
  it.concurrent('applies the organisation to rowguard-demo.sqlite and shows the walls between countries', async () => {
    const dir = tempDir('demo');
    const first = await rowguard(['demo', '--json'], { cwd: dir });
    expect(first.code, first.stderr).toBe(0);
    const out = first.json<DemoJson>();
    expect(out).toMatchObject({ ok: true, command: 'demo', domain: 'country-sales', db: 'sqlite:rowguard-demo.sqlite' });
    expect(existsSync(join(dir, 'rowguard-demo.sqlite'))).toBe(true);
    checkWalls(out);
    expect(out.refusal).toMatchObject({ person: 'mgr-vn', question: 'May Tran, Minh (mgr-vn) create a team lead contact in FR? No.' });
    expect(out.refusal?.deciding).toContain("'country-wall' (deny all on members of 'Other countries', priority 10)");

    // Run again, as a person would: nothing to apply, the same answers, as tables.
    const second = await rowguard(['demo'], { cwd: dir });
    expect(second.code).toBe(0);
    const text = second.stdout;
    expect(text).toContain("database: sqlite:rowguard-demo.sqlite, domain 'country-sales' (already up to date)");
    expect(text).toMatch(/Tran, Minh \(mgr-vn\) · manager · VN\n\s+VN\s+FR\s+DE\n\s+can see\s+7 of 7\s+0 of 5\s+0 of 5\n\s+create manager\s+-\s+-\s+-\n\s+create team lead\s+yes\s+-\s+-/);
    expect(text).toMatch(/Bernard, Luc \(lead-fr\) · team lead · FR\n[^\n]+\n\s+can see\s+0 of 7\s+5 of 5\s+0 of 5\n(.*\n){2}\s+create sales\s+-\s+yes\s+-/);
    expect(text).toMatch(/Becker, Tim \(cust-de-1\) · customer · DE\n[^\n]+\n\s+can see\s+0 of 7\s+0 of 5\s+1 of 5\n\s+may create\s+-\s+-\s+-/);
    expect(text).toContain('The walls between countries hold: nobody sees, or may create, a contact outside their own country.');
    expect(text).toContain('May Tran, Minh (mgr-vn) create a team lead contact in FR? No.');
    expect(text).toContain("[does not cover] 'managers-create' (allow create on members of 'Creatable by managers', priority 0), through role 'Country manager' (via group 'Managers'): country = VN (your country) is false: the candidate's country is FR");
  });

  it.concurrent.each(dialects.filter((d) => d !== 'sqlite'))('gives the same answers on %s', async (dialect) => {
    const db = await freshDatabaseUrl(dialect, 'cli_demo');
    const run = await rowguard(['demo', '--db', db, '--json'], { cwd: tempDir('demo-db') });
    expect(run.code, run.stderr).toBe(0);
    checkWalls(run.json<DemoJson>());
  });
});
