import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DialectKind } from '../src/index.js';
import { openTestDatabase, testDialects, type TestDatabase } from './support/test-databases.js';
import { createWorld, visible, type TestWorld } from './support/test-world.js';

const dialects = await testDialects();

const EXPECTED: Record<DialectKind, { small: { page: string; count: string }; large: { page: string; count: string } }> = {
  sqlite: { small: { page: 'exists', count: 'exists' }, large: { page: 'exists', count: 'exists' } },
  mysql: { small: { page: 'in', count: 'exists' }, large: { page: 'probe', count: 'exists' } },
  postgres: { small: { page: 'array', count: 'array' }, large: { page: 'exists', count: 'exists' } },
};

describe.each(dialects)('clause shapes chosen by grant size and purpose, on %s', (dialect) => {
  let t: TestDatabase;
  let w: TestWorld;
  let tiny: number, big: number, me: number;
  const all: number[] = [];

  beforeAll(async () => {
    t = await openTestDatabase(dialect, 'clause_shapes');
    w = await createWorld(t);
    await w.admin.transaction(async (admin) => {
      tiny = await admin.createGroup({ name: 'tiny', kind: 'static' });
      big = await admin.createGroup({ name: 'big', kind: 'static' });
      for (let i = 0; i < 200; i++) {
        const id = await admin.createContact({ contactType: 'Individual', sortName: `c${String(i).padStart(3, '0')}` });
        all.push(id);
        if (i < 2) await admin.setMembership({ groupId: tiny, contactId: id, status: 'Added' });
        if (i % 2 === 0) await admin.setMembership({ groupId: big, contactId: id, status: 'Added' });
      }
      me = all[0] as number;
      await admin.createEntry({ effect: 'allow', operation: 'view', owner: { type: 'contact', id: me }, object: { type: 'group-members', groupId: tiny } });
      await admin.createEntry({ effect: 'allow', operation: 'edit', owner: { type: 'contact', id: me }, object: { type: 'group-members', groupId: big } });
    });
  });
  afterAll(async () => {
    await t.close();
  });

  it('small grants drive from the membership index, large ones keep the host index order; explainClause says which and why', async () => {
    const session = w.domain.subject({ contactId: me });
    for (const purpose of ['page', 'count'] as const) {
      const small = await session.explainClause('delete', { alias: 'c', purpose }); // nothing applies: no shape at all
      expect(small.shapes).toEqual([]);
      expect(small.sql).toMatch(/1 = 0/);
      const view = await session.explainClause('edit', { alias: 'c', purpose });
      expect(view.shapes).toEqual([expect.objectContaining({ groups: [big], shape: EXPECTED[dialect].large[purpose] })]);
      expect(view.shapes[0]?.grant).toBe(dialect === 'sqlite' ? 'fixed' : 'large');
      const tinyOnly = await session.explainClause('view', { alias: 'c', purpose });
      // view is satisfied by both entries (edit implies view): one set with both groups.
      expect(tinyOnly.shapes.map((s) => s.groups)).toEqual([[tiny, big].sort((a, b) => a - b)]);
    }
    // A set of groups under 3% of the contacts: only the tiny group, through a subject that holds just it.
    await w.admin.createEntry({ effect: 'allow', operation: 'search', owner: { type: 'contact', id: me }, object: { type: 'group-members', groupId: tiny } });
    for (const purpose of ['page', 'count'] as const) {
      const search = await session.explainClause('search', { alias: 'c', purpose });
      expect(search.shapes).toEqual([expect.objectContaining({ groups: [tiny], shape: EXPECTED[dialect].small[purpose] })]);
      expect(search.shapes[0]?.why.length).toBeGreaterThan(10);
    }
    expect(await visible(session, 'search', all)).toEqual(all.slice(0, 2));
    const forced = await session.explainClause('edit', { alias: 'c', shape: 'probe' });
    expect(forced.shapes[0]).toMatchObject({ shape: 'probe', grant: 'forced' });
    expect(forced.sql).toMatch(/limit 1\) is not null/);
  });

  it('the hashed shape: an IN wrapped in IS TRUE, same rows as every other shape', async () => {
    const session = w.domain.subject({ contactId: me });
    const hashed = await session.explainClause('edit', { alias: 'c', shape: 'hashed' });
    expect(hashed.shapes[0]).toMatchObject({ shape: 'hashed', grant: 'forced' });
    expect(hashed.sql).toMatch(/in \(select .+\)\) is true/);
    const rows = async (shape: 'hashed' | 'exists' | 'probe' | 'in' | 'array'): Promise<number[]> => {
      const q = await session.applyTo(t.db.selectFrom('rg_contact as c').select('c.id').orderBy('c.id'), 'edit', { alias: 'c', shape });
      return (await q.execute()).map((r) => Number(r.id));
    };
    const expected = all.filter((_, i) => i % 2 === 0);
    for (const shape of ['hashed', 'exists', 'probe', 'in', 'array'] as const) expect(await rows(shape)).toEqual(expected);
  });
});
