import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRowguard, PolicyError, type Domain, type Rowguard } from '../src/index.js';
import { clusterDifferential } from './support/cluster-differential.js';
import { bulkContacts } from './support/bulk-contacts.js';
import { clusterPossible, clusters, ensureCluster, freshPgSchema, lockClusterSuite, pgDb, pgUrl } from './support/cluster-servers.js';
import { startEntryWriter } from './support/cluster-writer-process.js';

// A PostgreSQL 15 primary (5433) with a hot standby (5434) made with pg_basebackup -R (scripts/clusters.sh,
// started here when not running): writes go to the primary, sessions read the standby; a session given a
// consistency token sees every write the token covers; without one, the staleness is measured; after the
// primary dies and the standby is promoted, decisions go on against the new primary.
const up = await clusterPossible('pg');
const ATTRIBUTES = { country: { type: 'text' }, state: { type: 'text' }, age: { type: 'integer' } } as const;
const DIFFERENTIAL_BUDGET_MS = Number(process.env.ROWGUARD_CLUSTER_DIFF_MS ?? 15_000);
const FRESHNESS_MS = Number(process.env.ROWGUARD_CLUSTER_FRESHNESS_MS ?? 12_000);

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length - 1) * p))] ?? NaN;
}

describe.runIf(up)('rowguard on a PostgreSQL primary with a hot standby', () => {
  let release: () => void;
  let schema: string;
  let primary: Kysely<any>;
  let standby: Kysely<any>;
  let engine: Rowguard;
  let domain: Domain;

  beforeAll(async () => {
    release = await lockClusterSuite();
    await ensureCluster('pg');
    schema = await freshPgSchema('replica');
    primary = pgDb('primary', schema);
    standby = pgDb('standby', schema);
    engine = createRowguard({
      db: primary,
      replicas: [standby],
      cluster: { kind: 'postgres-replicas', replicaWaitMs: 2_000 },
      contacts: { attributes: ATTRIBUTES },
      onError: () => undefined,
    });
    await engine.migrate();
    domain = await engine.domain('test');
  }, 600_000);
  afterAll(async () => {
    await Promise.all([primary?.destroy(), standby?.destroy()]);
    release?.();
  });

  it('validates the replica options', () => {
    expect(() => createRowguard({ db: primary, replicas: [standby] })).toThrow(/postgres-replicas/);
    expect(() => createRowguard({ db: primary, cluster: { kind: 'postgres-replicas' } })).toThrow(PolicyError);
    expect(() => createRowguard({ db: primary, cluster: { kind: 'postgres-replicas' }, replicas: [{} as Kysely<any>] })).toThrow(/Kysely/);
    expect(() => createRowguard({ db: primary, cluster: { kind: 'postgres-replicas', replicaWaitMs: -1 } as never, replicas: [standby] })).toThrow(PolicyError);
    expect(() => createRowguard({ db: primary, cluster: { kind: 'galera' } })).toThrow(/MariaDB/);
    return expect(domain.subjectAfter({ lsn: "0/1'; drop table x" }, {})).rejects.toThrow(PolicyError);
  });

  it('differential: worlds written on the primary, decisions and clause rows on the standby with a token agree (time-budgeted)', async () => {
    const counts = { worlds: 0, comparisons: 0 };
    const before = engine.replicaReadCounts!;
    const started = Date.now();
    await clusterDifferential(
      { writer: domain, writeDb: primary, readDb: standby, session: async (input) => domain.subjectAfter(await engine.consistencyToken(), input) },
      DIFFERENTIAL_BUDGET_MS,
      20261126,
      counts,
    );
    const after = engine.replicaReadCounts!;
    console.log(
      `[cluster replica] differential: ${counts.worlds} worlds, ${counts.comparisons} decisions compared (written on the primary, read on the standby) in ${Date.now() - started} ms; ` +
        `token sessions on the standby: ${after.replica - before.replica}, fell back to the primary: ${after.primary - before.primary}`,
    );
    expect(counts.worlds).toBeGreaterThan(0);
    expect(after.replica - before.replica).toBeGreaterThan(0);
  }, 120_000);

  it('freshness under load: a writer process on the primary; sessions with its tokens never miss a committed grant', async () => {
    const d = await engine.domain('freshness');
    const admin = d.admin('setup');
    const subject = await admin.createContact({ contactType: 'Individual', attributes: { country: 'FR' } });
    const contacts = await bulkContacts(primary, d.id, 8000, 'fresh-');
    const withSchema = (url: string) => `${url}?options=${encodeURIComponent(`-c search_path=${schema}`)}`;
    const writer = startEntryWriter({ url: withSchema(pgUrl('primary')), replicaUrl: withSchema(pgUrl('standby')), domain: 'freshness', subject, contacts, durationMs: FRESHNESS_MS });
    let running = true;
    const written = writer.done.finally(() => (running = false));
    const before = engine.replicaReadCounts!;
    const tally = { checked: 0, stale: 0, untokened: 0, untokenedStale: 0 };
    const reader = async (tokened: boolean) => {
      while (running) {
        const { k, lsn } = writer.last();
        if (k === 0 || lsn === undefined) {
          await new Promise((done) => setTimeout(done, 5));
          continue;
        }
        const session = tokened ? await d.subjectAfter({ lsn }, { contactId: subject }) : d.subject({ contactId: subject });
        const allowed = await session.check('view', contacts[k - 1]!);
        if (tokened) {
          tally.checked++;
          if (!allowed) tally.stale++;
        } else {
          tally.untokened++;
          if (!allowed) tally.untokenedStale++;
        }
      }
    };
    await Promise.all([reader(true), reader(true), reader(true), reader(false), written]);
    const { steps } = await written;
    const after = engine.replicaReadCounts!;
    console.log(
      `[cluster replica] freshness: ${steps} commits on the primary; ${tally.checked} token decisions checked against the last commit, ${tally.stale} stale ` +
        `(${after.replica - before.replica} read the standby, ${after.primary - before.primary} the primary); ` +
        `without a token (standby): ${tally.untokened} decisions, ${tally.untokenedStale} stale`,
    );
    expect(steps).toBeGreaterThan(20);
    expect(tally.checked).toBeGreaterThan(100);
    expect(tally.stale).toBe(0);
    expect(after.replica - before.replica).toBeGreaterThan(0);
  }, 120_000);

  it('without a token: measures how long a committed change takes to reach decisions on the standby', async () => {
    const d = await engine.domain('staleness');
    const admin = d.admin('setup');
    const me = await admin.createContact({ contactType: 'Individual', attributes: { country: 'FR' } });
    const other = await admin.createContact({ contactType: 'Individual', attributes: { country: 'VN' } });
    const entry = await admin.createEntry({ effect: 'allow', operation: 'view', owner: { type: 'contact', id: me }, object: { type: 'contact', id: other }, active: false });
    const lags: number[] = [];
    for (let i = 0; i < 40; i++) {
      const active = i % 2 === 0;
      await admin.updateEntry(entry, { active });
      const committed = performance.now();
      for (;;) {
        if ((await d.subject({ contactId: me }).check('view', other)) === active) break;
        if (performance.now() - committed > 10_000) throw new Error('the standby did not catch up within 10 s');
      }
      lags.push(performance.now() - committed);
    }
    lags.sort((a, b) => a - b);
    const { rows } = await sql<{ lag: string | null }>`select (now() - pg_last_xact_replay_timestamp())::text as lag`.execute(standby);
    console.log(
      `[cluster replica] staleness without a token (commit on the primary -> decision on the standby): median ${percentile(lags, 0.5).toFixed(1)} ms, ` +
        `p95 ${percentile(lags, 0.95).toFixed(1)} ms, max ${percentile(lags, 1).toFixed(1)} ms over ${lags.length} changes; standby replay lag now ${rows[0]?.lag ?? 'n/a'}`,
    );
    expect(percentile(lags, 1)).toBeLessThan(5_000);
  }, 120_000);

  it('the primary killed, the standby promoted: decisions go on against the new primary; then the pair is made again', async () => {
    const d = await engine.domain('promotion');
    const admin = d.admin('setup');
    const me = await admin.createContact({ contactType: 'Individual', attributes: { country: 'FR' } });
    const seen = await admin.createContact({ contactType: 'Individual', attributes: { country: 'VN' } });
    const later = await admin.createContact({ contactType: 'Individual', attributes: { country: 'DE' } });
    await admin.createEntry({ effect: 'allow', operation: 'view', owner: { type: 'contact', id: me }, object: { type: 'contact', id: seen } });
    // Everything so far is on the standby before the primary goes.
    const token = await engine.consistencyToken();
    expect(await (await d.subjectAfter(token, { contactId: me })).check('view', seen)).toBe(true);

    await clusters('kill', 'pg', 'primary');
    await clusters('promote', 'pg');
    const promoted = pgDb('standby', schema);
    try {
      const survivor = createRowguard({ db: promoted, contacts: { attributes: ATTRIBUTES }, onError: () => undefined });
      await survivor.migrate();
      const sd = await survivor.domain('promotion');
      const session = sd.subject({ contactId: me });
      expect(await session.check('view', seen)).toBe(true);
      expect(await session.check('view', later)).toBe(false);
      await sd.admin('after-failover').createEntry({ effect: 'allow', operation: 'view', owner: { type: 'contact', id: me }, object: { type: 'contact', id: later } });
      expect(await session.check('view', later)).toBe(true);
      expect((await session.listIds('view')).sort((a, b) => a - b)).toEqual([seen, later].sort((a, b) => a - b));
      console.log('[cluster replica] promotion: primary killed, standby promoted; decisions and writes work on the new primary');
    } finally {
      await promoted.destroy();
      // Restore the pair for later runs (the old primary's data, a new standby from it).
      await clusters('start', 'pg');
    }
    await ensureCluster('pg');
    expect(await clusters('status', 'pg')).toMatch(/standby port 5434 pid \d+ in_recovery t/);
  }, 300_000);
});
