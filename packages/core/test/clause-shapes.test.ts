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

  it("a tokenized group's explicit Added / Removed rows are bound as lists for a count, same rows as every shape", async () => {
    const domain = await w.engine.domain('explicit-rows');
    const { viewer, contacts } = await domain.admin('shape-test').transaction(async (admin) => {
      const viewer = await admin.createContact({ contactType: 'Individual', attributes: { state: 'S1' } });
      const contacts: number[] = [viewer];
      // contacts[1], [3], ... in S2; contacts[2], [4], ... in S1 (the viewer's state).
      for (let i = 1; i <= 12; i++) contacts.push(await admin.createContact({ contactType: 'Individual', attributes: { state: i % 2 ? 'S2' : 'S1' } }));
      const mine = await admin.createGroup({ name: 'my-state', kind: 'smart', criteria: { field: 'state', op: '=', value: { $subject: 'state' } } });
      await admin.setMembership({ groupId: mine, contactId: contacts[1] as number, status: 'Added' }); // S2, added
      await admin.setMembership({ groupId: mine, contactId: contacts[2] as number, status: 'Removed' }); // S1, removed
      const owner = { type: 'contact', id: viewer } as const;
      await admin.createEntry({ effect: 'allow', operation: 'view', owner, object: { type: 'group-members', groupId: mine } });
      return { viewer, contacts };
    });
    const session = domain.subject({ contactId: viewer });
    const count = await session.explainClause('view', { alias: 'c', purpose: 'count' });
    const explicit = count.shapes.filter((c) => c.explicit !== undefined);
    expect(explicit.map((c) => c.explicit).sort()).toEqual(['Added', 'Removed']);
    for (const c of explicit) expect(c.shape).toBe(dialect === 'sqlite' ? 'exists' : 'ids');
    const page = await session.explainClause('view', { alias: 'c', purpose: 'page' });
    for (const c of page.shapes.filter((x) => x.explicit !== undefined)) expect(c.shape).toBe('exists');
    const expected = contacts.filter((_, i) => i === 0 || i === 1 || (i % 2 === 0 && i !== 2));
    expect(expected).toHaveLength(7);
    const rows = async (options: { purpose?: 'page' | 'count'; shape?: 'hashed' | 'exists' | 'probe' | 'in' | 'array' }): Promise<number[]> => {
      const q = await session.applyTo(t.db.selectFrom('rg_contact as c').select('c.id').orderBy('c.id'), 'view', { alias: 'c', ...options });
      return (await q.execute()).map((r) => Number(r.id));
    };
    for (const purpose of ['page', 'count'] as const) expect(await rows({ purpose })).toEqual(expected);
    for (const shape of ['hashed', 'exists', 'probe', 'in', 'array'] as const) expect(await rows({ shape })).toEqual(expected);
    expect(await visible(session, 'view', contacts)).toEqual(expected);
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
