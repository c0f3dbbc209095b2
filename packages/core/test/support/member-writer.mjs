// A writer process for the materialised-groups differential test: makes random writes through the engine's
// write API (the built package) until its time is up: contact attributes and sub-types, new contacts, static and
// smart memberships, smart-group criteria and group activity. Each write is one transaction that also updates
// the materialised group members.
// Usage: node member-writer.mjs '<json settings>'; prints `{"writes": {...}}` on stdout when done.
import Database from 'better-sqlite3';
import { Kysely, MysqlDialect, PostgresDialect, SqliteDialect } from 'kysely';
import { createPool } from 'mysql2';
import process from 'node:process';
import pg from 'pg';
import { createRowguard } from '../../dist/index.js';

const settings = JSON.parse(process.argv[2] ?? '{}');
const { dialect, durationMs, contacts, groups, switchable, criteriaA, criteriaB } = settings;
let seed = settings.seed >>> 0 || 1;
const random = () => {
  // mulberry32
  seed = (seed + 0x6d2b79f5) >>> 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const pick = (list) => list[Math.floor(random() * list.length)];

let db;
if (dialect === 'sqlite') db = new Kysely({ dialect: new SqliteDialect({ database: new Database(settings.file, { timeout: 10_000 }) }) });
else if (dialect === 'mysql') db = new Kysely({ dialect: new MysqlDialect({ pool: createPool({ ...settings.mysql, database: settings.database, connectionLimit: 2 }) }) });
else {
  const pool = new pg.Pool({ connectionString: settings.postgresUrl, max: 2, options: `-c search_path=${settings.database}` });
  db = new Kysely({ dialect: new PostgresDialect({ pool }) });
}
const engine = createRowguard({ db, contacts: settings.contactsConfig, onError: () => undefined });
const admin = (await engine.domain('test')).admin('member-writer');
const ids = [...contacts];
const writes = { attributes: 0, subTypes: 0, created: 0, membership: 0, criteria: 0, active: 0, failed: 0 };
const until = Date.now() + durationMs;
while (Date.now() < until) {
  const r = random();
  try {
    if (r < 0.35) {
      await admin.updateContact(pick(ids), { attributes: { country: pick(['VN', 'FR', 'DE', null]), age: pick([null, 15, 30, 45, 60]), state: pick(['S1', 'S2', null]) } });
      writes.attributes += 1;
    } else if (r < 0.5) {
      await admin.setSubTypes(pick(ids), pick([[], ['sales'], ['customer'], ['sales', 'customer']]));
      writes.subTypes += 1;
    } else if (r < 0.58) {
      ids.push(await admin.createContact({ contactType: 'Individual', attributes: { country: pick(['VN', 'FR']), age: pick([15, 45]) }, subTypes: pick([[], ['customer']]) }));
      writes.created += 1;
    } else if (r < 0.95) {
      const input = { groupId: pick(groups), contactId: pick(ids) };
      if (random() < 0.2) await admin.removeMembership(input);
      else await admin.setMembership({ ...input, status: pick(['Added', 'Removed', 'Pending']) });
      writes.membership += 1;
    } else if (r < 0.98) {
      await admin.updateGroup(switchable, { criteria: random() < 0.5 ? criteriaA : criteriaB });
      writes.criteria += 1;
    } else {
      await admin.updateGroup(pick(groups), { active: random() < 0.7 });
      writes.active += 1;
    }
  } catch (error) {
    writes.failed += 1;
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  }
}
await db.destroy();
process.stdout.write(JSON.stringify({ writes, contacts: ids.length }));
