import { afterAll, beforeAll, describe, it } from 'vitest';
import { createRowguard, type Domain } from '@rowguard/core';
import { conformanceChecks, type ConformanceContext, type ConformanceHost } from '../src/conformance/index.js';
import { openTestDatabase, testDialects, type TestDatabase } from '../../core/test/support/test-databases.js';
import type { Dialect } from './host-tables.js';
import { createWordpressTables, wordpressHost } from './wordpress-fixture.js';
import { createDrupal7Tables, drupal7Host } from './drupal7-fixture.js';
import { createDrupal8Tables, drupal8Host } from './drupal8-fixture.js';
import { createJoomlaTables, joomlaHost } from './joomla-fixture.js';
import { createSqlTables, sqlHost } from './sql-fixture.js';

const dialects = (await testDialects()).filter((d) => d !== 'sqlite');

/** Every built-in adapter, over its host's tables built from the published schema. */
const adapters: { name: string; setUp(db: TestDatabase['db'], dialect: Dialect): Promise<ConformanceHost> }[] = [
  { name: 'wordpress (multisite, site wp_2_)', setUp: async (db, d) => (await createWordpressTables(db, d, 'wp_', 'wp_2_'), wordpressHost(db, d, 'wp_', 'wp_2_')) },
  { name: 'drupal7', setUp: async (db, d) => (await createDrupal7Tables(db, d, 'd7_'), drupal7Host(db, 'd7_')) },
  { name: 'drupal8', setUp: async (db, d) => (await createDrupal8Tables(db, d, 'd8_'), drupal8Host(db, 'd8_')) },
  { name: 'joomla', setUp: async (db, d) => (await createJoomlaTables(db, d, 'jos_'), joomlaHost(db, d, 'jos_')) },
  { name: 'generic sql', setUp: async (db, d) => (await createSqlTables(db, d), sqlHost(db, d)) },
];

describe.each(dialects)('conformance kit on %s', (dialect) => {
  describe.each(adapters)('$name', (adapter) => {
    let t: TestDatabase;
    let host: ConformanceHost;
    let ctx: ConformanceContext;

    beforeAll(async () => {
      t = await openTestDatabase(dialect, `conf_${adapter.name.split(' ')[0]}`);
      const engine = createRowguard({ db: t.db, contacts: { attributes: { email: { type: 'text' } } }, onError: () => undefined });
      await engine.migrate();
      const domain: Domain = await engine.domain('conformance');
      const g0 = await domain.admin('setup').createGroup({ name: 'First', kind: 'static' });
      const g1 = await domain.admin('setup').createGroup({ name: 'Second', kind: 'static' });
      host = await adapter.setUp(t.db, dialect as Dialect);
      ctx = { domain, emailAttribute: 'email', groupIds: [g0, g1] };
    });
    afterAll(async () => {
      await t.close();
    });

    for (const check of conformanceChecks) it(check.name, () => check.run(host, ctx));
  });
});
