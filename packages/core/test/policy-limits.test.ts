import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { integerRange, MAX_GROUP_NESTING, MAX_INLINE_IDS, PolicyError } from '../src/index.js';
import { openTestDatabase, testDialects, type TestDatabase } from './support/test-databases.js';
import { createWorld, visible, type TestWorld } from './support/test-world.js';

const dialects = await testDialects();

async function refusal(run: () => Promise<unknown>): Promise<PolicyError> {
  const error = await run().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(PolicyError);
  return error as PolicyError;
}

describe.each(dialects)('policies the write API accepts can always be decided, on %s', (dialect) => {
  let t: TestDatabase;
  let w: TestWorld;

  beforeAll(async () => {
    t = await openTestDatabase(dialect, 'policy_limits');
    w = await createWorld(t);
  });
  afterAll(async () => {
    await t.close();
  });

  it('integer values: beyond what the column holds is refused at write time; at the limit decides in memory and SQL', async () => {
    const { min, max } = integerRange(dialect);
    const admin = w.admin;
    const over = await refusal(() => admin.createGroup({ name: 'too-old', kind: 'smart', criteria: { field: 'age', op: '>', value: max + 1 } }));
    expect(over.code).toBe('value_out_of_range');
    expect(over.details).toMatchObject({ field: 'age', value: max + 1, min, max });
    const under = await refusal(() => admin.createGroup({ name: 'too-young', kind: 'smart', criteria: { field: 'age', op: 'in', value: [1, min - 1] } }));
    expect(under.code).toBe('value_out_of_range');
    const contact = await refusal(() => admin.createContact({ contactType: 'Individual', attributes: { age: max + 1 } }));
    expect(contact.code).toBe('value_out_of_range');

    const viewer = await admin.createContact({ contactType: 'Individual' });
    const oldest = await admin.createContact({ contactType: 'Individual', attributes: { age: max } });
    const youngest = await admin.createContact({ contactType: 'Individual', attributes: { age: min } });
    const middle = await admin.createContact({ contactType: 'Individual', attributes: { age: 40 } });
    const edges = await admin.createGroup({
      name: 'edges',
      kind: 'smart',
      criteria: { any: [{ field: 'age', op: '>=', value: max }, { field: 'age', op: 'in', value: [min, 7] }] },
    });
    const belowMax = await admin.createGroup({ name: 'below-max', kind: 'smart', criteria: { field: 'age', op: '<', value: max } });
    await admin.createEntry({ effect: 'allow', operation: 'view', owner: { type: 'contact', id: viewer }, object: { type: 'group-members', groupId: edges } });
    await admin.createEntry({ effect: 'allow', operation: 'edit', owner: { type: 'contact', id: viewer }, object: { type: 'group-members', groupId: belowMax } });
    const s = w.domain.subject({ contactId: viewer });
    const universe = [viewer, oldest, youngest, middle];
    // view is satisfied by the edit entry too: the edges group gives oldest and youngest, below-max gives middle.
    expect(await visible(s, 'view', universe)).toEqual([oldest, youngest, middle]);
    expect(await visible(s, 'edit', universe)).toEqual([youngest, middle]);
  });

  it(`an inGroup chain deeper than ${MAX_GROUP_NESTING} is refused at write time; one at the limit decides in memory and SQL`, async () => {
    const admin = w.admin;
    const member = await admin.createContact({ contactType: 'Individual', attributes: { country: 'VN' } });
    const other = await admin.createContact({ contactType: 'Individual', attributes: { country: 'FR' } });
    const viewer = await admin.createContact({ contactType: 'Individual' });
    const chain = [await admin.createGroup({ name: 'chain-1', kind: 'smart', criteria: { field: 'country', op: '=', value: 'VN' } })];
    while (chain.length < MAX_GROUP_NESTING) {
      chain.push(await admin.createGroup({ name: `chain-${chain.length + 1}`, kind: 'smart', criteria: { any: [{ inGroup: chain[chain.length - 1] as number }] } }));
    }
    const top = chain[chain.length - 1] as number;
    const tooDeep = await refusal(() => admin.createGroup({ name: 'chain-over', kind: 'smart', criteria: { inGroup: top } }));
    expect(tooDeep.code).toBe('group_too_deep');
    expect(tooDeep.details).toMatchObject({ depth: MAX_GROUP_NESTING + 1, limit: MAX_GROUP_NESTING, groupId: null });
    // Lengthening the chain from below is refused too.
    const extra = await admin.createGroup({ name: 'chain-extra', kind: 'smart', criteria: { subType: 'sales' } });
    const below = await refusal(() => admin.updateGroup(chain[0] as number, { criteria: { any: [{ field: 'country', op: '=', value: 'VN' }, { inGroup: extra }] } }));
    expect(below.code).toBe('group_too_deep');
    expect(below.details).toMatchObject({ groupId: chain[0], depth: MAX_GROUP_NESTING + 1 });
    await admin.createEntry({ effect: 'allow', operation: 'view', owner: { type: 'contact', id: viewer }, object: { type: 'group-members', groupId: top } });
    const s = w.domain.subject({ contactId: viewer });
    expect(await visible(s, 'view', [member, other, viewer])).toEqual([member]);
    const explained = await s.explain('view', member);
    expect(explained.allowed).toBe(true);
  });

  it(`70,000 single-contact entries decide in memory and SQL (lists over ${MAX_INLINE_IDS} ids bind as one parameter)`, async () => {
    const domain = await w.engine.domain('many-contacts');
    const admin = domain.admin('limits-test');
    const [a, b, c, d] = [
      await admin.createContact({ contactType: 'Individual' }),
      await admin.createContact({ contactType: 'Individual' }),
      await admin.createContact({ contactType: 'Individual' }),
      await admin.createContact({ contactType: 'Individual' }),
    ] as [number, number, number, number];
    const row = (effect: 'allow' | 'deny', objectId: number) => ({
      domain_id: domain.id,
      effect,
      operation: 'view',
      owner_type: 'everyone',
      object_type: 'contact',
      object_id: objectId,
      priority: 0,
      is_active: 1,
    });
    // Allows on a, b, c and on ids that exist nowhere; denies (same tier) on b and more missing ids.
    const rows = [row('allow', a), row('allow', b), row('allow', c), row('deny', b)];
    for (let i = 0; rows.length < 70_000; i++) rows.push(row(i % 50 === 0 ? 'deny' : 'allow', 2_000_000 + i));
    for (let i = 0; i < rows.length; i += 1000) await t.db.insertInto('rg_entry').values(rows.slice(i, i + 1000)).execute();
    await sql`update rg_domain set version = version + 1 where id = ${domain.id}`.execute(t.db);
    const started = performance.now();
    const s = domain.subject({});
    expect(await visible(s, 'view', [a, b, c, d])).toEqual([a, c]);
    const where = await s.clause('view', { alias: 'c' });
    const compiled = t.db.selectFrom('rg_contact as c').select('c.id').where(where).compile();
    console.log(`[policy-limits] ${dialect}: ${rows.length} contact entries -> ${compiled.parameters.length} parameters, decided in ${(performance.now() - started).toFixed(0)} ms`);
    expect(compiled.parameters.length).toBeLessThan(100);
  });
});
