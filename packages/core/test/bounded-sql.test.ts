import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_GROUP_NESTING, MAX_GROUP_PARAMETERS, PolicyError, type SubjectSession } from '../src/index.js';
import { openTestDatabase, testDialects, type TestDatabase } from './support/test-databases.js';
import { createWorld, visible, type TestWorld } from './support/test-world.js';

const dialects = await testDialects();

/** The parameters and characters of the `view` clause of a session, compiled for the test database. */
async function clauseSize(t: TestDatabase, s: SubjectSession, op: 'view' | 'delete' = 'view'): Promise<{ parameters: number; chars: number }> {
  const where = await s.clause(op, { alias: 'c' });
  const compiled = t.db.selectFrom('rg_contact as c').select('c.id').where(where).compile();
  return { parameters: compiled.parameters.length, chars: compiled.sql.length };
}

describe.each(dialects)('smart-group SQL stays bounded, on %s', (dialect) => {
  let t: TestDatabase;
  let w: TestWorld;

  beforeAll(async () => {
    t = await openTestDatabase(dialect, 'bounded_sql');
    w = await createWorld(t);
  });
  afterAll(async () => {
    await t.close();
  });

  it('33 entries on a group with a 1,000-value in list bind the list once per entry, as one parameter', async () => {
    const domain = await w.engine.domain('long-list');
    const admin = domain.admin('bounded-test');
    const codes = Array.from({ length: 999 }, (_, i) => `C${i}`);
    const inList = await admin.createContact({ contactType: 'Individual', attributes: { country: 'C998' } });
    const quoted = await admin.createContact({ contactType: 'Individual', attributes: { country: 'a"b\\c' } });
    const outside = await admin.createContact({ contactType: 'Individual', attributes: { country: 'VN' } });
    const noCountry = await admin.createContact({ contactType: 'Individual' });
    const viewer = await admin.createContact({ contactType: 'Individual', attributes: { state: 'S1' } });
    const inState = await admin.createContact({ contactType: 'Individual', attributes: { country: 'C5', state: 'S1' } });
    // Tokenized: stays a predicate on the contact row, so the list itself reaches the clause (as one parameter).
    const mine = await admin.createGroup({
      name: 'long-mine',
      kind: 'smart',
      criteria: { all: [{ field: 'country', op: 'in', value: codes }, { field: 'state', op: '=', value: { $subject: 'state' } }] },
    });
    for (let i = 0; i < 33; i++) {
      await admin.createEntry({ effect: 'allow', operation: 'delete', owner: { type: 'contact', id: viewer }, object: { type: 'group-members', groupId: mine }, priority: i });
    }
    const group = await admin.createGroup({ name: 'long', kind: 'smart', criteria: { field: 'country', op: 'in', value: [...codes, 'a"b\\c'] } });
    const notGroup = await admin.createGroup({ name: 'not-long', kind: 'smart', criteria: { field: 'country', op: 'not in', value: codes } });
    for (let i = 0; i < 33; i++) {
      await admin.createEntry({ effect: 'allow', operation: 'view', owner: { type: 'contact', id: viewer }, object: { type: 'group-members', groupId: group }, priority: i });
    }
    await admin.createEntry({ effect: 'allow', operation: 'edit', owner: { type: 'contact', id: viewer }, object: { type: 'group-members', groupId: notGroup } });
    const s = domain.subject({ contactId: viewer });
    const universe = [inList, quoted, outside, noCountry, viewer, inState];
    // view is satisfied by the edit and delete entries too.
    expect(await visible(s, 'view', universe)).toEqual([inList, quoted, outside, inState]);
    expect(await visible(s, 'edit', universe)).toEqual([quoted, outside]);
    expect(await visible(s, 'delete', universe)).toEqual([inState]);
    for (const op of ['view', 'delete'] as const) {
      const size = await clauseSize(t, s, op);
      console.log(`[bounded-sql] ${dialect}: ${op}, 33 entries on a 1,000-value group -> ${size.parameters} parameters, ${size.chars} characters`);
      expect(size.parameters).toBeLessThan(300);
    }
  });

  it(`a chain deeper than ${MAX_GROUP_NESTING} written around the write API fails only the entries naming it`, async () => {
    const domain = await w.engine.domain('too-deep');
    const admin = domain.admin('bounded-test');
    const viewer = await admin.createContact({ contactType: 'Individual' });
    const member = await admin.createContact({ contactType: 'Individual', attributes: { country: 'VN' } });
    const keyAccount = await admin.createContact({ contactType: 'Individual', attributes: { country: 'VN' } });
    const keyAccounts = await admin.createGroup({ name: 'key', kind: 'static' });
    await admin.setMembership({ groupId: keyAccounts, contactId: keyAccount, status: 'Added' });
    const chain = [await admin.createGroup({ name: 'deep-1', kind: 'smart', criteria: { field: 'country', op: '=', value: 'VN' } })];
    while (chain.length < MAX_GROUP_NESTING) {
      chain.push(await admin.createGroup({ name: `deep-${chain.length + 1}`, kind: 'smart', criteria: { inGroup: chain[chain.length - 1] as number } }));
    }
    // The write API refuses the 65th link ...
    const refused = await admin.createGroup({ name: 'deep-over', kind: 'smart', criteria: { inGroup: chain[chain.length - 1] as number } }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(PolicyError);
    expect((refused as PolicyError).code).toBe('group_too_deep');
    // ... so write it around the API, as an old or hand-edited policy could be.
    const top = await admin.createGroup({ name: 'deep-over', kind: 'smart', criteria: { field: 'country', op: '=', value: 'VN' } });
    await sql`update rg_group set criteria = ${JSON.stringify({ inGroup: chain[chain.length - 1] })} where id = ${top}`.execute(t.db);
    await sql`update rg_domain set version = version + 1 where id = ${domain.id}`.execute(t.db);
    const owner = { type: 'contact', id: viewer } as const;
    // view: an allow on the too-deep group beside an unrelated allow: the unrelated allow still decides.
    await admin.createEntry({ effect: 'allow', operation: 'view', owner, object: { type: 'group-members', groupId: top } });
    await admin.createEntry({ effect: 'allow', operation: 'view', owner, object: { type: 'group-members', groupId: keyAccounts } });
    // edit: a deny on the too-deep group fails closed in its tier; a higher-priority allow still decides.
    await admin.createEntry({ effect: 'deny', operation: 'edit', owner, object: { type: 'group-members', groupId: top }, priority: 1 });
    await admin.createEntry({ effect: 'allow', operation: 'edit', owner, object: { type: 'group-members', groupId: chain[0] as number }, priority: 1 });
    await admin.createEntry({ effect: 'allow', operation: 'edit', owner, object: { type: 'group-members', groupId: keyAccounts }, priority: 9 });
    const s = domain.subject({ contactId: viewer });
    const universe = [viewer, member, keyAccount];
    expect(await visible(s, 'view', universe)).toEqual([keyAccount]);
    expect(await visible(s, 'edit', universe)).toEqual([keyAccount]);
    expect((await s.explain('view', keyAccount)).allowed).toBe(true);
  });

  it('a chain of 14 groups, each any: [not inGroup prev, inGroup prev], is refused or compiled within limits', async () => {
    const domain = await w.engine.domain('doubling');
    const admin = domain.admin('bounded-test');
    const viewer = await admin.createContact({ contactType: 'Individual', attributes: { country: 'VN' } });
    const vn = await admin.createContact({ contactType: 'Individual', attributes: { country: 'VN' } });
    const fr = await admin.createContact({ contactType: 'Individual', attributes: { country: 'FR' } });
    const build = async (prefix: string, base: object): Promise<{ chain: number[]; refusal: PolicyError | null }> => {
      const chain = [await admin.createGroup({ name: `${prefix}-1`, kind: 'smart', criteria: base as never })];
      for (let i = 2; i <= 14; i++) {
        const prev = chain[chain.length - 1] as number;
        const made = await admin
          .createGroup({ name: `${prefix}-${i}`, kind: 'smart', criteria: { any: [{ not: { inGroup: prev } }, { inGroup: prev }] } })
          .catch((e: unknown) => e);
        if (made instanceof PolicyError) return { chain, refusal: made };
        if (typeof made !== 'number') throw made;
        chain.push(made);
      }
      return { chain, refusal: null };
    };
    // Tokenized: a predicate on the contact row, inlined; its size doubles per link, so the write API refuses it.
    const tokenized = await build('tok', { field: 'country', op: '=', value: { $subject: 'country' } });
    expect(tokenized.refusal?.code).toBe('group_too_large');
    expect(tokenized.refusal?.details).toMatchObject({ groupId: null, limit: MAX_GROUP_PARAMETERS });
    expect(Number((tokenized.refusal?.details as { parameters: number }).parameters)).toBeGreaterThan(MAX_GROUP_PARAMETERS);
    // Not tokenized: materialised, each group reads the rows of the one before, so all 14 links are accepted.
    const plain = await build('plain', { field: 'country', op: '=', value: 'VN' });
    expect(plain.refusal).toBeNull();
    expect(plain.chain).toHaveLength(14);
    // Whatever was accepted decides the same in memory and SQL, within the limits.
    const owner = { type: 'contact', id: viewer } as const;
    await admin.createEntry({ effect: 'allow', operation: 'view', owner, object: { type: 'group-members', groupId: tokenized.chain[tokenized.chain.length - 1] as number } });
    await admin.createEntry({ effect: 'allow', operation: 'delete', owner, object: { type: 'group-members', groupId: plain.chain[13] as number } });
    // A write after the chain exists: the new contact's rows are computed through all 14 links in its transaction.
    const late = await admin.createContact({ contactType: 'Individual', attributes: { country: 'DE' } });
    const s = domain.subject({ contactId: viewer });
    // `not X or X` holds for everyone: every contact of the domain.
    expect(await visible(s, 'view', [viewer, vn, fr, late])).toEqual([viewer, vn, fr, late]);
    expect(await visible(s, 'delete', [viewer, vn, fr, late])).toEqual([viewer, vn, fr, late]);
    for (const op of ['view', 'delete'] as const) {
      const size = await clauseSize(t, s, op);
      console.log(`[bounded-sql] ${dialect}: ${op}, doubling chain (tokenized: ${tokenized.chain.length} links accepted; plain: 14) -> ${size.parameters} parameters, ${size.chars} characters`);
      expect(size.parameters).toBeLessThanOrEqual(MAX_GROUP_PARAMETERS + 10);
    }
  });

  it('510 contact entries under an OR: one list parameter, cast to the id column type on PostgreSQL', async () => {
    const domain = await w.engine.domain('long-ids');
    const { viewer, listed, grouped, other } = await domain.admin('bounded-test').transaction(async (admin) => {
      const viewer = await admin.createContact({ contactType: 'Individual' });
      const listed: number[] = [];
      for (let i = 0; i < 510; i++) listed.push(await admin.createContact({ contactType: 'Individual' }));
      const grouped = await admin.createContact({ contactType: 'Individual' });
      const other = await admin.createContact({ contactType: 'Individual' });
      const few = await admin.createGroup({ name: 'few', kind: 'static' });
      await admin.setMembership({ groupId: few, contactId: grouped, status: 'Added' });
      const owner = { type: 'contact', id: viewer } as const;
      for (const id of listed) await admin.createEntry({ effect: 'allow', operation: 'view', owner, object: { type: 'contact', id } });
      await admin.createEntry({ effect: 'allow', operation: 'view', owner, object: { type: 'group-members', groupId: few } });
      return { viewer, listed, grouped, other };
    });
    const s = domain.subject({ contactId: viewer });
    for (const purpose of ['page', 'count'] as const) {
      const explained = await s.explainClause('view', { alias: 'c', purpose });
      expect(explained.sql).toMatch(/ or /);
      expect(explained.parameters.length).toBeLessThan(20);
      // The reference table's ids are `integer`: the list is cast to `integer[]`, which the planner can hash.
      if (dialect === 'postgres') expect(explained.sql).toContain('as integer[])');
    }
    expect(await visible(s, 'view', [...listed, grouped, other])).toEqual([...listed, grouped]);
  });
});
