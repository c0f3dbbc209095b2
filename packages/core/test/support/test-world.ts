import { expect } from 'vitest';
import { createRowguard, OPERATIONS, type Domain, type Operation, type PolicyAdmin, type Rowguard, type RowguardOptions, type SubjectSession } from '../../src/index.js';
import type { TestDatabase } from './test-databases.js';

/** An engine on a test database with one domain and its admin. */
export interface TestWorld {
  readonly engine: Rowguard;
  readonly domain: Domain;
  readonly admin: PolicyAdmin;
}

/** Creates the engine (country/state/age attributes), migrates, opens domain `name`. */
export async function createWorld(
  t: TestDatabase,
  options: Partial<RowguardOptions> = {},
  name = 'test',
): Promise<TestWorld> {
  const engine = createRowguard({
    db: t.db,
    contacts: { attributes: { country: { type: 'text' }, state: { type: 'text' }, age: { type: 'integer' } } },
    onError: () => undefined,
    ...options,
  });
  await engine.migrate();
  const domain = await engine.domain(name);
  return { engine, domain, admin: domain.admin('test-suite') };
}

/**
 * The contacts a session may act on, computed three ways that must agree: the SQL clause (listIds), the batch
 * check (checkMany, one query) and the in-memory decision (check, per contact). Returns the sorted ids.
 */
export async function visible(session: SubjectSession, op: Operation, universe: readonly number[]): Promise<number[]> {
  const viaSql = await session.listIds(op, { limit: 10_000 });
  const viaBatch = [...(await session.checkMany(op, universe))].sort((a, b) => a - b);
  const viaMemory: number[] = [];
  for (const id of universe) if (await session.check(op, id)) viaMemory.push(id);
  const inUniverse = viaSql.filter((id) => universe.includes(id));
  expect(inUniverse, `SQL clause vs in-memory for ${op}`).toEqual(viaMemory);
  expect(viaBatch, `batch check vs in-memory for ${op}`).toEqual(viaMemory);
  return viaMemory;
}

/** `visible` for every operation. */
export async function visibleByOp(session: SubjectSession, universe: readonly number[]): Promise<Record<Operation, number[]>> {
  const out = {} as Record<Operation, number[]>;
  for (const op of OPERATIONS) out[op] = await visible(session, op, universe);
  return out;
}
