import fc from 'fast-check';
import type { Criteria, CriteriaValue, EntryInput } from '../../src/index.js';

/** A random world described by indexes (turned into ids when it is written). */
export interface WorldSpec {
  contacts: { country: string | null; state: string | null; age: number | null; type: string; subTypes: string[]; deleted: boolean; user: boolean }[];
  groups: { kind: 'static' | 'smart'; active: boolean; criteria: Criteria | null }[];
  memberships: { group: number; contact: number; status: 'Added' | 'Removed' | 'Pending' }[];
  roles: { admin: boolean; active: boolean; permissions: string[] }[];
  assignments: { role: number; to: 'contact' | 'group'; index: number }[];
  relTypes: { ab: 'none' | 'view' | 'edit'; ba: 'none' | 'view' | 'edit'; active: boolean }[];
  relationships: { type: number; a: number; b: number; active: boolean; start: string | null; end: string | null }[];
  delegations: { granter: number; recipient: number; parent: number; operation: 'view' | 'edit' | 'all' | 'delete'; criteria: Criteria | null }[];
  entries: {
    effect: 'allow' | 'deny';
    operation: EntryInput['operation'];
    owner: { type: 'contact' | 'group' | 'role' | 'everyone' | 'authenticated'; index: number };
    object: { type: 'all-contacts' | 'contact' | 'group-members' | 'related' | 'entity'; index: number; permission: 'view' | 'edit' };
    priority: number;
    active: boolean;
  }[];
}

const country = fc.constantFrom<string | null>('FR', 'VN', 'vn', 'VN ', 'Ünï', null);
const state = fc.constantFrom<string | null>('a', 'b', 'a%', 'B', null);
const age = fc.option(fc.integer({ min: 0, max: 60 }), { nil: null });

const textValue = (field: 'country' | 'state'): fc.Arbitrary<CriteriaValue> =>
  fc.oneof(field === 'country' ? country.filter((v): v is string => v !== null) : state.filter((v): v is string => v !== null), fc.constant({ $subject: field }), fc.constant({ $subject: field === 'country' ? 'state' : 'country' }));
const ageValue: fc.Arbitrary<CriteriaValue> = fc.oneof(fc.integer({ min: 0, max: 60 }), fc.constant({ $subject: 'age' }));

/** Criteria that may refer to groups with a lower index than `self` (so smart groups never form a cycle). */
export function criteria(self: number): fc.Arbitrary<Criteria> {
  const leaf: fc.Arbitrary<Criteria> = fc.oneof(
    fc.record({ field: fc.constantFrom('country' as const, 'state' as const), op: fc.constantFrom('=' as const, '!=' as const, '<' as const, '>=' as const) }).chain(({ field, op }) =>
      textValue(field).map((value) => ({ field, op, value })),
    ),
    fc.record({ field: fc.constant('age'), op: fc.constantFrom('=' as const, '<' as const, '<=' as const, '>' as const, '!=' as const), value: ageValue }),
    fc.record({ field: fc.constantFrom('country', 'state'), op: fc.constantFrom('in' as const, 'not in' as const), value: fc.array(textValue('country'), { maxLength: 3 }) }),
    fc.record({ field: fc.constantFrom('country', 'state'), op: fc.constant('like' as const), value: fc.constantFrom('V%', '%n', '_N', 'a\\%', '%', 'Ü%', 'v_') }),
    fc.record({ field: fc.constantFrom('country', 'state', 'age'), op: fc.constantFrom('is null' as const, 'is not null' as const) }),
    fc.record({ field: fc.constant('contact_type'), op: fc.constant('=' as const), value: fc.constantFrom('Individual', 'Organization') }),
    fc.record({ subType: fc.constantFrom('sales', 'manager') }),
    ...(self > 0 ? [fc.record({ inGroup: fc.integer({ min: 0, max: self - 1 }) })] : []),
  );
  return fc.oneof(
    { weight: 3, arbitrary: leaf },
    { weight: 1, arbitrary: fc.record({ all: fc.array(leaf, { maxLength: 3 }) }) },
    { weight: 1, arbitrary: fc.record({ any: fc.array(leaf, { maxLength: 3 }) }) },
    { weight: 1, arbitrary: fc.record({ not: leaf }) },
  );
}

