// A writer process for the snapshot-consistency test: flips a domain's policy between two versions, each flip
// one transaction that also bumps the domain version (as the engine's write API does), until its time is up.
// Usage: node policy-flipper.mjs '<json settings>'; prints `{"flips": n}` on stdout when done.
//   version A: assignment a1 active, a2 inactive, group g1 inactive, g2 active
//   version B: the reverse
import Database from 'better-sqlite3';
import process from 'node:process';
import { setTimeout } from 'node:timers';
import { createConnection } from 'mysql2/promise';
import pg from 'pg';

const settings = JSON.parse(process.argv[2] ?? '{}');
const { dialect, domainId, a1, a2, g1, g2, durationMs } = settings;
const until = Date.now() + durationMs;
const pause = () => new Promise((resolve) => setTimeout(resolve, dialect === 'sqlite' ? 4 : 1));
const stateOf = (flip) => (flip % 2 === 0 ? { a1: 1, a2: 0, g1: 0, g2: 1 } : { a1: 0, a2: 1, g1: 1, g2: 0 });
let flips = 0;

if (dialect === 'sqlite') {
  const db = new Database(settings.file, { timeout: 10_000 });
  const statements = {
    version: db.prepare('update rg_domain set version = version + 1 where id = ?'),
    assignment: db.prepare('update rg_role_assignment set is_active = ? where id = ?'),
    group: db.prepare('update rg_group set is_active = ? where id = ?'),
  };
  const flip = db.transaction((s) => {
    statements.version.run(domainId);
    statements.assignment.run(s.a1, a1);
    statements.group.run(s.g1, g1);
    statements.assignment.run(s.a2, a2);
    statements.group.run(s.g2, g2);
  });
  while (Date.now() < until) {
    flip.immediate(stateOf(flips));
    flips += 1;
    await pause();
  }
  db.close();
} else {
  let run;
  let close;
  if (dialect === 'mysql') {
    const conn = await createConnection({ ...settings.mysql, database: settings.database });
    run = (text, values) => conn.query(text.replace(/\$\d+/g, '?'), values);
    close = () => conn.end();
  } else {
    const client = new pg.Client({ connectionString: settings.postgresUrl, options: `-c search_path=${settings.database}` });
    await client.connect();
    run = (text, values) => client.query(text, values);
    close = () => client.end();
  }
  while (Date.now() < until) {
    const s = stateOf(flips);
    await run('begin', []);
    await run('update rg_domain set version = version + 1 where id = $1', [domainId]);
    await run('update rg_role_assignment set is_active = $1 where id = $2', [s.a1, a1]);
    await run('update rg_group set is_active = $1 where id = $2', [s.g1, g1]);
    await run('update rg_role_assignment set is_active = $1 where id = $2', [s.a2, a2]);
    await run('update rg_group set is_active = $1 where id = $2', [s.g2, g2]);
    await run('commit', []);
    flips += 1;
    await pause();
  }
  await close();
}
process.stdout.write(JSON.stringify({ flips }));
