import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRowguard, PolicyError, type PolicyAdmin } from '../src/index.js';
import { openTestDatabase, testDialects, type TestDatabase } from './support/test-databases.js';
import { createWorld, type TestWorld } from './support/test-world.js';

const dialects = await testDialects();
const TABLES = ['domain', 'contact', 'contact_sub_type', 'user_link', 'group', 'group_contact', 'role', 'role_assignment', 'role_permission', 'entry', 'audit_log'];

describe.each(dialects)('bad input is refused with a typed error and writes nothing, on %s', (dialect) => {
  let t: TestDatabase;
  let w: TestWorld;
  let admin: PolicyAdmin;
  let contact: number, staticGroup: number, smartA: number, smartB: number, role: number, foreignGroup: number, foreignContact: number;

  const state = async (): Promise<string> => {
    const parts: string[] = [];
    for (const table of TABLES) {
      const { rows } = await sql<Record<string, unknown>>`select * from ${sql.table(`rg_${table}`)}`.execute(t.db);
      parts.push(`${table}:${JSON.stringify(rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, String(v)]))).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))))}`);
    }
    return parts.join('\n');
  };

  beforeAll(async () => {
    t = await openTestDatabase(dialect, 'bad_input');
    w = await createWorld(t);
    admin = w.domain.admin('bad-input-test');
    contact = await admin.createContact({ key: 'k1', contactType: 'Individual', attributes: { country: 'FR' } });
    staticGroup = await admin.createGroup({ name: 'static', kind: 'static' });
    smartA = await admin.createGroup({ name: 'smartA', kind: 'smart', criteria: { inGroup: staticGroup } });
    smartB = await admin.createGroup({ name: 'smartB', kind: 'smart', criteria: { inGroup: smartA } });
    role = await admin.createRole({ name: 'role' });
    const other = await w.engine.domain('other-domain');
    const otherAdmin = other.admin('bad-input-test');
    foreignGroup = await otherAdmin.createGroup({ name: 'foreign', kind: 'static' });
    foreignContact = await otherAdmin.createContact({ contactType: 'Individual' });
  });
  afterAll(async () => {
    await t.close();
  });

  const cases: [string, string, () => Promise<unknown>][] = [
    ['unknown operation', 'unknown_operation', () => admin.createEntry({ effect: 'allow', operation: 'fly' as never, owner: { type: 'everyone' }, object: { type: 'all-contacts' } })],
    ['unknown effect', 'invalid_input', () => admin.createEntry({ effect: 'maybe' as never, operation: 'view', owner: { type: 'everyone' }, object: { type: 'all-contacts' } })],
    ['non-integer priority', 'invalid_input', () => admin.createEntry({ effect: 'allow', operation: 'view', owner: { type: 'everyone' }, object: { type: 'all-contacts' }, priority: 1.5 })],
    ['unknown group object', 'unknown_group', () => admin.createEntry({ effect: 'allow', operation: 'view', owner: { type: 'everyone' }, object: { type: 'group-members', groupId: 999_999 } })],
    ['group of another domain', 'cross_domain', () => admin.createEntry({ effect: 'allow', operation: 'view', owner: { type: 'everyone' }, object: { type: 'group-members', groupId: foreignGroup } })],
    ['owner contact of another domain', 'cross_domain', () => admin.createEntry({ effect: 'allow', operation: 'view', owner: { type: 'contact', id: foreignContact }, object: { type: 'all-contacts' } })],
    ['unknown role owner', 'unknown_role', () => admin.createEntry({ effect: 'allow', operation: 'view', owner: { type: 'role', id: 999_999 }, object: { type: 'all-contacts' } })],
    ['smart group as owner', 'not_static_group', () => admin.createEntry({ effect: 'allow', operation: 'view', owner: { type: 'group', id: smartA }, object: { type: 'all-contacts' } })],
    ['unknown contact object', 'unknown_contact', () => admin.createEntry({ effect: 'allow', operation: 'view', owner: { type: 'everyone' }, object: { type: 'contact', id: 999_999 } })],
    ['unknown entity type', 'invalid_input', () => admin.createEntry({ effect: 'allow', operation: 'view', owner: { type: 'everyone' }, object: { type: 'entity', entity: 'spaceship', id: null } })],
    ['updating a missing entry', 'unknown_entry', () => admin.updateEntry(999_999, { active: false })],
    ['smart group without criteria', 'invalid_input', () => admin.createGroup({ name: 'x', kind: 'smart' })],
    ['criteria on an unknown field', 'invalid_criteria', () => admin.createGroup({ name: 'x', kind: 'smart', criteria: { field: 'planet', op: '=', value: 'Mars' } })],
    ['criteria with a wrongly typed value', 'invalid_criteria', () => admin.createGroup({ name: 'x', kind: 'smart', criteria: { field: 'age', op: '=', value: 'old' } })],
    ['criteria with a token of another type', 'invalid_criteria', () => admin.createGroup({ name: 'x', kind: 'smart', criteria: { field: 'age', op: '=', value: { $subject: 'country' } } })],
    ['criteria with an unknown operator', 'invalid_criteria', () => admin.createGroup({ name: 'x', kind: 'smart', criteria: { field: 'country', op: '~', value: 'x' } })],
    ['like pattern ending in an escape', 'invalid_criteria', () => admin.createGroup({ name: 'x', kind: 'smart', criteria: { field: 'country', op: 'like', value: 'ab\\' } })],
    ['criteria naming an unknown group', 'unknown_group', () => admin.createGroup({ name: 'x', kind: 'smart', criteria: { inGroup: 999_999 } })],
    ['criteria naming a group of another domain', 'cross_domain', () => admin.createGroup({ name: 'x', kind: 'smart', criteria: { inGroup: foreignGroup } })],
    ['a cycle between smart groups', 'group_cycle', () => admin.updateGroup(smartA, { criteria: { inGroup: smartB } })],
    ['a smart group naming itself', 'group_cycle', () => admin.updateGroup(smartA, { criteria: { any: [{ inGroup: smartA }] } })],
    ['duplicate group name', 'duplicate', () => admin.createGroup({ name: 'static', kind: 'static' })],
    ['criteria on a static group', 'invalid_input', () => admin.updateGroup(staticGroup, { criteria: { subType: 'x' } })],
    ['membership with an unknown status', 'invalid_input', () => admin.setMembership({ groupId: staticGroup, contactId: contact, status: 'Maybe' as never })],
    ['membership in an unknown group', 'unknown_group', () => admin.setMembership({ groupId: 999_999, contactId: contact, status: 'Added' })],
    ['membership of an unknown contact', 'unknown_contact', () => admin.setMembership({ groupId: staticGroup, contactId: 999_999, status: 'Added' })],
    ['role assigned to a smart group', 'not_static_group', () => admin.assignRole({ roleId: role, assignee: { type: 'group', id: smartA } })],
    ['role assignment of an unknown role', 'unknown_role', () => admin.assignRole({ roleId: 999_999, assignee: { type: 'contact', id: contact } })],
    ['unknown functional permission', 'invalid_input', () => admin.grantPermission({ roleId: role, permission: 'fly planes' })],
    ['deleting a group still in use', 'in_use', () => admin.deleteGroup(staticGroup)],
    ['contact with an undeclared attribute', 'invalid_input', () => admin.createContact({ contactType: 'Individual', attributes: { planet: 'Mars' } })],
    ['contact with a wrongly typed attribute', 'invalid_input', () => admin.createContact({ contactType: 'Individual', attributes: { age: 'forty' } })],
    ['duplicate contact key', 'duplicate', () => admin.createContact({ key: 'k1', contactType: 'Individual' })],
    ['user link to an unknown contact', 'unknown_contact', () => admin.linkUser({ userId: 'u1', contactId: 999_999 })],
    ['negative id', 'invalid_input', () => admin.deleteEntry(-3)],
    ['a transaction whose second write fails', 'unknown_group', () =>
      admin.transaction(async (tx) => {
        await tx.createRole({ name: 'half-written' });
        await tx.setMembership({ groupId: 999_999, contactId: contact, status: 'Added' });
      })],
  ];

  it.each(cases)('%s -> PolicyError %s, tables unchanged', async (_name, code, run) => {
    const before = await state();
    const error = await run().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(PolicyError);
    expect((error as PolicyError).code).toBe(code);
    expect(await state()).toBe(before);
  });

  // Each refusal names the problem in words (not a schema union's guess, not a raw driver error).
  const clear: [string, string, RegExp, () => Promise<unknown>][] = [
    ["'in' with one value instead of a list", 'invalid_criteria', /'in' needs a list of values, got "VN"/, () => admin.createGroup({ name: 'x', kind: 'smart', criteria: { field: 'country', op: 'in', value: 'VN' as never } })],
    ["'=' with a list", 'invalid_criteria', /compares with one value, got a list/, () => admin.createGroup({ name: 'x', kind: 'smart', criteria: { field: 'country', op: '=', value: ['VN'] as never } })],
    ['an unknown operator', 'invalid_criteria', /unknown operator "~"/, () => admin.createGroup({ name: 'x', kind: 'smart', criteria: { field: 'country', op: '~', value: 'x' } as never })],
    ['1.5 on an integer field in criteria', 'invalid_criteria', /field 'age' is integer, got 1\.5 \(not a whole number\)/, () => admin.createGroup({ name: 'x', kind: 'smart', criteria: { field: 'age', op: '>', value: 1.5 } })],
    ['1.5 on an integer contact attribute', 'invalid_input', /attribute 'age' is integer, got 1\.5 \(not a whole number\)/, () => admin.createContact({ contactType: 'Individual', attributes: { age: 1.5 } })],
    ['a NUL in a like pattern', 'invalid_criteria', /NUL/, () => admin.createGroup({ name: 'x', kind: 'smart', criteria: { field: 'country', op: 'like', value: '%\0%' } })],
    ['a NUL in a criteria value', 'invalid_criteria', /NUL/, () => admin.createGroup({ name: 'x', kind: 'smart', criteria: { field: 'country', op: 'in', value: ['VN', 'V\0N'] } })],
    ['a NUL in a contact attribute', 'invalid_input', /NUL/, () => admin.createContact({ contactType: 'Individual', attributes: { country: 'F\0R' } })],
    ['a NUL in a contact attribute change', 'invalid_input', /NUL/, () => admin.updateContact(contact, { attributes: { state: '\0' } })],
    ["'__proto__' as a contact attribute", 'invalid_input', /attribute name '__proto__' is reserved/, () => admin.createContact(JSON.parse('{"contactType":"Individual","attributes":{"__proto__":"x"}}'))],
    ["'constructor' as a contact attribute", 'invalid_input', /attribute name 'constructor' is reserved/, () => admin.createContact({ contactType: 'Individual', attributes: { constructor: 'x' } })],
    ["'toString' as a contact attribute", 'invalid_input', /attribute name 'toString' is reserved/, () => admin.updateContact(contact, { attributes: { toString: 'x' } })],
  ];

  it.each(clear)('%s -> PolicyError %s with a clear message, tables unchanged', async (_name, code, message, run) => {
    const before = await state();
    const error = await run().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(PolicyError);
    expect((error as PolicyError).code).toBe(code);
    expect((error as PolicyError).message).toMatch(message);
    expect(await state()).toBe(before);
  });

  it.each(['__proto__', 'constructor', 'toString'])('%s as a configured attribute name is refused with a clear message', (name) => {
    const attributes = JSON.parse(`{"country":{"type":"text"},${JSON.stringify(name)}:{"type":"text"}}`) as Record<string, { type: 'text' }>;
    let error: unknown;
    try {
      createRowguard({ db: t.db, contacts: { attributes } });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(PolicyError);
    expect((error as PolicyError).code).toBe('invalid_input');
    expect((error as PolicyError).message).toContain(`attribute name '${name}' is reserved`);
  });

  it('a candidate with NUL or a reserved attribute name is denied with the reason', async () => {
    const s = w.domain.subject({ contactId: contact });
    const nul = await s.checkCreate({ contactType: 'Individual', attributes: { country: 'V\0N' } });
    expect(nul.allowed).toBe(false);
    expect(JSON.stringify(nul.explanation)).toMatch(/NUL/);
    const proto = await s.checkCreate(JSON.parse('{"contactType":"Individual","attributes":{"__proto__":"x"}}'));
    expect(proto.allowed).toBe(false);
    expect(JSON.stringify(proto.explanation)).toMatch(/__proto__/);
  });

  it('a bad alias in explainClause is named, not reported as "["', async () => {
    const s = w.domain.subject({ contactId: contact });
    const explained = await s.explainClause('view', { alias: 'c; drop table rg_entry' });
    expect(explained.error).toMatch(/^invalid alias "c; drop table rg_entry": must be a plain SQL identifier/);
    expect(explained.sql).toBe('');
  });

  it('an invalid subject or actor is refused at once', () => {
    expect(() => w.domain.subject({ contactId: -1 })).toThrow(PolicyError);
    expect(() => w.domain.subject({ bogus: 1 } as never)).toThrow(PolicyError);
    expect(() => w.domain.admin('')).toThrow(PolicyError);
  });

  it('decisions on invalid input deny instead of throwing', async () => {
    const s = w.domain.subject({ contactId: contact });
    expect(await s.check('fly' as never, contact)).toBe(false);
    expect(await s.check('view', -5)).toBe(false);
    expect(await s.checkMany('view', [0.5])).toEqual(new Set());
    const where = await s.clause('view', { alias: 'c; drop table rg_entry' });
    expect(t.db.selectFrom('rg_contact as c').select('c.id').where(where).compile().sql).toMatch(/1 = 0/);
    expect(await w.domain.subject({ contactId: foreignContact }).check('view', contact)).toBe(false);
  });
});
