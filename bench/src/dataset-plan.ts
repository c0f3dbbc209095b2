import type { Criteria } from '@rowguard/core';

/**
 * The shape of the generated data set, shared by the generator and the runner: sizes, groups and their
 * intended sizes, smart-group criteria, and the benchmark subjects with the grant each one holds.
 */

/** Contact counts by size name. */
export const SIZES = { '10k': 10_000, '100k': 100_000, '1m': 1_000_000 } as const;
/** A size name (`10k`, `100k`, `1m`). */
export type SizeName = keyof typeof SIZES;

/** Bumped whenever the generated data changes, so stale data sets are regenerated. */
export const GENERATOR_VERSION = 5;
/** The seed of every generated data set. */
export const SEED = 20261122;

/** The domain the data set lives in. */
export const DOMAIN_NAME = 'bench';

/** Groups 1..270 are static, 271..300 smart. */
export const STATIC_GROUPS = 270;
/** Groups in the data set. */
export const GROUP_COUNT = 300;
/** Memberships per contact (static groups, distinct). */
export const MEMBERSHIPS_PER_CONTACT = 3;
/** Random roles (besides the benchmark roles). */
export const RANDOM_ROLES = 300;
/** Contacts 1..SUBJECT_CONTACTS are the benchmark subjects: no random memberships, roles or links. */
export const SUBJECT_CONTACTS = 20;

/** Groups granted to the coverage subjects (intended fraction of contacts per group in `GROUP_FRACTIONS`). */
export const GRANT_GROUPS = {
  g01: [1],
  g1: [2],
  g10: range(3, 12),
  g30: range(13, 42),
  big10: [43],
} as const;
/** A ~1% "do not contact" group the mixed subject is denied. */
export const DENY_GROUP = 44;
/** A static group the mixed subject is an Added member of (it carries a role). */
export const HOLDER_GROUP = 45;

/** Fixed intended fractions of contacts per static group; the other static groups share the rest. */
export const GROUP_FRACTIONS: ReadonlyMap<number, number> = new Map<number, number>([
  [1, 0.001],
  [2, 0.01],
  ...range(3, 42).map((g): [number, number] => [g, 0.01]),
  [43, 0.1],
  [44, 0.01],
]);

/** Membership statuses and their shares (only Added counts). */
export const STATUS_SHARES = [
  ['Added', 0.94],
  ['Removed', 0.04],
  ['Pending', 0.02],
] as const;

/** Country codes and shares (the rest is spread over 40 more codes; 2% NULL). */
export const COUNTRY_SHARES: ReadonlyMap<string, number> = new Map([
  ['US', 0.3],
  ['DE', 0.1],
  ['GB', 0.08],
  ['FR', 0.07],
  ['IT', 0.05],
  ['ES', 0.04],
  ['CA', 0.04],
  ['AU', 0.03],
  ['NL', 0.01],
  ['PT', 0.01],
  ['VN', 0.001],
  ...range(0, 39).map((i): [string, number] => [`C${String(i).padStart(2, '0')}`, (1 - 0.731 - 0.02) / 40]),
]);
/** Share of contacts without a country. */
export const COUNTRY_NULL_SHARE = 0.02;
/** States S01..S60, 3% NULL. */
export const STATE_COUNT = 60;