/** A random world: 3-7 contacts, 1-4 groups, 0-3 roles, 0-8 entries. */
export const worldArbitrary: fc.Arbitrary<WorldSpec> = fc
  .record({ nContacts: fc.integer({ min: 3, max: 7 }), nGroups: fc.integer({ min: 1, max: 4 }), nRoles: fc.integer({ min: 0, max: 3 }) })
  .chain(({ nContacts, nGroups, nRoles }) =>
    fc.record({
      contacts: fc.array(
        fc.record({
          country,
          state,
          age,
          type: fc.constantFrom('Individual', 'Organization'),
          subTypes: fc.subarray(['sales', 'manager']),
          deleted: fc.integer({ min: 0, max: 5 }).map((n) => n === 0),
          user: fc.boolean(),
        }),
        { minLength: nContacts, maxLength: nContacts },
      ),
      groups: fc.tuple(
        ...Array.from({ length: nGroups }, (_, i) =>
          fc.record({
            kind: fc.constantFrom<'static' | 'smart'>('static', 'smart'),
            active: fc.integer({ min: 0, max: 9 }).map((n) => n > 0),
            seed: criteria(i),
          }).map(({ kind, active, seed }) => ({ kind, active, criteria: kind === 'smart' ? seed : null })),
        ),
      ),
      memberships: fc.uniqueArray(
        fc.record({
          group: fc.integer({ min: 0, max: nGroups - 1 }),
          contact: fc.integer({ min: 0, max: nContacts - 1 }),
          status: fc.constantFrom<'Added' | 'Removed' | 'Pending'>('Added', 'Added', 'Removed', 'Pending'),
        }),
        { maxLength: 10, selector: (m) => `${m.group}:${m.contact}` },
      ),
      roles: fc.array(
        fc.record({
          admin: fc.integer({ min: 0, max: 9 }).map((n) => n === 0),
          active: fc.integer({ min: 0, max: 9 }).map((n) => n > 0),
          permissions: fc.subarray(['view all contacts', 'edit all contacts', 'view my contact', 'edit my contact', 'access deleted contacts', 'add contacts', 'administer CRM'], { maxLength: 2 }),
        }),
        { minLength: nRoles, maxLength: nRoles },
      ),
      assignments: nRoles === 0 ? fc.constant([]) : fc.uniqueArray(
        fc.record({ role: fc.integer({ min: 0, max: nRoles - 1 }), to: fc.constantFrom<'contact' | 'group'>('contact', 'group'), index: fc.nat(20) }),
        { maxLength: 4, selector: (a) => `${a.role}:${a.to}:${a.index % (a.to === 'contact' ? nContacts : nGroups)}` },
      ),
      entries: fc.array(
        fc.record({
          effect: fc.constantFrom<'allow' | 'deny'>('allow', 'allow', 'deny'),
          operation: fc.constantFrom<EntryInput['operation']>('view', 'edit', 'create', 'delete', 'search', 'all', 'grant'),
          owner: fc.record({ type: fc.constantFrom<'contact' | 'group' | 'role' | 'everyone' | 'authenticated'>('everyone', 'contact', 'group', 'role', 'everyone', 'authenticated'), index: fc.nat(20) }),
          object: fc.record({
            type: fc.constantFrom<'all-contacts' | 'contact' | 'group-members' | 'related' | 'entity'>('all-contacts', 'contact', 'group-members', 'group-members', 'related', 'entity'),
            index: fc.nat(20),
            permission: fc.constantFrom<'view' | 'edit'>('view', 'edit'),
          }),
          priority: fc.constantFrom(0, 0, 0, 1, 2, -1),
          active: fc.integer({ min: 0, max: 9 }).map((n) => n > 0),
        }),
        { maxLength: 8 },
      ),
      relTypes: fc.array(
        fc.record({
          ab: fc.constantFrom<'none' | 'view' | 'edit'>('none', 'view', 'edit'),
          ba: fc.constantFrom<'none' | 'view' | 'edit'>('none', 'view', 'edit'),
          active: fc.integer({ min: 0, max: 9 }).map((n) => n > 0),
        }),
        { maxLength: 2 },
      ),
      relationships: fc.array(
        fc.record({
          type: fc.nat(5),
          a: fc.integer({ min: 0, max: nContacts - 1 }),
          b: fc.integer({ min: 0, max: nContacts - 1 }),
          active: fc.integer({ min: 0, max: 5 }).map((n) => n > 0),
          start: fc.constantFrom<string | null>(null, null, '2026-01-01', '2026-06-15', '2026-06-16'),
          end: fc.constantFrom<string | null>(null, null, '2026-06-14', '2026-06-15', '2026-12-31'),
        }),
        { maxLength: 6 },
      ),
      delegations: fc.array(
        fc.record({
          granter: fc.integer({ min: 0, max: nContacts - 1 }),
          recipient: fc.integer({ min: 0, max: nContacts - 1 }),
          parent: fc.nat(20),
          operation: fc.constantFrom<'view' | 'edit' | 'all' | 'delete'>('view', 'view', 'edit', 'all', 'delete'),
          criteria: fc.option(criteria(0), { nil: null }),
        }),
        { maxLength: 3 },
      ),
    }),
  );
