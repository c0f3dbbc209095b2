import fc from 'fast-check';
import { expect } from 'vitest';
import type { Kysely } from 'kysely';
import type { Domain, SubjectInput, SubjectSession } from '../../src/index.js';
import { truncateEngine } from './test-databases.js';
import { worldArbitrary } from './world-arbitrary.js';
import { writeWorld } from './world-writer.js';
import { assertSettled } from './settled-assert.js';

/** Where the differential writes and where it decides. */
export interface DifferentialSides {
  /** The domain written through (the primary, or Galera node 1). */
  readonly writer: Domain;
  /** Deletes the engine's rows between worlds (on the write side). */
  readonly writeDb: Kysely<any>;
  /** A session for a subject on the read side, made after the world was written. */
  session(input: SubjectInput): Promise<SubjectSession>;
  /** Where the clause rows are read (the read side). */
  readonly readDb: Kysely<any>;
}

/** What a run covered. */
export interface DifferentialCounts {
  worlds: number;
  comparisons: number;
}

/**
 * The differential property on a cluster, to a time budget: random worlds written on one side, and for every
 * subject and for view / edit the in-memory decision (check), the batch check and the SQL clause's rows read on
 * the other side agree. Counts what it covered in `counts`.
 */
export async function clusterDifferential(sides: DifferentialSides, budgetMs: number, seed: number, counts: DifferentialCounts): Promise<void> {
  await assertSettled(
    fc.asyncProperty(worldArbitrary, async (spec) => {
      await truncateEngine(sides.writeDb);
      const world = await writeWorld(sides.writer, spec);
      const subjects: SubjectInput[] = [{}, ...world.contacts.map((contactId) => ({ contactId })), ...[...world.userIds.values()].map((userId) => ({ userId }))];
      for (const input of subjects) {
        const session = await sides.session(input);
        for (const op of ['view', 'edit'] as const) {
          const viaMemory: number[] = [];
          for (const id of world.contacts) if (await session.check(op, id)) viaMemory.push(id);
          const viaBatch = [...(await session.checkMany(op, world.contacts))].sort((a, b) => a - b);
          const rows = await sides.readDb.selectFrom('rg_contact as c').select('c.id').where(await session.clause(op, { alias: 'c' })).orderBy('c.id').execute();
          const viaSql = rows.map((r) => Number(r.id)).filter((id) => world.contacts.includes(id));
          const where = `subject ${JSON.stringify(input)}, operation ${op}`;
          expect(viaSql, `SQL clause vs in-memory decision (${where})`).toEqual(viaMemory);
          expect(viaBatch, `batch check vs in-memory decision (${where})`).toEqual(viaMemory);
          counts.comparisons += world.contacts.length;
        }
      }
      counts.worlds += 1;
    }),
    { numRuns: 10_000, seed, interruptAfterTimeLimit: budgetMs, markInterruptAsFailure: false, endOnFailure: true },
  );
}
