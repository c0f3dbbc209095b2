import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { CLAUSE_FORMS, CLAUSE_SHAPES, createRowguard, OPERATIONS, type ClauseOptions, type Domain, type SubjectInput } from '../src/index.js';
import { propertyBudget } from './support/property-budget.js';
import { openTestDatabase, testDialects, truncateEngine, type TestDatabase } from './support/test-databases.js';
import { createWorld, type TestWorld } from './support/test-world.js';
import { worldArbitrary } from './support/world-arbitrary.js';
import { writeWorld } from './support/world-writer.js';
import { assertSettled } from './support/settled-assert.js';

const dialects = await testDialects();
// At most the worlds each dialect used to run, within a time budget (ROWGUARD_PROPERTY_BUDGET_MS overrides it).
const RUNS: Record<string, number> = { sqlite: 250, mysql: 100, postgres: 100 };
const BUDGET_MS = 50_000;
const seedEnv = process.env.ROWGUARD_FC_SEED;
const SEED = seedEnv === 'random' ? Date.now() % 2 ** 31 : Number(seedEnv ?? 20261122);
const clock = () => new Date('2026-06-15T08:00:00Z');
const SHAPE_OPTIONS: ClauseOptions[] = [
  ...CLAUSE_SHAPES.map((shape) => ({ shape })),
  { purpose: 'count' },
  // Every form of the whole clause forced (the first page's default is `or`), with the shapes chosen for a first
  // page and for a count.
  ...CLAUSE_FORMS.filter((form) => form !== 'or').map((form) => ({ form })),
  ...CLAUSE_FORMS.map((form) => ({ form, purpose: 'count' as const })),
];

describe.each(dialects)('differential: in-memory decision = SQL clause rows, on %s', (dialect) => {
  let t: TestDatabase;
  let w: TestWorld;
  let secondDegree: Domain;
  let worlds = 0;
  let comparisons = 0;
  let entityComparisons = 0;
  let shapeComparisons = 0;
  let delegated = 0;
  let related = 0;

  beforeAll(async () => {
    t = await openTestDatabase(dialect, 'differential');
    w = await createWorld(t, { clock, entityTypes: [] });
    // The same database seen by an engine with second-degree relationships switched on.
    secondDegree = await createRowguard({ db: t.db, clock, contacts: w.engine.config.contacts, relationships: { secondDegree: true }, onError: () => undefined }).domain('test');
    await sql`create table host_profile (id integer primary key)`.execute(t.db);
    for (const id of [1, 2, 3, 4]) await sql`insert into host_profile (id) values (${id})`.execute(t.db);
  });
  afterAll(async () => {
    await t.close();
  });
  const budget = propertyBudget({ budgetMs: BUDGET_MS, maxRuns: RUNS[dialect] ?? 100 });

  it('agrees for every subject, operation and contact of random worlds', async () => {
    await assertSettled(
      fc.asyncProperty(worldArbitrary, async (spec) => {
        await truncateEngine(t.db);
        const world = await writeWorld(w.domain, spec);
        const subjects: SubjectInput[] = [
          {},
          { userId: 'user-nobody' },
          ...world.contacts.map((contactId) => ({ contactId })),
          ...[...world.userIds.values()].map((userId) => ({ userId })),
        ];
        const policy = await w.domain.policy();
        delegated += policy.entries.filter((e) => e.object.type === 'delegation').length;
        for (const input of subjects) {
          for (const op of ['view', 'edit'] as const) {
            const session = secondDegree.subject(input);
            const viaSql = (await session.listIds(op, { limit: 1000 })).filter((id) => world.contacts.includes(id));
            const viaMemory: number[] = [];
            for (const id of world.contacts) if (await session.check(op, id)) viaMemory.push(id);
            comparisons += world.contacts.length;
            expect(viaSql, `second degree: SQL vs memory (subject ${JSON.stringify(input)}, ${op})`).toEqual(viaMemory);
          }
          const session = w.domain.subject(input);
          related += (await session.resolve())?.relations.length ?? 0;
          for (const op of OPERATIONS) {
            const permitted = await session.permittedEntityIds('profile', op);
            const entityWhere = await session.entityClause('profile', op, { alias: 'p' });
            const rows = (await t.db.selectFrom('host_profile as p').select('p.id').where(entityWhere).orderBy('p.id').execute()).map((r) => Number(r.id));
            const checked: number[] = [];
            for (const id of [1, 2, 3, 4]) if (await session.checkEntity('profile', op, id)) checked.push(id);
            const fromSet = [1, 2, 3, 4].filter((id) => (permitted.mode === 'only' ? permitted.ids.includes(id) : !permitted.ids.includes(id)));
            entityComparisons += 4;
            expect(rows, `entity clause vs checks (subject ${JSON.stringify(input)}, ${op})`).toEqual(checked);
            expect(fromSet, `permitted ids vs checks (subject ${JSON.stringify(input)}, ${op})`).toEqual(checked);
            const viaSql = (await session.listIds(op, { limit: 1000 })).filter((id) => world.contacts.includes(id));
            const viaBatch = [...(await session.checkMany(op, world.contacts))].sort((a, b) => a - b);
            const viaMemory: number[] = [];
            for (const id of world.contacts) if (await session.check(op, id)) viaMemory.push(id);
            comparisons += world.contacts.length;
            const where = `subject ${JSON.stringify(input)}, operation ${op}`;
            expect(viaSql, `SQL clause vs in-memory decision (${where})`).toEqual(viaMemory);
            expect(viaBatch, `batch check vs in-memory decision (${where})`).toEqual(viaMemory);
            // Every clause shape is the same function: each forced shape, and the automatic choice for a count.
            for (const options of SHAPE_OPTIONS) {
              const rows = await t.db.selectFrom('rg_contact as c').select('c.id').where(await session.clause(op, { alias: 'c', ...options })).orderBy('c.id').execute();
              shapeComparisons += world.contacts.length;
              expect(rows.map((r) => Number(r.id)).filter((id) => world.contacts.includes(id)), `shape ${JSON.stringify(options)} (${where})`).toEqual(viaMemory);
            }
          }
        }
        worlds += 1;
      }),
      { ...budget.start(), seed: SEED, endOnFailure: false, verbose: 1 },
    );
    budget.report(
      `[differential] ${dialect}`,
      worlds,
      `${comparisons} subject x operation x contact comparisons, ${shapeComparisons} more through each clause shape, ` +
        `${entityComparisons} entity comparisons, ${delegated} delegations written, ${related} relationship grants (seed ${SEED})`,
    );
  }, budget.testTimeoutMs);
});
