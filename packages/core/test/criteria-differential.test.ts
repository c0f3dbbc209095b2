import fc from 'fast-check';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Criteria, type FieldValue } from '../src/index.js';
import { criteriaFields, criteriaSql, evaluateCriteria, loadContactFacts, type SqlContext } from '../src/extension.js';
import { propertyBudget } from './support/property-budget.js';
import { openTestDatabase, testDialects, type TestDatabase } from './support/test-databases.js';
import { createWorld, type TestWorld } from './support/test-world.js';
import { criteria } from './support/world-arbitrary.js';
import { assertSettled } from './support/settled-assert.js';

const dialects = await testDialects();
const SEED = Number(process.env.ROWGUARD_FC_SEED ?? 20261122);
// At most 400 cases per property, within a time budget (ROWGUARD_PROPERTY_BUDGET_MS overrides it).
const BUDGET = { budgetMs: 20_000, maxRuns: 400 };

// Values chosen to break naive implementations: case variants, trailing spaces, non-ASCII, LIKE wildcards
// inside values, code-point order traps (U+E000 vs astral), regular-expression and GLOB specials, NULs, NULLs.
const COUNTRIES = ['FR', 'VN', 'vn', 'VN ', 'Ünï', 'ünï', 'v%', 'V_N', '\u{E000}', '\u{1F600}', '', null, 'ann@acme-corp.com', 'a-b', '.*+?^$/', '([{|}])', 'a[b]c'];
// Values holding NUL: the engine refuses to write them, but a host-managed table on SQLite or MariaDB may already
// hold some (PostgreSQL text cannot), so they are written behind the engine's back there.
const NUL_COUNTRIES = ['VN\0', 'a\0b', '\0', 'ann\0@acme-corp.com'];
// Pieces of like patterns: wildcards, escapes, every regular-expression special (including '-'), GLOB specials.
const PATTERN_PIECES = ['%', '%', '_', '\\%', '\\_', '\\\\', 'V', 'N', 'n', 'a', 'b', '-', '.', '*', '+', '?', '^', '$', '/', '(', ')', '[', ']', '{', '}', '|', '!', '@acme-corp.com', 'Ü', '\u{1F600}', ' '];
const STATES = ['a', 'b', 'B', 'a%', 'a\\', null];
const AGES = [0, 17, 18, 60, null];

