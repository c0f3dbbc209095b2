import { OPERATIONS, type Criteria, type Operation, type SubjectInput } from '@rowguard/core';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ContactGrant, PermissionVerdict } from '../src/index.js';
import { openTestDatabase, testDialects, truncateEngine, type TestDatabase } from '../../core/test/support/test-databases.js';
import { propertyBudget } from '../../core/test/support/property-budget.js';
import { hookedWorld, migrateOnce } from './support/hooked-world.js';
import { assertSettled } from '../../core/test/support/settled-assert.js';

const dialects = await testDialects();
// At most the scenarios each dialect used to run, within a time budget (ROWGUARD_PROPERTY_BUDGET_MS overrides it).
const RUNS: Record<string, number> = { sqlite: 50, mysql: 20, postgres: 20 };
const BUDGET_MS = 30_000;
const seedEnv = process.env.ROWGUARD_FC_SEED;
const SEED = seedEnv === 'random' ? Date.now() % 2 ** 31 : Number(seedEnv ?? 20261122);

/** The fixed world the random taps act on. */
interface World {
  readonly contacts: readonly number[];
  readonly staticGroups: readonly number[];
  readonly smartGroups: readonly number[];
  readonly roles: readonly number[];
  readonly entries: readonly number[];
  readonly subjects: readonly SubjectInput[];
}

async function writeWorld(admin: Awaited<ReturnType<typeof hookedWorld>>['admin']): Promise<World> {
  const people: [string, string | null, number, number | null, boolean, string[]][] = [
    ['ana', 'FR', 25, 1, false, []],
    ['ben', 'FR', 45, 1, false, ['sales']],
    ['cao', 'VN', 33, 2, false, []],
    ['dan', null, 61, 2, false, ['sales']],
    ['eve', 'VN', 19, null, false, []],
    ['fay', 'FR', 52, 1, true, []],
    ['gus', 'DE', 38, 3, false, ['manager']],
    ['hoa', 'VN', 47, 3, false, ['sales']],
    ['ivy', null, 29, null, false, []],
    ['jon', 'DE', 70, 2, true, ['sales']],
  ];
  const contacts: number[] = [];
  for (const [key, country, age, team, isDeleted, subTypes] of people) {
    contacts.push(await admin.createContact({ key, contactType: 'Individual', sortName: key, subTypes, isDeleted, attributes: { country, age, team_id: team } }));
  }
  const id = (i: number) => contacts[i] as number;
  await admin.linkUser({ userId: 'u-ana', contactId: id(0) });
  await admin.linkUser({ userId: 'u-hoa', contactId: id(7) });
  const s1 = await admin.createGroup({ name: 's1', kind: 'static' });
  const s2 = await admin.createGroup({ name: 's2', kind: 'static' });
  const s3 = await admin.createGroup({ name: 's3-disabled', kind: 'static', active: false });
  const vn = await admin.createGroup({ name: 'vn', kind: 'smart', criteria: { field: 'country', op: '=', value: 'VN' } });
  const senior = await admin.createGroup({ name: 'senior', kind: 'smart', criteria: { field: 'age', op: '>=', value: 45 } });
  for (const i of [0, 1, 2]) await admin.setMembership({ groupId: s1, contactId: id(i), status: 'Added' });
  for (const i of [3, 4, 6]) await admin.setMembership({ groupId: s2, contactId: id(i), status: 'Added' });
  await admin.setMembership({ groupId: s2, contactId: id(7), status: 'Pending' });
  for (const i of [8, 9]) await admin.setMembership({ groupId: s3, contactId: id(i), status: 'Added' });
  await admin.setMembership({ groupId: vn, contactId: id(8), status: 'Added' });
  await admin.setMembership({ groupId: senior, contactId: id(1), status: 'Removed' });
  const viewer = await admin.createRole({ name: 'viewer' });
  const editor = await admin.createRole({ name: 'editor' });
  await admin.assignRole({ roleId: viewer, assignee: { type: 'group', id: s1 } });
  const entries = [
    await admin.createEntry({ effect: 'allow', operation: 'view', owner: { type: 'role', id: viewer }, object: { type: 'group-members', groupId: vn } }),
    await admin.createEntry({ effect: 'allow', operation: 'edit', owner: { type: 'role', id: editor }, object: { type: 'group-members', groupId: s2 } }),
    await admin.createEntry({ effect: 'deny', operation: 'view', owner: { type: 'everyone' }, object: { type: 'contact', id: id(2) } }),
    await admin.createEntry({ effect: 'allow', operation: 'all', owner: { type: 'group', id: s2 }, object: { type: 'group-members', groupId: senior }, priority: 1 }),
    await admin.createEntry({ effect: 'deny', operation: 'edit', owner: { type: 'contact', id: id(7) }, object: { type: 'group-members', groupId: s1 } }),
    await admin.createEntry({ effect: 'allow', operation: 'search', owner: { type: 'authenticated' }, object: { type: 'all-contacts' } }),
    await admin.createEntry({ effect: 'deny', operation: 'all', owner: { type: 'group', id: s3 }, object: { type: 'all-contacts' }, priority: 2 }),
  ];
  return {
    contacts,
    staticGroups: [s1, s2, s3],
    smartGroups: [vn, senior],
    roles: [viewer, editor],
    entries,
    subjects: [{}, { userId: 'u-ana' }, { userId: 'u-hoa' }, { contactId: id(3) }, { contactId: id(6) }, { userId: 'u-unlinked' }],
  };
}

