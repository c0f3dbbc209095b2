import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRowguard, OPERATIONS, type Domain, type SubjectInput } from '../src/index.js';
import { openTestDatabase, testDialects, truncateEngine, type TestDatabase } from './support/test-databases.js';
import { createWorld, type TestWorld } from './support/test-world.js';
import { worldArbitrary } from './support/world-arbitrary.js';
import { writeWorld } from './support/world-writer.js';
import { assertSettled } from './support/settled-assert.js';

// The reverse lookup (`whoCan`) against the forward decision (`check`): for random worlds, every subject, every
// operation and every contact, the subject is allowed by the reverse lookup's holders exactly when `check`
// allows it. Runs to a time budget per dialect (ROWGUARD_DIFF_BUDGET_MS, default 40 s) and prints its coverage.
const dialects = await testDialects();
const BUDGET_MS = Number(process.env.ROWGUARD_DIFF_BUDGET_MS ?? 25_000);
const seedEnv = process.env.ROWGUARD_FC_SEED;
const SEED = seedEnv === 'random' ? Date.now() % 2 ** 31 : Number(seedEnv ?? 20261126);
const clock = () => new Date('2026-06-15T08:00:00Z');

describe.each(dialects)('whoCan agrees with check, on %s', (dialect) => {
  let t: TestDatabase;
  let w: TestWorld;
  let secondDegree: Domain;
  const seen = { worlds: 0, comparisons: 0, allowed: 0, holders: 0, relationHolders: 0, delegationHolders: 0, tokenGrants: 0 };

  beforeAll(async () => {
    t = await openTestDatabase(dialect, 'who-can-diff');
    w = await createWorld(t, { clock, entityTypes: [] });
    secondDegree = await createRowguard({ db: t.db, clock, contacts: w.engine.config.contacts, relationships: { secondDegree: true }, onError: () => undefined }).domain('test');
  });
  afterAll(async () => {
    console.log(
      `[who-can differential] ${dialect}: ${seen.worlds} worlds, ${seen.comparisons} subject x operation x contact comparisons ` +
        `(${seen.allowed} allowed), ${seen.holders} holders listed (${seen.relationHolders} through relationships, ` +
        `${seen.delegationHolders} delegations), ${seen.tokenGrants} tokenized grants; budget ${BUDGET_MS} ms, seed ${SEED}`,
    );
    await t?.close();
  });

  it('decides every subject from the reverse lookup exactly as check does', { timeout: BUDGET_MS + 120_000 }, async () => {
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
        for (const domain of [w.domain, secondDegree]) {
          const resolved = [];
          for (const input of subjects) resolved.push({ input, session: domain.subject(input), subject: await domain.subject(input).resolve() });
          for (const op of OPERATIONS) {
            for (const contactId of world.contacts) {
              const report = await domain.whoCan(op, contactId);
              seen.holders += report.holders.length;
              seen.relationHolders += report.holders.filter((h) => h.kind === 'relationship').length;
              seen.delegationHolders += report.holders.filter((h) => h.kind === 'delegation').length;
              seen.tokenGrants += report.grants.filter((g) => g.condition?.type === 'tokens').length;
              expect(JSON.parse(JSON.stringify(report)).contactId).toBe(contactId);
              for (const { input, session, subject } of resolved) {
                const checked = await session.check(op, contactId);
                expect(subject, `subject ${JSON.stringify(input)} resolves`).toBeDefined();
                const reverse = report.allows(subject!);
                seen.comparisons += 1;
                if (checked) seen.allowed += 1;
                expect(reverse, `whoCan vs check: subject ${JSON.stringify(input)}, ${op} on contact ${contactId}`).toBe(checked);
              }
            }
          }
        }
        seen.worlds += 1;
      }),
      { seed: SEED, numRuns: 1_000_000, interruptAfterTimeLimit: BUDGET_MS, endOnFailure: true },
    );
    expect(seen.worlds).toBeGreaterThan(0);
  });
});
