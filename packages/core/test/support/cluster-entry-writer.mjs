// A writer process for the cluster freshness tests: through the engine's audited write API (the built
// @rowguard/core), step k grants subject contact `subject` the view of contact `contacts[k - 1]` (one new entry,
// one transaction), then prints `k` (and, on PostgreSQL, the consistency token taken after the commit) on a
// line of its own. It stops after `steps` steps or `durationMs`, whichever comes first.
// Usage: node cluster-entry-writer.mjs '<json settings>'
//   settings: { url, replicaUrl?, domain, subject, contacts: number[], durationMs, pauseMs? }
//   (on PostgreSQL the URLs carry the schema: ?options=-c%20search_path%3D<schema>)
import process from 'node:process';
import { setTimeout } from 'node:timers/promises';
import { connectDatabase, createRowguard } from '../../dist/index.js';

const settings = JSON.parse(process.argv[2] ?? '{}');
const { db, close } = await connectDatabase(settings.url, { poolSize: 2 });
const replica = settings.replicaUrl ? await connectDatabase(settings.replicaUrl, { poolSize: 1 }) : undefined;
let retries = 0;
const engine = createRowguard({
  db,
  contacts: { attributes: { country: { type: 'text' } } },
  ...(replica ? { cluster: { kind: 'postgres-replicas' }, replicas: [replica.db] } : { cluster: { kind: 'galera' } }),
  onError: () => undefined,
  onWriteRetry: () => {
    retries += 1;
  },
});
const domain = await engine.domain(settings.domain);
const admin = domain.admin('cluster-writer');
const until = Date.now() + settings.durationMs;
let k = 0;
while (Date.now() < until && k < settings.contacts.length) {
  const target = settings.contacts[k];
  await admin.createEntry({ effect: 'allow', operation: 'view', owner: { type: 'contact', id: settings.subject }, object: { type: 'contact', id: target } });
  k += 1;
  const token = replica ? ` ${(await engine.consistencyToken()).lsn}` : '';
  process.stdout.write(`${k}${token}\n`);
  if (settings.pauseMs) await setTimeout(settings.pauseMs);
}
await close();
await replica?.close();
process.stderr.write(JSON.stringify({ steps: k, retries }) + '\n');