describe.each(dialects)('criteria semantics: memory = SQL on %s', (dialect) => {
  let t: TestDatabase;
  let w: TestWorld;
  const ids: number[] = [];
  let cases = 0;

  beforeAll(async () => {
    t = await openTestDatabase(dialect, 'criteria_differential');
    w = await createWorld(t);
    const admin = w.domain.admin('criteria-test');
    for (const [i, country] of COUNTRIES.entries()) {
      ids.push(
        await admin.createContact({
          contactType: i % 3 === 0 ? 'Organization' : 'Individual',
          subTypes: i % 2 === 0 ? ['sales'] : i % 5 === 0 ? ['manager'] : [],
          attributes: { country, state: STATES[i % STATES.length] ?? null, age: AGES[i % AGES.length] ?? null },
        }),
      );
    }
    if (dialect !== 'postgres') {
      for (const country of NUL_COUNTRIES) {
        const id = await admin.createContact({ contactType: 'Individual', attributes: { country: 'placeholder', state: 'a' } });
        await sql`update rg_contact set country = ${country} where id = ${id}`.execute(t.db);
        ids.push(id);
      }
    }
    const g0 = await admin.createGroup({ name: 'g0', kind: 'static' });
    for (const id of ids.filter((_, i) => i % 3 === 1)) await admin.setMembership({ groupId: g0, contactId: id, status: 'Added' });
  });
  afterAll(async () => {
    console.log(`[criteria-differential] ${dialect}: ${cases} criteria x ${ids.length} contacts`);
    await t.close();
  });

  const criteriaBudget = propertyBudget(BUDGET);
  it('random criteria and subject values select the same contacts in memory and in SQL', async () => {
    const before = cases;
    const facts = await loadContactFacts({ db: t.db, tables: w.engine.tables, contacts: w.engine.config.contacts, fields: criteriaFields(w.engine.config.contacts) }, ids);
    if (dialect !== 'postgres') expect(ids.filter((id) => String(facts.get(id)?.values.country).includes('\0'))).toHaveLength(NUL_COUNTRIES.length);
    const snapshot = await w.domain.policy();
    const subjectArb = fc.record({
      country: fc.constantFrom<FieldValue>(...COUNTRIES),
      state: fc.constantFrom<FieldValue>(...STATES),
      age: fc.constantFrom<FieldValue>(...AGES),
    });
    await assertSettled(
      fc.asyncProperty(criteria(1), subjectArb, async (c: Criteria, subjectValues) => {
        const ctx: SqlContext = {
          dialect,
          tables: w.engine.tables,
          fields: criteriaFields(w.engine.config.contacts),
          alias: 'c',
          idColumn: 'id',
          groups: snapshot.groups,
          subjectValues,
          counter: { n: 0 },
          subjectContactId: null,
          today: '2026-06-15',
          secondDegree: false,
        };
        const mapped = JSON.parse(JSON.stringify(c).replace(/"inGroup":0/g, `"inGroup":${[...snapshot.groups.keys()][0]}`)) as Criteria;
        const { rows } = await sql<{ id: number }>`select c.id from rg_contact c where c.domain_id = ${w.domain.id} and ${criteriaSql(mapped, ctx)} order by c.id`.execute(t.db);
        const viaSql = rows.map((r) => Number(r.id));
        const viaMemory = ids.filter((id) => evaluateCriteria(mapped, facts.get(id)!, { groups: snapshot.groups, subjectValues }));
        cases += 1;
        expect(viaSql, JSON.stringify(mapped)).toEqual(viaMemory);
      }),
      { ...criteriaBudget.start(), seed: SEED },
    );
    criteriaBudget.report(`[criteria-differential] ${dialect}, criteria`, cases - before);
  }, criteriaBudget.testTimeoutMs);

  const likeBudget = propertyBudget(BUDGET);
  it('random like patterns (wildcards, escapes, regex and GLOB specials) match the same contacts in memory and in SQL', async () => {
    const before = cases;
    const fields = criteriaFields(w.engine.config.contacts);
    const facts = await loadContactFacts({ db: t.db, tables: w.engine.tables, contacts: w.engine.config.contacts, fields }, ids);
    const snapshot = await w.domain.policy();
    const ctx = (): SqlContext => ({
      dialect, tables: w.engine.tables, fields, alias: 'c', idColumn: 'id', groups: snapshot.groups, subjectValues: {},
      counter: { n: 0 }, subjectContactId: null, today: '2026-06-15', secondDegree: false,
    });
    let matched = 0;
    await assertSettled(
      fc.asyncProperty(fc.array(fc.constantFrom(...PATTERN_PIECES), { minLength: 1, maxLength: 6 }), fc.boolean(), async (pieces, negate) => {
        const like: Criteria = { field: 'country', op: 'like', value: pieces.join('') };
        const c: Criteria = negate ? { not: like } : like;
        const { rows } = await sql<{ id: number }>`select c.id from rg_contact c where c.domain_id = ${w.domain.id} and ${criteriaSql(c, ctx())} order by c.id`.execute(t.db);
        const viaSql = rows.map((r) => Number(r.id));
        const viaMemory = ids.filter((id) => evaluateCriteria(c, facts.get(id)!, { groups: snapshot.groups, subjectValues: {} }));
        cases += 1;
        if (!negate) matched += viaMemory.length;
        expect(viaSql, JSON.stringify(c)).toEqual(viaMemory);
      }),
      { ...likeBudget.start(), seed: SEED },
    );
    likeBudget.report(`[criteria-differential] ${dialect}, like patterns`, cases - before);
    // Fixed cases the random walk may miss: the e-mail domain pattern, and wildcards across a NUL.
    for (const pattern of ['%@acme-corp.com', '%-%', 'a_b', '%b', 'VN%', '_', '%.*+?^$/%', '([{|}])', 'a[b]c']) {
      const c: Criteria = { field: 'country', op: 'like', value: pattern };
      const { rows } = await sql<{ id: number }>`select c.id from rg_contact c where c.domain_id = ${w.domain.id} and ${criteriaSql(c, ctx())} order by c.id`.execute(t.db);
      const viaMemory = ids.filter((id) => evaluateCriteria(c, facts.get(id)!, { groups: snapshot.groups, subjectValues: {} }));
      expect(rows.map((r) => Number(r.id)), pattern).toEqual(viaMemory);
      matched += viaMemory.length;
    }
    console.log(`[criteria-differential] ${dialect}: like patterns matched ${matched} contact(s) in all`);
    expect(matched).toBeGreaterThan(0);
  }, likeBudget.testTimeoutMs);
});
