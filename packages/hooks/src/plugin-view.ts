import type { HookMap } from 'tapable';
import { HookUsageError } from './hook-errors.js';
import type { AccessHooks, EventHooks, RowguardHookSet } from './hook-set.js';

/** The interceptor handlers a plugin may use: tracing only (no `register`, which could rewrite other taps). */
export type TracingInterceptor<H extends { intercept(interceptor: never): void }> = Pick<
  NonNullable<Parameters<H['intercept']>[0]>,
  'name' | 'call' | 'tap' | 'error' | 'result' | 'done'
>;

interface AnyHook {
  readonly name: string | undefined;
  tap(options: never, fn: never): void;
  intercept(interceptor: never): void;
  isUsed(): boolean;
}

/** An async hook as a plugin sees it: tap it, trace it; never call it. */
export type AsyncHookView<H extends AnyHook & { tapAsync: unknown; tapPromise: unknown }> = Readonly<
  Pick<H, 'name' | 'tap' | 'tapAsync' | 'tapPromise' | 'isUsed'> & { intercept(interceptor: TracingInterceptor<H>): void }
>;

/** A sync hook as a plugin sees it: tap it, trace it; never call it. */
export type SyncHookView<H extends AnyHook> = Readonly<Pick<H, 'name' | 'tap' | 'isUsed'> & { intercept(interceptor: TracingInterceptor<H>): void }>;

/** A hook map as a plugin sees it: `for(key)` gives the view of that key's hook. */
export interface HookMapView<V> {
  readonly name: string | undefined;
  for(key: string): V;
}

/** The hooks as a plugin sees them. */
export interface RowguardHooksView {
  readonly access: { readonly name: string | undefined; for<K extends keyof AccessHooks>(grantType: K): AsyncHookView<AccessHooks[K]> };
  readonly aclWhereClause: AsyncHookView<RowguardHookSet['aclWhereClause']>;
  readonly aclGroup: HookMapView<AsyncHookView<HookOf<RowguardHookSet['aclGroup']>>>;
  readonly selectWhereClause: HookMapView<AsyncHookView<HookOf<RowguardHookSet['selectWhereClause']>>>;
  readonly permissions: SyncHookView<RowguardHookSet['permissions']>;
  readonly permissionCheck: HookMapView<AsyncHookView<HookOf<RowguardHookSet['permissionCheck']>>>;
  readonly events: { readonly [K in keyof EventHooks]: SyncHookView<EventHooks[K]> };
}

type HookOf<M> = M extends HookMap<infer H> ? H : never;

const TRACING = new Set(['name', 'call', 'tap', 'error', 'result', 'done']);

function tracingOnly(hook: string | undefined, interceptor: unknown): object {
  if (typeof interceptor !== 'object' || interceptor === null) {
    throw new HookUsageError('interceptor_not_allowed', `an interceptor of ${hook} must be an object`, { hook });
  }
  const extra = Object.keys(interceptor).filter((k) => !TRACING.has(k));
  if (extra.length > 0) {
    throw new HookUsageError(
      'interceptor_not_allowed',
      `plugins may only trace hook ${hook} (name, call, tap, error, result, done); not allowed: ${extra.join(', ')}`,
      { hook, handlers: extra },
    );
  }
  return { ...interceptor };
}

type Tappable = {
  readonly name: string | undefined;
  readonly taps: readonly unknown[];
  tap(options: unknown, fn: unknown): void;
  tapAsync?(options: unknown, fn: unknown): void;
  tapPromise?(options: unknown, fn: unknown): void;
  intercept(interceptor: unknown): void;
  isUsed(): boolean;
};

function viewOf(hook: Tappable, async: boolean): object {
  const view: Record<string, unknown> = {
    name: hook.name,
    tap: (options: unknown, fn: unknown) => hook.tap(options, fn),
    intercept: (interceptor: unknown) => hook.intercept(tracingOnly(hook.name, interceptor)),
    isUsed: () => hook.taps.length > 0,
  };
  if (async) {
    view.tapAsync = (options: unknown, fn: unknown) => hook.tapAsync?.(options, fn);
    view.tapPromise = (options: unknown, fn: unknown) => hook.tapPromise?.(options, fn);
  }
  return Object.freeze(view);
}

function mapView(map: { readonly name: string | undefined; for(key: unknown): unknown }): HookMapView<unknown> {
  const views = new Map<unknown, unknown>();
  return Object.freeze({
    name: map.name,
    for: (key: unknown) => {
      let view = views.get(key);
      if (!view) {
        view = viewOf(map.for(key) as Tappable, true);
        views.set(key, view);
      }
      return view;
    },
  });
}

/**
 * The view of a hook set that plugins get: every hook can be tapped (`tap`, `tapAsync`, `tapPromise`) and
 * traced (`intercept` with `call`, `tap`, `error`, `result`, `done`), but not called, and an interceptor may
 * not `register` (rewrite other taps).
 *
 * @example
 * ```ts
 * const view = pluginView(set);
 * view.access.for('groups').tapPromise('og-sync', async (ids, request) => [...ids, 3]);
 * 'promise' in view.access.for('groups'); // false
 * ```
 */
export function pluginView(set: RowguardHookSet): RowguardHooksView {
  const events = Object.fromEntries(Object.entries(set.events).map(([k, hook]) => [k, viewOf(hook as unknown as Tappable, false)]));
  const access = mapView(set.access as unknown as { name: string | undefined; for(key: unknown): unknown });
  return Object.freeze({
    access,
    aclWhereClause: viewOf(set.aclWhereClause as unknown as Tappable, true),
    aclGroup: mapView(set.aclGroup),
    selectWhereClause: mapView(set.selectWhereClause),
    permissions: viewOf(set.permissions as unknown as Tappable, false),
    permissionCheck: mapView(set.permissionCheck),
    events: Object.freeze(events),
  }) as unknown as RowguardHooksView;
}
