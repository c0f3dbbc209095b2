import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PolicyError, type Domain, type PolicyAdmin } from '../src/index.js';
import { openTestDatabase, testDialects, type TestDatabase } from './support/test-databases.js';
import { createWorld, visible, type TestWorld } from './support/test-world.js';

const dialects = await testDialects();
const clock = () => new Date('2026-06-15T12:00:00Z');

describe.each(dialects)('permissioned relationships on %s', (dialect) => {
  let t: TestDatabase;
  let first: TestWorld;
  let second: Domain;
  let admin: PolicyAdmin;
  const c: Record<string, number> = {};
  let all: number[];
  let friendType: number;

  beforeAll(async () => {
    t = await openTestDatabase(dialect, 'relationships');
    first = await createWorld(t, { clock });
    const secondEngine = await createWorld(t, { clock, relationships: { secondDegree: true } });
    second = secondEngine.domain;
    admin = first.admin;
    for (const name of ['me', 'boss', 'report', 'spouse', 'friend', 'fof', 'reportSpouse', 'expired', 'future', 'inactive', 'acquaintance']) {
      c[name] = await admin.createContact({ key: name, contactType: 'Individual', sortName: name });
    }
    all = Object.values(c).sort((a, b) => a - b);
    const employee = await admin.createRelationshipType({ name: 'Employee of', nameBA: 'Employer of', permissionAB: 'none', permissionBA: 'edit' });
    const spouse = await admin.createRelationshipType({ name: 'Spouse of', permissionAB: 'view', permissionBA: 'view' });
    friendType = await admin.createRelationshipType({ name: 'Friend of', nameBA: 'Befriended by', permissionAB: 'view', permissionBA: 'none' });
    const acquaintance = await admin.createRelationshipType({ name: 'Acquaintance of' });
    const rel = (typeId: number, a: string, b: string, extra: { active?: boolean; startDate?: string; endDate?: string } = {}) =>
      admin.createRelationship({ typeId, contactA: c[a] as number, contactB: c[b] as number, ...extra });
    await rel(employee, 'report', 'me');
    await rel(employee, 'me', 'boss');
    await rel(spouse, 'spouse', 'me', { startDate: '2020-01-01' });
    await rel(friendType, 'me', 'friend', { startDate: '2026-06-15', endDate: '2026-06-15' });
    await rel(friendType, 'friend', 'fof');
    await rel(spouse, 'report', 'reportSpouse');
    await rel(friendType, 'me', 'expired', { endDate: '2026-01-01' });
    await rel(friendType, 'me', 'future', { startDate: '2026-12-01' });
    await rel(friendType, 'me', 'inactive', { active: false });
    await rel(acquaintance, 'me', 'acquaintance');
  });
  afterAll(async () => {
    await t.close();
  });

  const ids = (...names: string[]) => names.map((n) => c[n] as number).sort((a, b) => a - b);

  it('first degree: both directions, view vs edit; inactive, expired, future-dated and permissionless relations give nothing', async () => {
    const me = first.domain.subject({ contactId: c.me });
    expect(await visible(me, 'view', all)).toEqual(ids('report', 'spouse', 'friend'));
    expect(await visible(me, 'edit', all)).toEqual(ids('report'));
    expect(await visible(me, 'delete', all)).toEqual([]);
    const boss = first.domain.subject({ contactId: c.boss });
    expect(await visible(boss, 'edit', all)).toEqual(ids('me'));
    const friend = first.domain.subject({ contactId: c.friend });
    expect(await visible(friend, 'view', all)).toEqual(ids('fof'));
  });

  it('second degree is opt-in: both legs need permission and the weaker leg decides', async () => {
    const me = second.subject({ contactId: c.me });
    expect(await visible(me, 'view', all)).toEqual(ids('report', 'spouse', 'friend', 'fof', 'reportSpouse'));
    expect(await visible(me, 'edit', all)).toEqual(ids('report'));
    const why = await me.explain('view', c.fof as number);
    expect(why.allowed).toBe(true);
    expect(why.deciding?.source).toBe('relationship');
    expect(why.relationships.join()).toMatch(/Friend of of contact \d+, through Friend of of contact \d+/);
  });

  it('relationships appear in the SQL clause, and entries can target related contacts', async () => {
    const me = first.domain.subject({ contactId: c.me });
    const q = first.engine.db.selectFrom('rg_contact as c').select('c.id').where(await me.clause('view', { alias: 'c' }));
    expect(q.compile().sql).toMatch(/rg_relationship/);
    const deny = await admin.createEntry({
      effect: 'deny',
      operation: 'view',
      owner: { type: 'contact', id: c.me as number },
      object: { type: 'related', relationshipTypeId: friendType, permission: 'view' },
    });
    expect(await visible(me, 'view', all)).toEqual(ids('report', 'spouse'));
    await admin.deleteEntry(deny);
    expect(await visible(me, 'view', all)).toEqual(ids('report', 'spouse', 'friend'));
  });

  it('changes to relationships are seen at once', async () => {
    const me = first.domain.subject({ contactId: c.me });
    const r = await admin.createRelationship({ typeId: friendType, contactA: c.me as number, contactB: c.acquaintance as number, endDate: '2026-06-14' });
    expect(await me.check('view', c.acquaintance as number)).toBe(false);
    await admin.updateRelationship(r, { endDate: null });
    expect(await me.check('view', c.acquaintance as number)).toBe(true);
    await admin.deleteRelationship(r);
    expect(await me.check('view', c.acquaintance as number)).toBe(false);
  });

  it('bad relationship input gets a typed error and writes nothing', async () => {
    const before = (await first.domain.auditLog({ limit: 1 }))[0];
    const attempts: [() => Promise<unknown>, string][] = [
      [() => admin.createRelationship({ typeId: 999_999, contactA: c.me as number, contactB: c.boss as number }), 'unknown_relationship_type'],
      [() => admin.createRelationship({ typeId: friendType, contactA: c.me as number, contactB: c.boss as number, startDate: '2026-02-01', endDate: '2026-01-01' }), 'invalid_input'],
      [() => admin.createRelationship({ typeId: friendType, contactA: c.me as number, contactB: c.me as number }), 'invalid_input'],
      [() => admin.createRelationship({ typeId: friendType, contactA: c.me as number, contactB: 999_999 }), 'unknown_contact'],
      [() => admin.createRelationship({ typeId: friendType, contactA: c.me as number, contactB: c.boss as number, startDate: '2026-02-30' }), 'invalid_input'],
      [() => admin.createRelationshipType({ name: 'Spouse of' }), 'duplicate'],
      [() => admin.createRelationshipType({ name: 'x', permissionAB: 'admin' as never }), 'invalid_input'],
    ];
    for (const [attempt, code] of attempts) {
      const error = await attempt().then(() => undefined, (e: unknown) => e);
      expect(error).toBeInstanceOf(PolicyError);
      expect((error as PolicyError).code).toBe(code);
    }
    expect((await first.domain.auditLog({ limit: 1 }))[0]).toEqual(before);
  });
});
