import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPERATIONS, type SubjectInput } from '../src/index.js';
import { openTestDatabase, testDialects, truncateEngine, type TestDatabase } from './support/test-databases.js';
import { createWorld, type TestWorld } from './support/test-world.js';
import { worldArbitrary } from './support/world-arbitrary.js';
import { writeWorld } from './support/world-writer.js';

const dialects = await testDialects();
const RUNS: Record<string, number> = { sqlite: 250, mysql: 100, postgres: 100 };
const seedEnv = process.env.ROWGUARD_FC_SEED;
const SEED = seedEnv === 'random' ? Date.now() % 2 ** 31 : Number(seedEnv ?? 20261122);

describe.each(dialects)('differential: in-memory decision = SQL clause rows, on %s', (dialect) => {
  let t: TestDatabase;
  let w: TestWorld;
  let worlds = 0;
  let comparisons = 0;

  beforeAll(async () => {
    t = await openTestDatabase(dialect, 'differential');
    w = await createWorld(t);
  });
  afterAll(async () => {
    console.log(`[differential] ${dialect}: ${worlds} worlds, ${comparisons} subject x operation x contact comparisons (seed ${SEED})`);
    await t.close();
  });

  it('agrees for every subject, operation and contact of random worlds', async () => {
    const numRuns = Number(process.env.ROWGUARD_FC_RUNS ?? RUNS[dialect]);
    await fc.assert(
      fc.asyncProperty(worldArbitrary, async (spec) => {
        await truncateEngine(t.db);
        const world = await writeWorld(w.domain, spec);
        const subjects: SubjectInput[] = [
          {},
          { userId: 'user-nobody' },
          ...world.contacts.map((contactId) => ({ contactId })),
          ...[...world.userIds.values()].map((userId) => ({ userId })),
        ];
        for (const input of subjects) {
          const session = w.domain.subject(input);
          for (const op of OPERATIONS) {
            const viaSql = (await session.listIds(op, { limit: 1000 })).filter((id) => world.contacts.includes(id));
            const viaBatch = [...(await session.checkMany(op, world.contacts))].sort((a, b) => a - b);
            const viaMemory: number[] = [];
            for (const id of world.contacts) if (await session.check(op, id)) viaMemory.push(id);
            comparisons += world.contacts.length;
            const where = `subject ${JSON.stringify(input)}, operation ${op}`;
            expect(viaSql, `SQL clause vs in-memory decision (${where})`).toEqual(viaMemory);
            expect(viaBatch, `batch check vs in-memory decision (${where})`).toEqual(viaMemory);
          }
        }
        worlds += 1;
      }),
      { numRuns, seed: SEED, endOnFailure: false, verbose: 1 },
    );
  });
});
