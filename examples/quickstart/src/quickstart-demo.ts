/**
 * rowguard quick start on embedded SQLite: a tiny CRM with two countries, a tokenized "same country" smart
 * group, a deny, and a host query with the permission clause ANDed in.
 *
 * Run: `pnpm demo` from the repository root (or `node examples/quickstart/dist/quickstart-demo.js`).
 */
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { createRowguard } from '@rowguard/core';

const db = new Kysely<any>({ dialect: new SqliteDialect({ database: new Database(':memory:') }) });
const rowguard = createRowguard({ db, contacts: { attributes: { country: { type: 'text' } } } });
await rowguard.migrate();
const domain = await rowguard.domain('default');
const admin = domain.admin('quickstart');

const people: Record<string, number> = {};
for (const [name, country, subType] of [
  ['Lan', 'VN', 'manager'],
  ['Minh', 'VN', 'sales'],
  ['Somchai', 'TH', 'manager'],
  ['Ploy', 'TH', 'sales'],
  ['Board member', 'VN', 'vip'],
] as const) {
  people[name] = await admin.createContact({ key: name, contactType: 'Individual', sortName: name, subTypes: [subType], attributes: { country } });
  await admin.linkUser({ userId: `user:${name}`, contactId: people[name] as number });
}
const sameCountry = await admin.createGroup({
  name: 'Same country as me',
  kind: 'smart',
  criteria: { field: 'country', op: '=', value: { $subject: 'country' } },
});
const vips = await admin.createGroup({ name: 'VIPs', kind: 'smart', criteria: { subType: 'vip' } });
await admin.createEntry({ key: 'staff-see-own-country', effect: 'allow', operation: 'view', owner: { type: 'authenticated' }, object: { type: 'group-members', groupId: sameCountry } });
await admin.createEntry({ key: 'nobody-sees-vips', effect: 'deny', operation: 'view', owner: { type: 'everyone' }, object: { type: 'group-members', groupId: vips } });

console.log('rowguard quick start (embedded SQLite)\n');
for (const name of ['Lan', 'Somchai']) {
  const me = domain.subject({ userId: `user:${name}` });
  const query = await me.applyTo(db.selectFrom('rg_contact as c').select(['c.sort_name', 'c.country']).orderBy('c.sort_name'), 'view', { alias: 'c' });
  const rows = await query.execute();
  console.log(`${name} sees: ${rows.map((r) => `${String(r.sort_name)} (${String(r.country)})`).join(', ')}`);
}
const lan = domain.subject({ userId: 'user:Lan' });
const why = await lan.explain('view', people['Board member'] as number);
console.log(`\nWhy can Lan not see the board member?\n  ${why.summary}`);
const compiled = db.selectFrom('rg_contact as c').select('c.id').where(await lan.clause('view', { alias: 'c' })).compile();
console.log(`\nThe clause a host ANDs into its own query:\n  ${compiled.sql}\n  parameters: ${JSON.stringify(compiled.parameters)}`);
await db.destroy();
