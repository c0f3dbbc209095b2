import type { EntityCondition, EntityPermission, PermissionDefinition } from '@rowguard/core';
import { AsyncSeriesWaterfallHook, HookMap, SyncHook, SyncWaterfallHook, type TypedHookMap } from 'tapable';
import { z } from 'zod';
import { HookUsageError, type HookTapError } from './hook-errors.js';
import {
  GRANT_TYPES,
  type AccessRequest,
  type ChangeEvent,
  type ClauseAdjustment,
  type ClauseRequest,
  type ContactGrant,
  type DecisionEvent,
  type EntityRequest,
  type PermissionRequest,
  type PermissionVerdict,
} from './hook-model.js';

/** The `access` hooks, one per grant type. Each tap returns the list so far plus what it adds (or `undefined`). */
export interface AccessHooks {
  groups: AsyncSeriesWaterfallHook<[groupIds: readonly number[], request: AccessRequest], readonly number[] | undefined>;
  roles: AsyncSeriesWaterfallHook<[roleIds: readonly number[], request: AccessRequest], readonly number[] | undefined>;
  entries: AsyncSeriesWaterfallHook<[entryIds: readonly number[], request: AccessRequest], readonly number[] | undefined>;
  contacts: AsyncSeriesWaterfallHook<[grants: readonly ContactGrant[], request: AccessRequest], readonly ContactGrant[] | undefined>;
}

/** The `aclWhereClause` hook. */
export type ClauseHook = AsyncSeriesWaterfallHook<[adjustment: ClauseAdjustment, request: ClauseRequest], ClauseAdjustment | undefined>;
/** An `aclGroup` hook (one per object type). */
export type EntityIdsHook = AsyncSeriesWaterfallHook<[permission: EntityPermission, request: EntityRequest], EntityPermission | undefined>;
/** A `selectWhereClause` hook (one per host object type). */
export type EntityConditionsHook = AsyncSeriesWaterfallHook<
  [conditions: readonly EntityCondition[], request: EntityRequest],
  readonly EntityCondition[] | undefined
>;
/** The `permissions` hook (start-up). */
export type PermissionsHook = SyncWaterfallHook<[definitions: readonly PermissionDefinition[]], readonly PermissionDefinition[] | undefined>;
/** A `permissionCheck` hook (one per permission name). */
export type PermissionCheckHook = AsyncSeriesWaterfallHook<[verdict: PermissionVerdict, request: PermissionRequest], PermissionVerdict>;

/** The observer hooks. */
export interface EventHooks {
  /** Every committed change (including user links and contact updates). */
  readonly changed: SyncHook<[event: ChangeEvent]>;
  readonly entryChanged: SyncHook<[event: ChangeEvent]>;
  /** Roles, role assignments and the functional permissions granted to roles. */
  readonly roleChanged: SyncHook<[event: ChangeEvent]>;
  readonly groupChanged: SyncHook<[event: ChangeEvent]>;
  readonly membershipChanged: SyncHook<[event: ChangeEvent]>;
  readonly contactCreated: SyncHook<[event: ChangeEvent]>;
  readonly decisionMade: SyncHook<[event: DecisionEvent]>;
  /** A tap failed (and the decision it took part in denied). */
  readonly tapFailed: SyncHook<[error: HookTapError]>;
}

/** Every extension point of one engine, as tapable hooks (the `hooks` object of {@link RowguardHooks}). */
export interface RowguardHookSet {
  readonly access: TypedHookMap<AccessHooks>;
  readonly aclWhereClause: ClauseHook;
  readonly aclGroup: HookMap<EntityIdsHook>;
  readonly selectWhereClause: HookMap<EntityConditionsHook>;
  readonly permissions: PermissionsHook;
  readonly permissionCheck: HookMap<PermissionCheckHook>;
  readonly events: EventHooks;
}

/** One row of the catalogue of extension points (the table in `docs/hooks.md` is checked against it). */
export interface HookPointInfo {
  /** How a tap reaches it, e.g. `access.for('groups')`. */
  readonly point: string;
  /** The tapable class. */
  readonly tapable: 'AsyncSeriesWaterfallHook' | 'SyncWaterfallHook' | 'SyncHook';
  /** The argument names, in order. */
  readonly args: readonly string[];
}

