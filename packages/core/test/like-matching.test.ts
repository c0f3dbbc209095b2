import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PolicyError, type ContactFacts, type Criteria } from '../src/index.js';
import { checkCriteria, criteriaFields, evaluateCriteria, likeMatcher } from '../src/extension.js';
import { openTestDatabase, testDialects, type TestDatabase } from './support/test-databases.js';
import { createWorld, visible, type TestWorld } from './support/test-world.js';

const dialects = await testDialects();

// A pattern that made a backtracking regular expression take minutes on 255 characters.
const BAD_PATTERN = '%a%a%a%a%b';
const BAD_VALUE = 'a'.repeat(255);

function facts(country: string): ContactFacts {
  return { id: 1, domainId: 1, isDeleted: false, values: { country }, subTypes: new Set(), statuses: new Map() };
}

describe('in-memory like matching', () => {
  it('a pattern with many % runs in linear-ish time on a long value', () => {
    const started = performance.now();
    const matched = likeMatcher(BAD_PATTERN)(BAD_VALUE);
    const viaCriteria = evaluateCriteria({ field: 'country', op: 'like', value: `${BAD_PATTERN}%a%a%a%a%a%a%a%a%a%a%b` }, facts(BAD_VALUE), {
      groups: new Map(),
      subjectValues: {},
    });
    const ms = performance.now() - started;
    console.log(`[like-matching] ${BAD_PATTERN} against ${BAD_VALUE.length} characters: ${ms.toFixed(1)} ms`);
    expect(matched).toBe(false);
    expect(viaCriteria).toBe(false);
    expect(ms).toBeLessThan(250);
  });

  it('regular-expression specials, "-" included, are plain characters', () => {
    expect(likeMatcher('%@acme-corp.com')('ann@acme-corp.com')).toBe(true);
    expect(likeMatcher('%@acme-corp.com')('ann@acmeXcorp.com')).toBe(false);
    expect(likeMatcher('a.c')('abc')).toBe(false);
    expect(likeMatcher('[a-z]*')('[a-z]*')).toBe(true);
    expect(likeMatcher('(x|y)+?^$')('(x|y)+?^$')).toBe(true);
    expect(likeMatcher('_')('\u{1F600}')).toBe(true);
    expect(likeMatcher('a\\%\\_\\\\')('a%_\\')).toBe(true);
  });

  it('NUL: a pattern holding it is refused, and a value holding it never matches', () => {
    expect(() => likeMatcher('%\0%')).toThrow(/NUL/);
    expect(likeMatcher('%')('a\0b')).toBe(false);
    const fields = criteriaFields({ columns: { id: 'id', domainId: 'domain_id', contactType: 'contact_type', isDeleted: 'is_deleted', isDeletedType: 'integer', sortName: 'sort_name' }, attributes: { country: { type: 'text' } } });
    expect(() => checkCriteria({ field: 'country', op: 'like', value: '%\0%' }, fields)).toThrow(PolicyError);
    expect(() => checkCriteria({ field: 'country', op: '=', value: 'a\0' }, fields)).toThrow(/NUL/);
  });
});

describe.each(dialects)('like through the engine on %s', (dialect) => {
  let t: TestDatabase;
  let w: TestWorld;
  let creator: number;
  const ids: number[] = [];

  beforeAll(async () => {
    t = await openTestDatabase(dialect, 'like_matching');
    w = await createWorld(t);
    const admin = w.admin;
    creator = await admin.createContact({ contactType: 'Individual', attributes: { country: 'FR' } });
    ids.push(creator);
    for (const country of ['ann@acme-corp.com', 'bob@acme.com', BAD_VALUE, 'VN']) {
      ids.push(await admin.createContact({ contactType: 'Individual', attributes: { country } }));
    }
    const acme = await admin.createGroup({ name: 'acme', kind: 'smart', criteria: { field: 'country', op: 'like', value: '%@acme-corp.com' } });
    const slow = await admin.createGroup({ name: 'slow', kind: 'smart', criteria: { field: 'country', op: 'like', value: BAD_PATTERN } });
    await admin.createEntry({ effect: 'allow', operation: 'view', owner: { type: 'contact', id: creator }, object: { type: 'group-members', groupId: acme } });
    await admin.createEntry({ effect: 'allow', operation: 'view', owner: { type: 'contact', id: creator }, object: { type: 'group-members', groupId: slow } });
    await admin.createEntry({ effect: 'allow', operation: 'create', owner: { type: 'contact', id: creator }, object: { type: 'group-members', groupId: slow } });
  });
  afterAll(async () => {
    await t.close();
  });

  it('an e-mail domain pattern with "-" selects the same contacts in memory and SQL', async () => {
    const seen = await visible(w.domain.subject({ contactId: creator }), 'view', ids);
    expect(seen).toEqual([ids[1]]);
  });

  it('a create check against a backtracking-prone pattern answers at once', async () => {
    const started = performance.now();
    const decision = await w.domain.subject({ contactId: creator }).checkCreate({ contactType: 'Individual', attributes: { country: BAD_VALUE } });
    const ms = performance.now() - started;
    console.log(`[like-matching] ${dialect}: create check against ${BAD_PATTERN}: ${ms.toFixed(1)} ms`);
    expect(decision.allowed).toBe(false);
    expect(ms).toBeLessThan(1000);
  });

  it('a NUL pattern is refused at write time, and one stored behind the engine denies everywhere', async () => {
    const error = await w.admin.createGroup({ name: 'nul', kind: 'smart', criteria: { field: 'country', op: 'like', value: '%\0%' } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PolicyError);
    expect((error as PolicyError).code).toBe('invalid_criteria');
    expect((error as PolicyError).message).toMatch(/NUL/);
    const g = await w.admin.createGroup({ name: 'later-nul', kind: 'smart', criteria: { field: 'country', op: 'like', value: '%' } });
    const reader = await w.admin.createContact({ contactType: 'Individual' });
    await w.admin.createEntry({ effect: 'allow', operation: 'view', owner: { type: 'contact', id: reader }, object: { type: 'group-members', groupId: g } });
    const nul: Criteria = { field: 'country', op: 'like', value: '%\0%' };
    await sql`update rg_group set criteria = ${JSON.stringify(nul)} where id = ${g}`.execute(t.db);
    await sql`update rg_domain set version = version + 1 where id = ${w.domain.id}`.execute(t.db);
    const s = w.domain.subject({ contactId: reader });
    expect(await s.listIds('view')).toEqual([]);
    for (const id of ids) expect(await s.check('view', id)).toBe(false);
  });
});