/** The criteria of the smart groups 271..300 (index 0 is group 271). */
export const SMART_CRITERIA: readonly Criteria[] = [
  { field: 'country', op: '=', value: 'DE' },
  { field: 'country', op: '=', value: { $subject: 'country' } },
  { all: [{ field: 'state', op: '=', value: { $subject: 'state' } }, { field: 'contact_type', op: '=', value: 'Individual' }] },
  { all: [{ field: 'country', op: 'in', value: ['FR', 'IT'] }, { subType: 'sales' }] },
  { any: [{ inGroup: 2 }, { field: 'country', op: '=', value: 'NL' }] },
  { all: [{ field: 'country', op: '=', value: { $subject: 'country' } }, { subType: 'sales' }] },
  { field: 'contact_type', op: '=', value: 'Organization' },
  { all: [{ field: 'contact_type', op: '=', value: 'Household' }, { field: 'country', op: '=', value: 'US' }] },
  { subType: 'manager' },
  { field: 'state', op: '=', value: { $subject: 'state' } },
  { field: 'state', op: 'like', value: 'S1%' },
  { all: [{ field: 'country', op: '=', value: 'GB' }, { not: { subType: 'sales' } }] },
  { any: [{ field: 'country', op: '=', value: 'ES' }, { field: 'country', op: '=', value: 'PT' }] },
  { inGroup: 271 },
  { all: [{ field: 'contact_type', op: '=', value: { $subject: 'contact_type' } }, { field: 'country', op: '=', value: { $subject: 'country' } }] },
  ...range(0, 14).map(
    (i): Criteria =>
      i % 2 === 0
        ? { field: 'country', op: '=', value: `C${String(i).padStart(2, '0')}` }
        : { all: [{ field: 'country', op: '=', value: `C${String(i).padStart(2, '0')}` }, { field: 'contact_type', op: '=', value: 'Individual' }] },
  ),
];
/** Smart groups with a few explicit Added / Removed rows. */
export const SMART_WITH_ROWS = range(271, 276);
/** The tokenized "same country as me" smart group. */
export const SAME_COUNTRY_GROUP = 272;
/** A non-tokenized smart group with a sub-type condition (FR/IT sales). */
export const SALES_FR_IT_GROUP = 274;
/** The tokenized "same state, individuals" smart group. */
export const SAME_STATE_GROUP = 273;

/** What a benchmark subject is granted (view), through one role assigned to its contact. */
export type Grant =
  | { readonly kind: 'groups'; readonly groups: readonly number[] }
  | { readonly kind: 'all' }
  | { readonly kind: 'smart'; readonly group: number }
  | { readonly kind: 'mixed' };

/** A benchmark subject: a reserved contact with a user link and one role. */
export interface Scenario {
  readonly key: string;
  readonly label: string;
  readonly contactId: number;
  readonly userId: string;
  /** Intended share of contacts visible (the runner reports the measured share). */
  readonly nominal: number;
  readonly grant: Grant;
  /** Whether it is on the coverage axis (0.1%, 1%, 10%, 30%, 100%). */
  readonly axis: boolean;
  /** Field values of the subject's own contact (for tokens). */
  readonly values: { readonly country: string; readonly state: string };
}

/** The benchmark subjects. */
export const SCENARIOS: readonly Scenario[] = [
  scenario('g01', '1 group, ~0.1%', 1, 0.001, { kind: 'groups', groups: GRANT_GROUPS.g01 }, true),
  scenario('g1', '1 group, ~1%', 2, 0.01, { kind: 'groups', groups: GRANT_GROUPS.g1 }, true),
  scenario('g10', '10 groups, ~10%', 3, 0.1, { kind: 'groups', groups: GRANT_GROUPS.g10 }, true),
  scenario('g30', '30 groups, ~27%', 4, 0.27, { kind: 'groups', groups: GRANT_GROUPS.g30 }, true),
  scenario('all', 'all contacts, 100%', 5, 1, { kind: 'all' }, true),
  scenario('big10', '1 group, ~10%', 6, 0.1, { kind: 'groups', groups: GRANT_GROUPS.big10 }, false),
  scenario('token', 'tokenized smart group (same country), ~10%', 7, 0.1, { kind: 'smart', group: SAME_COUNTRY_GROUP }, false),
  scenario('smart', 'smart group (FR/IT sales), ~2%', 8, 0.02, { kind: 'smart', group: SALES_FR_IT_GROUP }, false),
  scenario('mixed', 'mixed: 3 roles, deny, priority, token', 9, 0.15, { kind: 'mixed' }, false),
];

/** The user id of a subject contact. */
export function subjectUserId(contactId: number): string {
  return `bench-user-${contactId}`;
}

function scenario(key: string, label: string, contactId: number, nominal: number, grant: Grant, axis: boolean): Scenario {
  return { key, label, contactId, userId: subjectUserId(contactId), nominal, grant, axis, values: { country: 'DE', state: 'S07' } };
}

/**
 * The integers from `from` to `to`, inclusive.
 *
 * @example
 * ```ts
 * range(3, 5); // [3, 4, 5]
 * ```
 */
export function range(from: number, to: number): number[] {
  const out: number[] = [];
  for (let i = from; i <= to; i += 1) out.push(i);
  return out;
}
