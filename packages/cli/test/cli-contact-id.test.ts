import { join } from 'node:path';
import { connectDatabase, createRowguard } from '@rowguard/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { cliDialects, freshDatabaseUrl } from './support/cli-databases.js';
import { CLI_DIR, rowguard, tempDir } from './support/cli-runner.js';

const dialects = await cliDialects({ withPostgres: false });
const DEMO = join(CLI_DIR, 'policies', 'country-sales.yaml');

describe.each(dialects)('--contact-id and --as-contact-id: contacts without a key (%s)', (dialect) => {
  let url = '';
  let dir = '';
  let unkeyed = 0; // a VN sales person with no key (as a host sync may create)
  let customer = 0; // an FR customer with no key
  const run = (...args: string[]) => rowguard([...args, '--db', url, '--domain', 'country-sales', '--json'], { cwd: dir });

  beforeAll(async () => {
    url = await freshDatabaseUrl(dialect, 'cli_contact_id');
    dir = tempDir(`contact-id-${dialect}`);
    expect((await rowguard(['apply', DEMO, '--db', url], { cwd: dir })).code).toBe(0);
    const { db, close } = await connectDatabase(url, { poolSize: 1 });
    try {
      const engine = createRowguard({ db, dialect, contacts: { attributes: { country: { type: 'text' } } } });
      const domain = await engine.domain('country-sales');
      const admin = domain.admin('test');
      unkeyed = await admin.createContact({ contactType: 'Individual', sortName: 'Nguyen, An', subTypes: ['sales'], attributes: { country: 'VN' } });
      customer = await admin.createContact({ contactType: 'Individual', sortName: 'Petit, Zoe', subTypes: ['customer'], attributes: { country: 'FR' } });
      const staff = await db.selectFrom('rg_group').select('id').where('name', '=', 'Sales staff').executeTakeFirstOrThrow();
      await admin.setMembership({ groupId: Number(staff.id), contactId: unkeyed, status: 'Added' });
    } finally {
      await close();
    }
  });

  it('check and explain take the contact by id, and act as a contact given by id', async () => {
    const cases: [string[], number, boolean][] = [
      [['check', '--as', 'mgr-fr', 'edit', '--contact-id', String(customer)], 0, true],
      [['check', '--as', 'mgr-vn', 'view', '--contact-id', String(customer)], 1, false],
      [['check', '--as-contact-id', String(unkeyed), 'view', 'sales-vn-1'], 0, true],
      [['check', '--as-contact-id', String(unkeyed), 'view', 'cust-fr-1'], 1, false],
      [['check', '--as-contact-id', String(unkeyed), 'edit', '--contact-id', String(unkeyed)], 1, false],
      [['explain', '--as', 'mgr-fr', 'edit', '--contact-id', String(customer)], 0, true],
    ];
    for (const [args, code, allowed] of cases) {
      const r = await run(...args);
      expect(r.code, `${args.join(' ')}: ${r.stdout}`).toBe(code);
      expect(r.json().allowed).toBe(allowed);
    }
    const checked = (await run('check', '--as-contact-id', String(unkeyed), 'view', '--contact-id', String(unkeyed))).json();
    expect(checked).toMatchObject({ subject: { key: null, contactId: unkeyed, label: `contact #${unkeyed}` }, contact: { key: null, id: unkeyed }, allowed: true });
  });

  it('list and sql act as a contact given by id', async () => {
    const listed = (await run('list', '--as-contact-id', String(unkeyed), 'view', '--limit', '100')).json() as { contacts: { id: number; attributes: { country: string } }[] };
    expect(listed.contacts.length).toBe(8); // the 7 VN contacts of the file and itself
    expect(new Set(listed.contacts.map((c) => c.attributes.country))).toEqual(new Set(['VN']));
    const clause = await run('sql', '--as-contact-id', String(unkeyed), 'view');
    expect(clause.code, clause.stdout).toBe(0);
    expect(clause.json().subject).toEqual({ key: null, contactId: unkeyed, label: `contact #${unkeyed}` });
  });

  it('refuses a bad or missing contact id, and a contact given twice (exit 2)', async () => {
    const refused: [string[], string][] = [
      [['check', '--as', 'mgr-vn', 'view'], 'usage'],
      [['check', '--as', 'mgr-vn', 'view', 'sales-vn-1', '--contact-id', String(customer)], 'usage'],
      [['check', '--as', 'mgr-vn', 'view', '--contact-id', 'abc'], 'usage'],
      [['check', '--as', 'mgr-vn', 'view', '--contact-id', '999999'], 'unknown_contact'],
      [['check', '--as-contact-id', '0', 'view', 'sales-vn-1'], 'usage'],
      [['check', '--as-contact-id', String(unkeyed), '--as', 'mgr-vn', 'view', 'sales-vn-1'], 'missing_subject'],
      [['list', '--contact-id', String(unkeyed), '--anonymous', 'view'], 'usage'],
    ];
    for (const [args, code] of refused) {
      const r = await run(...args);
      expect(r.code, `${args.join(' ')}: ${r.stdout}`).toBe(2);
      expect(r.json().error.code).toBe(code);
    }
  });
});