/** Random sample taps for every decision-affecting extension point. */
interface Scenario {
  readonly groups: readonly number[][];
  readonly roles: readonly number[];
  readonly entries: readonly number[];
  readonly contacts: readonly ContactGrant[];
  readonly narrow: readonly Criteria[];
  readonly widen: readonly Criteria[];
  readonly adjustOps: readonly Operation[];
  readonly verdicts: readonly [PermissionVerdict, PermissionVerdict, PermissionVerdict];
}

function scenarioArbitrary(world: World): fc.Arbitrary<Scenario> {
  const groups = [...world.staticGroups, ...world.smartGroups];
  const leaf: fc.Arbitrary<Criteria> = fc.oneof(
    fc.record({ field: fc.constant('country'), op: fc.constantFrom('=' as const, '!=' as const), value: fc.constantFrom<Criteria extends never ? never : string | { $subject: string }>('FR', 'VN', { $subject: 'country' }) }),
    fc.record({ field: fc.constant('age'), op: fc.constantFrom('<' as const, '>=' as const), value: fc.integer({ min: 18, max: 72 }) }),
    fc.record({ field: fc.constantFrom('country', 'team_id'), op: fc.constantFrom('is null' as const, 'is not null' as const) }),
    fc.record({ field: fc.constant('team_id'), op: fc.constantFrom('in' as const, 'not in' as const), value: fc.subarray([1, 2, 3], { minLength: 1 }) }),
    fc.record({ inGroup: fc.constantFrom(...groups) }),
    fc.record({ subType: fc.constantFrom('sales', 'manager') }),
  ) as fc.Arbitrary<Criteria>;
  const criteria: fc.Arbitrary<Criteria> = fc.oneof(
    { weight: 3, arbitrary: leaf },
    { weight: 1, arbitrary: fc.record({ all: fc.array(leaf, { minLength: 1, maxLength: 3 }) }) },
    { weight: 1, arbitrary: fc.record({ any: fc.array(leaf, { minLength: 1, maxLength: 3 }) }) },
    { weight: 1, arbitrary: fc.record({ not: leaf }) },
  );
  const op = fc.constantFrom<Operation | 'all'>(...OPERATIONS, 'all');
  const scope = fc.record({ priority: fc.integer({ min: 0, max: 2 }), level: fc.constantFrom('group' as const, 'group' as const, 'contact' as const) });
  const grant: fc.Arbitrary<ContactGrant> = fc.oneof(
    fc.record({ operation: op, contactIds: fc.subarray([...world.contacts], { minLength: 1 }) }).chain((g) => scope.map((s) => ({ ...g, ...s }))),
    fc.record({ operation: op, criteria }).chain((g) => scope.map((s) => ({ ...g, ...s }))),
  );
  const verdict = fc.constantFrom<PermissionVerdict>('allow', 'deny', undefined, undefined);
  return fc.record({
    groups: fc.array(fc.subarray([...world.staticGroups]), { minLength: 0, maxLength: 2 }),
    roles: fc.subarray([...world.roles]),
    entries: fc.subarray([...world.entries], { maxLength: 3 }),
    contacts: fc.array(grant, { maxLength: 3 }),
    narrow: fc.array(criteria, { maxLength: 2 }),
    widen: fc.array(criteria, { maxLength: 2 }),
    adjustOps: fc.subarray([...OPERATIONS], { minLength: 1 }),
    verdicts: fc.tuple(verdict, verdict, verdict),
  });
}