const ARGS = {
  groups: ['groupIds', 'request'],
  roles: ['roleIds', 'request'],
  entries: ['entryIds', 'request'],
  contacts: ['grants', 'request'],
  aclWhereClause: ['adjustment', 'request'],
  aclGroup: ['permission', 'request'],
  selectWhereClause: ['conditions', 'request'],
  permissions: ['definitions'],
  permissionCheck: ['verdict', 'request'],
  change: ['event'],
  tapFailed: ['error'],
} as const;

/**
 * The names of the event hooks.
 *
 * @example
 * ```ts
 * for (const name of EVENT_NAMES) rg.hooks.events[name].tap('audit', (e) => log(name, e));
 * ```
 */
export const EVENT_NAMES = [
  'changed',
  'entryChanged',
  'roleChanged',
  'groupChanged',
  'membershipChanged',
  'contactCreated',
  'decisionMade',
  'tapFailed',
] as const satisfies readonly (keyof EventHooks)[];

/**
 * The catalogue of extension points: where each is tapped, its tapable class and its arguments.
 *
 * @example
 * ```ts
 * HOOK_POINTS.find((p) => p.point === 'aclWhereClause')?.tapable; // 'AsyncSeriesWaterfallHook'
 * ```
 */
export const HOOK_POINTS: readonly HookPointInfo[] = [
  { point: "access.for('groups')", tapable: 'AsyncSeriesWaterfallHook', args: ARGS.groups },
  { point: "access.for('roles')", tapable: 'AsyncSeriesWaterfallHook', args: ARGS.roles },
  { point: "access.for('entries')", tapable: 'AsyncSeriesWaterfallHook', args: ARGS.entries },
  { point: "access.for('contacts')", tapable: 'AsyncSeriesWaterfallHook', args: ARGS.contacts },
  { point: 'aclWhereClause', tapable: 'AsyncSeriesWaterfallHook', args: ARGS.aclWhereClause },
  { point: 'aclGroup.for(entity)', tapable: 'AsyncSeriesWaterfallHook', args: ARGS.aclGroup },
  { point: 'selectWhereClause.for(entity)', tapable: 'AsyncSeriesWaterfallHook', args: ARGS.selectWhereClause },
  { point: 'permissions', tapable: 'SyncWaterfallHook', args: ARGS.permissions },
  { point: 'permissionCheck.for(permission)', tapable: 'AsyncSeriesWaterfallHook', args: ARGS.permissionCheck },
  ...EVENT_NAMES.map((name): HookPointInfo => ({ point: `events.${name}`, tapable: 'SyncHook', args: name === 'tapFailed' ? ARGS.tapFailed : ARGS.change })),
];

/**
 * zod schema of a tap name: 1 to 100 characters, no quotes, backslashes or line breaks (names appear quoted in
 * explanations, e.g. `hook tap 'og-sync'`).
 *
 * @example
 * ```ts
 * tapNameSchema.parse('og-sync'); // 'og-sync'
 * ```
 */
