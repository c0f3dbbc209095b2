import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRowguard } from '../src/index.js';
import { openTestDatabase, testDialects, type TestDatabase } from './support/test-databases.js';
import { visible } from './support/test-world.js';

const dialects = await testDialects();

describe.each(dialects)('a host that writes its own contact table refreshes materialised groups, on %s', (dialect) => {
  let t: TestDatabase;

  beforeAll(async () => {
    t = await openTestDatabase(dialect, 'group_refresh');
  });
  afterAll(async () => {
    await t.close();
  });

  it('refreshGroups() materialises, explainClause reports staleness and unindexed attributes of tokenized groups', async () => {
    await t.db.schema
      .createTable('crm_person')
      .addColumn('person_id', 'integer', (c) => c.primaryKey())
      .addColumn('domain_id', 'integer', (c) => c.notNull())
      .addColumn('kind', 'varchar(64)', (c) => c.notNull())
      .addColumn('country', 'varchar(255)')
      .addColumn('region', 'varchar(255)')
      .execute();
    await t.db.schema.createIndex('crm_person_country_ix').on('crm_person').columns(['domain_id', 'country']).execute();
    const engine = createRowguard({
      db: t.db,
      contacts: {
        table: 'crm_person',
        columns: { id: 'person_id', domainId: 'domain_id', contactType: 'kind', isDeleted: null, sortName: null },
        attributes: { country: { type: 'text' }, region: { type: 'text' } },
      },
      onError: () => undefined,
    });
    await engine.migrate();
    const domain = await engine.domain('host');
    const people = [
      { person_id: 1, domain_id: domain.id, kind: 'Individual', country: 'VN', region: 'north' },
      { person_id: 2, domain_id: domain.id, kind: 'Individual', country: 'FR', region: 'north' },
      { person_id: 3, domain_id: domain.id, kind: 'Individual', country: 'VN', region: 'south' },
    ];
    await t.db.insertInto('crm_person').values(people).execute();
    const admin = domain.admin('host-test');
    const vn = await admin.createGroup({ name: 'vn', kind: 'smart', criteria: { field: 'country', op: '=', value: 'VN' } });
    const myRegion = await admin.createGroup({ name: 'my-region', kind: 'smart', criteria: { field: 'region', op: '=', value: { $subject: 'region' } } });
    await admin.createEntry({ effect: 'allow', operation: 'view', owner: { type: 'everyone' }, object: { type: 'group-members', groupId: vn } });
    await admin.createEntry({ effect: 'allow', operation: 'edit', owner: { type: 'contact', id: 3 }, object: { type: 'group-members', groupId: myRegion } });
    const me = domain.subject({ contactId: 1 });
    const universe = [1, 2, 3];

    // A host table is not materialised until the host opts in: the criteria are inlined, always current.
    expect((await domain.policy()).groups.get(vn)?.membersAt).toBeNull();
    expect((await me.explainClause('view')).materialised).toEqual([]);
    expect(await visible(me, 'view', universe)).toEqual([1, 3]);

    expect(await domain.refreshGroups()).toBeGreaterThanOrEqual(1);
    const policy = await domain.policy();
    expect(policy.groups.get(vn)?.membersAt).toEqual(expect.any(String));
    // Tokenized: stays a predicate on the contact row.
    expect(policy.groups.get(myRegion)?.membersAt).toBeNull();
    const view = await me.explainClause('view');
    expect(view.sql).toContain('rg_group_member');
    expect(view.materialised).toEqual([{ groupId: vn, membersAt: expect.any(String), freshness: 'since-refresh', stalenessMs: expect.any(Number) }]);
    expect(await visible(me, 'view', universe)).toEqual([1, 3]);

    // A direct write to the host table shows in the clause after the next refresh (the documented bound).
    await t.db.updateTable('crm_person').set({ country: 'VN' }).where('person_id', '=', 2).execute();
    expect(await me.listIds('view')).toEqual([1, 3]);
    await domain.refreshGroups();
    expect(await visible(me, 'view', universe)).toEqual([1, 2, 3]);

    // The tokenized group compares `region`, which no index of crm_person searches: explainClause says so.
    const south = domain.subject({ contactId: 3 });
    const edit = await south.explainClause('edit');
    expect(edit.warnings?.some((w) => w.includes("'region'") && w.includes('crm_person'))).toBe(true);
    expect(edit.warnings?.some((w) => w.includes("'country'"))).toBe(false);
    expect(await visible(south, 'edit', universe)).toEqual([3]);
  });
});
