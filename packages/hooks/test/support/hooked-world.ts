import { createRowguard, type DialectKind, type Domain, type Operation, type PolicyAdmin, type Rowguard, type SubjectSession } from '@rowguard/core';
import { afterAll, beforeAll, beforeEach, expect } from 'vitest';
import { createRowguardHooks, HookTapError, type RowguardHooks, type RowguardHooksOptions } from '../../src/index.js';
import { openTestDatabase, truncateEngine, type TestDatabase } from '../../../core/test/support/test-databases.js';

/** The contact attributes every hooks test uses (one schema per test database). */
export const CONTACTS = {
  attributes: { country: { type: 'text' }, team_id: { type: 'integer' }, age: { type: 'integer' } },
} as const;

/** An engine with hooks on a test database, and everything the hooks reported. */
export interface HookedWorld {
  readonly rg: RowguardHooks;
  readonly engine: Rowguard;
  readonly domain: Domain;
  readonly admin: PolicyAdmin;
  /** Errors the engine reported through `onError` (decisions that denied). */
  readonly engineErrors: unknown[];
  /** Failures announced through `events.tapFailed`. */
  readonly failures: HookTapError[];
  /** Failures that reached the hooks' `onError` fallback. */
  readonly fallback: HookTapError[];
}

/** Creates the schema once per test database. */
export async function migrateOnce(t: TestDatabase): Promise<void> {
  await createRowguard({ db: t.db, contacts: CONTACTS, onError: () => undefined }).migrate();
}

/**
 * A fresh hooks object and engine on the (migrated) test database, domain `test`. `setup` taps the hooks
 * before the engine is created; `listen` (default true) records `events.tapFailed`.
 */
export async function hookedWorld(
  t: TestDatabase,
  setup: (rg: RowguardHooks) => void = () => undefined,
  options: RowguardHooksOptions & { listen?: boolean } = {},
): Promise<HookedWorld> {
  const { listen = true, ...hookOptions } = options;
  const fallback: HookTapError[] = [];
  const rg = createRowguardHooks({ onError: (e) => fallback.push(e), ...hookOptions });
  const failures: HookTapError[] = [];
  if (listen) rg.hooks.events.tapFailed.tap('test-recorder', (e) => failures.push(e));
  setup(rg);
  const engineErrors: unknown[] = [];
  const engine = createRowguard(rg.engineOptions({ db: t.db, contacts: CONTACTS, onError: (e) => engineErrors.push(e) }));
  const domain = await engine.domain('test');
  return { rg, engine, domain, admin: domain.admin('hooks-test'), engineErrors, failures, fallback };
}

/** The people of the standard world (ids), its groups, and every contact id. */
export interface People {
  readonly alice: number;
  readonly bob: number;
  readonly carol: number;
  readonly dave: number;
  readonly erin: number;
  readonly frank: number;
  readonly staff: number;
  readonly g1: number;
  readonly g2: number;
  readonly vn: number;
  readonly all: readonly number[];
}

/**
 * Writes the standard world: alice (FR, team 1, user `u-alice`, member of staff), bob (FR, team 1) and carol
 * (VN, team 2) in static group g1, dave (no country, team 2) in static group g2, erin (VN), frank (FR,
 * deleted); smart group vn (country = VN).
 */
export async function seedPeople(admin: PolicyAdmin): Promise<People> {
  const c = (key: string, country: string | null, team: number | null, isDeleted = false) =>
    admin.createContact({ key, contactType: 'Individual', sortName: key, attributes: { country, team_id: team, age: 30 }, isDeleted });
  const alice = await c('alice', 'FR', 1);
  const bob = await c('bob', 'FR', 1);
  const carol = await c('carol', 'VN', 2);
  const dave = await c('dave', null, 2);
  const erin = await c('erin', 'VN', null);
  const frank = await c('frank', 'FR', 1, true);
  await admin.linkUser({ userId: 'u-alice', contactId: alice });
  const staff = await admin.createGroup({ name: 'staff', kind: 'static' });
  const g1 = await admin.createGroup({ name: 'g1', kind: 'static' });
  const g2 = await admin.createGroup({ name: 'g2', kind: 'static' });
  const vn = await admin.createGroup({ name: 'vn', kind: 'smart', criteria: { field: 'country', op: '=', value: 'VN' } });
  await admin.setMembership({ groupId: staff, contactId: alice, status: 'Added' });
  for (const id of [bob, carol]) await admin.setMembership({ groupId: g1, contactId: id, status: 'Added' });
  await admin.setMembership({ groupId: g2, contactId: dave, status: 'Added' });
  return { alice, bob, carol, dave, erin, frank, staff, g1, g2, vn, all: [alice, bob, carol, dave, erin, frank] };
}

/**
 * The contacts a session may act on, three ways that must agree: the SQL clause (`listIds`), the batch check
 * (`checkMany`) and the in-memory decision (`check`). Returns the sorted ids.
 */
export async function visible(session: SubjectSession, op: Operation, universe: readonly number[]): Promise<number[]> {
  const viaSql = (await session.listIds(op, { limit: 10_000 })).filter((id) => universe.includes(id));
  const viaBatch = [...(await session.checkMany(op, universe))].sort((a, b) => a - b);
  const viaMemory: number[] = [];
  for (const id of universe) if (await session.check(op, id)) viaMemory.push(id);
  expect(viaSql, `SQL clause vs in-memory for ${op}`).toEqual(viaMemory);
  expect(viaBatch, `batch check vs in-memory for ${op}`).toEqual(viaMemory);
  return viaMemory;
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Blocks the thread for `ms` milliseconds (a synchronous tap that takes too long). */
export function blockFor(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // busy wait
  }
}

/** The distinct tap failures recorded, as sorted `hook/tap/reason` strings. */
export function failed(world: { failures: readonly HookTapError[] }): string[] {
  return [...new Set(world.failures.map((f) => `${f.hook}/${f.tap}/${f.reason}`))].sort();
}

/** Whether an engine error is a tap failure naming `tap`. */
export function namesTap(error: unknown, tap: string): boolean {
  return error instanceof HookTapError && error.tap === tap;
}

/**
 * Registers the usual hooks for a per-dialect suite: one database per file (migrated once), and before each test
 * the engine tables emptied and the standard people seeded. Read `t` and `p` inside tests.
 */
export function seededSuite(dialect: DialectKind, scope: string): { readonly t: TestDatabase; readonly p: People } {
  const state = {} as { t: TestDatabase; p: People };
  beforeAll(async () => {
    state.t = await openTestDatabase(dialect, scope);
    await migrateOnce(state.t);
  });
  afterAll(async () => {
    await state.t.close();
  });
  beforeEach(async () => {
    await truncateEngine(state.t.db);
    const { admin } = await hookedWorld(state.t);
    state.p = await seedPeople(admin);
  });
  return state;
}