export const tapNameSchema = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[^'"\\\r\n\t]+$/, 'no quotes, backslashes or line breaks');

/** Counts tap registrations: cached results computed under older taps are not reused. */
export interface TapEpoch {
  value: number;
}

interface RegisteringHook {
  readonly name: string | undefined;
  readonly taps: readonly { readonly name: string }[];
  intercept(interceptor: { name: string; register: <T extends { name: string }>(tap: T) => T }): void;
}

/** Every tap must be named (validly) and unique on its hook; a registration makes cached results stale. */
function enforceTapRules<H extends RegisteringHook>(hook: H, epoch: TapEpoch): H {
  hook.intercept({
    name: 'rowguard:tap-rules',
    register: (tap) => {
      const parsed = tapNameSchema.safeParse(tap.name);
      if (!parsed.success) {
        throw new HookUsageError('invalid_tap', `invalid tap name ${JSON.stringify(tap.name)} on hook ${hook.name}: ${z.prettifyError(parsed.error)}`, {
          hook: hook.name,
          tap: tap.name,
        });
      }
      if (hook.taps.some((t) => t.name === tap.name)) {
        throw new HookUsageError('duplicate_tap', `hook ${hook.name} already has a tap named '${tap.name}'`, { hook: hook.name, tap: tap.name });
      }
      epoch.value += 1;
      return tap;
    },
  });
  return hook;
}

function keyed<H extends RegisteringHook>(name: string, make: (key: string) => H, epoch: TapEpoch, keys?: Set<string>): HookMap<H> {
  return new HookMap<H>((key: unknown) => {
    const k = String(key);
    keys?.add(k);
    return enforceTapRules(make(k), epoch);
  }, name);
}

/** A hook set and the keys its hook maps have created (to find the permission checks that have taps). */
export interface HookSetParts {
  readonly set: RowguardHookSet;
  readonly permissionKeys: ReadonlySet<string>;
}

/**
 * Creates the tapable hooks of one engine, each with its argument names and a name (`access.groups`,
 * `aclGroup.custom_group`, ...), tap names enforced.
 *
 * @example
 * ```ts
 * const { set } = createHookSet({ value: 0 });
 * set.access.for('groups').tap('og-sync', (ids) => [...ids, 3]);
 * ```
 */
export function createHookSet(epoch: TapEpoch): HookSetParts {
  const permissionKeys = new Set<string>();
  const sync = <T>(name: string, args: readonly string[]) => enforceTapRules(new SyncHook<T>([...args] as never, name), epoch);
  const access = new HookMap<AccessHooks[keyof AccessHooks]>((key: unknown) => {
    const grant = GRANT_TYPES.find((g) => g === key);
    if (grant === undefined) {
      throw new HookUsageError('invalid_tap', `unknown access grant type ${JSON.stringify(key)} (${GRANT_TYPES.join(', ')})`, { grantType: key });
    }
    const args = ARGS[grant];
    return enforceTapRules(new AsyncSeriesWaterfallHook<[unknown, AccessRequest], unknown>([...args] as never, `access.${grant}`), epoch) as never;
  }, 'access') as unknown as TypedHookMap<AccessHooks>;
  const set: RowguardHookSet = Object.freeze({
    access,
    aclWhereClause: enforceTapRules(new AsyncSeriesWaterfallHook([...ARGS.aclWhereClause] as never, 'aclWhereClause'), epoch) as ClauseHook,
    aclGroup: keyed('aclGroup', (k) => new AsyncSeriesWaterfallHook([...ARGS.aclGroup] as never, `aclGroup.${k}`) as EntityIdsHook, epoch),
    selectWhereClause: keyed(
      'selectWhereClause',
      (k) => new AsyncSeriesWaterfallHook([...ARGS.selectWhereClause] as never, `selectWhereClause.${k}`) as EntityConditionsHook,
      epoch,
    ),
    permissions: enforceTapRules(new SyncWaterfallHook([...ARGS.permissions] as never, 'permissions'), epoch) as PermissionsHook,
    permissionCheck: keyed(
      'permissionCheck',
      (k) => new AsyncSeriesWaterfallHook([...ARGS.permissionCheck] as never, `permissionCheck.${k}`) as PermissionCheckHook,
      epoch,
      permissionKeys,
    ),
    events: Object.freeze({
      changed: sync<[ChangeEvent]>('events.changed', ARGS.change),
      entryChanged: sync<[ChangeEvent]>('events.entryChanged', ARGS.change),
      roleChanged: sync<[ChangeEvent]>('events.roleChanged', ARGS.change),
      groupChanged: sync<[ChangeEvent]>('events.groupChanged', ARGS.change),
      membershipChanged: sync<[ChangeEvent]>('events.membershipChanged', ARGS.change),
      contactCreated: sync<[ChangeEvent]>('events.contactCreated', ARGS.change),
      decisionMade: sync<[DecisionEvent]>('events.decisionMade', ARGS.change),
      tapFailed: sync<[HookTapError]>('events.tapFailed', ARGS.tapFailed),
    }),
  });
  return { set, permissionKeys };
}
