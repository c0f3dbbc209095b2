import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClausePurpose, DialectKind, SubjectSession } from '../src/index.js';
import { openTestDatabase, testDialects, type TestDatabase } from './support/test-databases.js';
import { createWorld, visible, type TestWorld } from './support/test-world.js';

const dialects = await testDialects();

/** The shape chosen for the small static group and for the sub-type test, per dialect and purpose, under OR. */
const EXPECTED: Record<DialectKind, Record<ClausePurpose, { group: string; subType: string }>> = {
  sqlite: { page: { group: 'exists', subType: 'exists' }, count: { group: 'exists', subType: 'exists' } },
  mysql: { page: { group: 'probe', subType: 'probe' }, count: { group: 'ids', subType: 'probe' } },
  postgres: { page: { group: 'exists', subType: 'probe' }, count: { group: 'exists', subType: 'exists' } },
};

async function ids(t: TestDatabase, s: SubjectSession, purpose: ClausePurpose): Promise<number[]> {
  const q = await s.applyTo(t.db.selectFrom('rg_contact as c').select('c.id').orderBy('c.id'), 'view', { alias: 'c', purpose });
  return (await q.execute()).map((r) => Number(r.id));
}

describe.each(dialects)('layered policies: shapes know where a test sits, on %s', (dialect) => {
  let t: TestDatabase;
  let w: TestWorld;

  beforeAll(async () => {
    t = await openTestDatabase(dialect, 'clause_plans');
    w = await createWorld(t);
  });
  afterAll(async () => {
    await t.close();
  });

  it('a key-account exception over a country wall: no array under OR, sub-type probes and prefetched ids on MariaDB', async () => {
    const admin = w.admin;
    const all: number[] = [];
    let keyAccounts = 0;
    let me = 0;
    await admin.transaction(async (tx) => {
      keyAccounts = await tx.createGroup({ name: 'key', kind: 'static' });
      const sales = await tx.createGroup({ name: 'sales', kind: 'static' });
      for (let i = 0; i < 300; i++) {
        const id = await tx.createContact({
          contactType: 'Individual',
          sortName: `n${String(i).padStart(3, '0')}`,
          attributes: { country: i % 15 === 0 ? 'VN' : i % 2 === 1 ? 'FR' : 'DE' },
          subTypes: i % 2 === 0 ? ['customer'] : ['sales'],
        });
        all.push(id);
        if (i % 97 === 1) await tx.setMembership({ groupId: keyAccounts, contactId: id, status: 'Added' });
      }
      me = all[15] as number;
      await tx.setMembership({ groupId: sales, contactId: me, status: 'Added' });
      const other = await tx.createGroup({ name: 'other', kind: 'smart', criteria: { field: 'country', op: '!=', value: { $subject: 'country' } } });
      const mine = await tx.createGroup({
        name: 'my-customers',
        kind: 'smart',
        criteria: { all: [{ field: 'country', op: '=', value: { $subject: 'country' } }, { subType: 'customer' }] },
      });
      const owner = { type: 'group', id: sales } as const;
      await tx.createEntry({ effect: 'allow', operation: 'view', owner, object: { type: 'group-members', groupId: keyAccounts }, priority: 20 });
      await tx.createEntry({ effect: 'deny', operation: 'view', owner, object: { type: 'group-members', groupId: other }, priority: 10 });
      await tx.createEntry({ effect: 'allow', operation: 'view', owner, object: { type: 'group-members', groupId: mine } });
    });
    const s = w.domain.subject({ contactId: me });
    const expected = await visible(s, 'view', all);
    // Not vacuous: both arms of the OR contribute, and the set is small (under 10%: PostgreSQL counts the union).
    expect(expected.length).toBeGreaterThan(8);
    expect(expected.length).toBeLessThan(30);
    for (const purpose of ['page', 'count'] as const) {
      const explained = await s.explainClause('view', { alias: 'c', purpose });
      const group = explained.shapes.find((c) => c.groups.includes(keyAccounts));
      const subType = explained.shapes.find((c) => c.subType === 'customer');
      expect({ group: group?.shape, subType: subType?.shape }, `${purpose}: ${JSON.stringify(explained.shapes)}`).toEqual(EXPECTED[dialect][purpose]);
      if (dialect === 'postgres') expect(explained.sql).not.toContain('any(array');
      // PostgreSQL counts of a small set: one SELECT per top-level disjunct (the key-account tier, the rest), semi-joined once.
      if (dialect === 'postgres' && purpose === 'count') expect(explained.sql).toContain(' union select ');
      // Whatever the shape, the clause selects exactly what the in-memory decision allows.
      expect(await ids(t, s, purpose)).toEqual(expected);
    }
  });
});
