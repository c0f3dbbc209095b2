// A process whose only pending work is a decision waiting on a tap that never settles. It must stay alive
// until the tap's time limit denies, print the decision, and exit 0.
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import process from 'node:process';
import { createRowguard } from '@rowguard/core';
import { createRowguardHooks } from '@rowguard/hooks';

// No top-level await: as in a host's server, the pending decision is the only thing left on the event loop.
async function main() {
  const timeoutMs = Number(process.argv[2] ?? 300);
  const db = new Kysely({ dialect: new SqliteDialect({ database: new Database(':memory:') }) });
  const contacts = { attributes: { country: { type: 'text' } } };
  const setup = createRowguard({ db, contacts, onError: () => undefined });
  await setup.migrate();
  const admin = (await setup.domain('test')).admin('tap-test');
  const me = await admin.createContact({ contactType: 'Individual', attributes: { country: 'FR' } });
  const other = await admin.createContact({ contactType: 'Individual', attributes: { country: 'VN' } });
  await admin.createEntry({ effect: 'allow', operation: 'view', owner: { type: 'everyone' }, object: { type: 'all-contacts' } });

  const rg = createRowguardHooks({ tapTimeoutMs: timeoutMs, onError: () => undefined });
  rg.hooks.access.for('groups').tapPromise('never-settles', () => new Promise(() => {}));
  const engine = createRowguard(rg.engineOptions({ db, contacts, onError: (e) => process.stderr.write(`denied after: ${e instanceof Error ? e.message : String(e)}\n`) }));
  const started = Date.now();
  process.on('exit', (code) => process.stderr.write(`exit ${code} after ${Date.now() - started} ms\n`));
  const allowed = await (await engine.domain('test')).subject({ contactId: me }).check('view', other);
  process.stdout.write(JSON.stringify({ decision: allowed ? 'allow' : 'deny', afterMs: Date.now() - started }));
}

void main();