describe.each(dialects)('differential with hooks tapped: in-memory decision = SQL clause rows, on %s', (dialect) => {
  let t: TestDatabase;
  let world: World;
  let runs = 0;
  let comparisons = 0;

  beforeAll(async () => {
    t = await openTestDatabase(dialect, 'hooks_differential');
    await migrateOnce(t);
    await truncateEngine(t.db);
    world = await writeWorld((await hookedWorld(t)).admin);
  });
  afterAll(async () => {
    await t.close();
  });
  const budget = propertyBudget({ budgetMs: BUDGET_MS, maxRuns: RUNS[dialect] ?? 20 });

  it('agrees for every subject, operation and contact under random access, aclWhereClause and permissionCheck taps', async () => {
    await assertSettled(
      fc.asyncProperty(scenarioArbitrary(world), async (s) => {
        const w = await hookedWorld(t, (rg) =>
          rg.plugin((h) => {
            s.groups.forEach((ids, i) => h.access.for('groups').tap({ name: `groups-${i}`, stage: i }, (so) => [...so, ...ids]));
            h.access.for('roles').tapPromise('roles', async (so) => [...so, ...s.roles]);
            h.access.for('entries').tap('acl', (so) => [...so, ...s.entries]);
            h.access.for('contacts').tapAsync('contacts', (so, _r, cb) => cb(null, [...so, ...s.contacts]));
            h.aclWhereClause.tap('narrow', (adj, r) => (s.adjustOps.includes(r.operation) ? { ...adj, narrow: [...adj.narrow, ...s.narrow] } : undefined));
            h.aclWhereClause.tap({ name: 'widen', stage: -1 }, (adj, r) => (s.adjustOps.includes(r.operation) ? { ...adj, widen: [...adj.widen, ...s.widen] } : undefined));
            const [viewAll, editAll, editMine] = s.verdicts;
            h.permissionCheck.for('view all contacts').tap('view-all', () => viewAll);
            h.permissionCheck.for('edit all contacts').tap('edit-all', () => editAll);
            h.permissionCheck.for('edit my contact').tap('edit-mine', () => editMine);
          }),
        );
        for (const input of world.subjects) {
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
        // The only failures a scenario may cause are contact-level grants for subjects without a contact.
        expect(w.failures.every((f) => f.hook === 'access.contacts' && f.details.level === 'contact')).toBe(true);
        runs += 1;
      }),
      { ...budget.start(), seed: SEED, endOnFailure: false, verbose: 1 },
    );
    budget.report(`[hooks differential] ${dialect}`, runs, `${comparisons} subject x operation x contact comparisons (seed ${SEED})`);
  }, budget.testTimeoutMs);
});
