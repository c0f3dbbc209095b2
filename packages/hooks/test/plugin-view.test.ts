import { readFileSync } from 'node:fs';
import { createRowguard } from '@rowguard/core';
import { AsyncSeriesWaterfallHook, SyncHook, SyncWaterfallHook } from 'tapable';
import { describe, expect, it } from 'vitest';
import { createRowguardHooks, EVENT_NAMES, GRANT_TYPES, HOOK_POINTS, HookUsageError, type RowguardHookSet, type RowguardHooksView } from '../src/index.js';
import { openTestDatabase } from '../../core/test/support/test-databases.js';

function usage(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    return err instanceof HookUsageError ? err.code : `other: ${String(err)}`;
  }
  return 'accepted';
}

/** The hook instance a catalogue row names. */
function hookAt(set: RowguardHookSet, point: string): unknown {
  const access = /^access\.for\('(\w+)'\)$/.exec(point);
  if (access) return set.access.for(access[1] as (typeof GRANT_TYPES)[number]);
  if (point === 'aclGroup.for(entity)') return set.aclGroup.for('custom_group');
  if (point === 'selectWhereClause.for(entity)') return set.selectWhereClause.for('custom_group');
  if (point === 'permissionCheck.for(permission)') return set.permissionCheck.for('view all contacts');
  if (point.startsWith('events.')) return set.events[point.slice(7) as (typeof EVENT_NAMES)[number]];
  return (set as unknown as Record<string, unknown>)[point];
}

describe('the hooks object and the plugin view', () => {
  it('gives plugins hooks they can tap and trace but never call', () => {
    const rg = createRowguardHooks();
    let view: RowguardHooksView | undefined;
    rg.plugin((hooks) => {
      view = hooks;
      hooks.aclWhereClause.tap('a', () => undefined);
      hooks.access.for('contacts').tapPromise('b', async () => undefined);
      hooks.permissionCheck.for('export contacts').tapAsync('c', (_v, _r, cb) => cb(null, 'allow'));
      hooks.events.entryChanged.tap('d', () => undefined);
    });
    expect(rg.hooks.aclWhereClause.taps.map((t) => t.name)).toEqual(['a']);
    expect(rg.hooks.access.for('contacts').taps.map((t) => t.name)).toEqual(['b']);
    expect(rg.hooks.permissionCheck.for('export contacts').taps.map((t) => t.name)).toEqual(['c']);
    expect(rg.hooks.events.entryChanged.taps.map((t) => t.name)).toEqual(['d']);
    if (!view) throw new Error('the plugin was not applied');
    const hooks = view;
    const views: object[] = [
      hooks.aclWhereClause,
      hooks.permissions,
      ...GRANT_TYPES.map((g) => hooks.access.for(g)),
      hooks.aclGroup.for('profile'),
      hooks.selectWhereClause.for('profile'),
      hooks.permissionCheck.for('access CRM'),
      ...EVENT_NAMES.map((e) => hooks.events[e]),
    ];
    for (const v of views) {
      for (const forbidden of ['call', 'callAsync', 'promise', 'taps', 'interceptors', 'withOptions']) expect(forbidden in v).toBe(false);
      expect(Object.isFrozen(v)).toBe(true);
    }
    // @ts-expect-error plugins cannot call a hook
    expect(hooks.aclWhereClause.promise).toBeUndefined();
    // @ts-expect-error nor a sync one
    expect(hooks.events.changed.call).toBeUndefined();
    expect(hooks.aclWhereClause.isUsed()).toBe(true);
    expect(hooks.aclGroup.for('profile').isUsed()).toBe(false);
    expect(hooks.access.for('groups').name).toBe('access.groups');
  });

  it('lets plugins trace with interceptors, but not rewrite taps', () => {
    const rg = createRowguardHooks();
    rg.plugin((hooks) => {
      expect(usage(() => hooks.aclWhereClause.intercept({ name: 'trace', call: () => undefined, tap: () => undefined, result: () => undefined, error: () => undefined }))).toBe('accepted');
      expect(usage(() => hooks.events.changed.intercept({ done: () => undefined }))).toBe('accepted');
      const rewriting = { register: (tap: never) => tap } as never;
      expect(usage(() => hooks.aclWhereClause.intercept(rewriting))).toBe('interceptor_not_allowed');
      expect(usage(() => hooks.access.for('roles').intercept({ context: true } as never))).toBe('interceptor_not_allowed');
      expect(usage(() => hooks.permissions.intercept(null as never))).toBe('interceptor_not_allowed');
    });
    expect(rg.hooks.aclWhereClause.interceptors.map((i) => i.name)).toEqual(['rowguard:tap-rules', 'trace']);
  });

  it('requires every tap to have a valid name, unique on its hook', () => {
    const rg = createRowguardHooks();
    const groups = rg.hooks.access.for('groups');
    expect(usage(() => groups.tap('og-sync', () => undefined))).toBe('accepted');
    expect(usage(() => groups.tap('og-sync', () => undefined))).toBe('duplicate_tap');
    expect(usage(() => rg.hooks.access.for('roles').tap('og-sync', () => undefined))).toBe('accepted');
    expect(usage(() => groups.tap("it's", () => undefined))).toBe('invalid_tap');
    expect(usage(() => groups.tap({ name: 'x'.repeat(101) }, () => undefined))).toBe('invalid_tap');
    expect(usage(() => groups.tap('', () => undefined))).toMatch(/Missing name for tap/);
    expect(usage(() => rg.hooks.access.for('group' as never))).toBe('invalid_tap');
    expect(groups.taps.map((t) => t.name)).toEqual(['og-sync']);
  });

  it('serves one engine, with validated options and plugins', async () => {
    expect(usage(() => createRowguardHooks({ tapTimeoutMs: 0 }))).toBe('invalid_options');
    expect(usage(() => createRowguardHooks({ tapTimout: 5 } as never))).toBe('invalid_options');
    expect(usage(() => createRowguardHooks({ accessCacheSize: -1 }))).toBe('invalid_options');
    expect(createRowguardHooks({ tapTimeoutMs: 250 }).tapTimeoutMs).toBe(250);
    const rg = createRowguardHooks();
    expect(usage(() => rg.plugin(42 as never))).toBe('invalid_plugin');
    const applied: string[] = [];
    rg.plugin({ name: 'object-style', apply: (hooks) => applied.push(hooks.aclWhereClause.name ?? '') });
    expect(applied).toEqual(['aclWhereClause']);
    expect(usage(() => rg.extension({ contacts: { attributes: { is_deleted: { type: 'text' } } } }))).toBe('invalid_options');
    rg.extension();
    expect(usage(() => rg.extension())).toBe('extension_taken');
    const t = await openTestDatabase('sqlite', 'hooks_view');
    try {
      const other = createRowguardHooks();
      expect(usage(() => other.engineOptions({ db: t.db, extension: {} }))).toBe('extension_taken');
      expect(createRowguard(other.engineOptions({ db: t.db })).permissions.has('administer CRM')).toBe(true);
    } finally {
      await t.close();
    }
  });

  it('the catalogue matches the hook instances, and docs/hooks.md matches the catalogue', () => {
    const { hooks } = createRowguardHooks();
    const classes: Record<string, unknown> = { AsyncSeriesWaterfallHook, SyncWaterfallHook, SyncHook };
    for (const point of HOOK_POINTS) {
      const hook = hookAt(hooks, point.point) as { constructor: unknown; _args: readonly string[] };
      expect(hook.constructor, point.point).toBe(classes[point.tapable]);
      // tapable keeps the argument names it was constructed with in `_args`.
      expect(hook._args, point.point).toEqual(point.args);
    }
    expect(HOOK_POINTS.map((p) => p.point)).toEqual(expect.arrayContaining([...EVENT_NAMES.map((e) => `events.${e}`), 'aclWhereClause', 'permissions']));

    const doc = readFileSync(new URL('../../../docs/hooks.md', import.meta.url), 'utf8');
    const table = doc.slice(doc.indexOf('## The extension points'), doc.indexOf('## Rules every extension point follows'));
    const rows = table
      .split('\n')
      .filter((line) => line.startsWith('| `'))
      .map((line) => line.split(/(?<!\\)\|/).map((cell) => cell.trim()))
      .map(([, point, type, args, when, returns, failure]) => ({ point, type, args, when, returns, failure }));
    expect(rows.map((r) => r.point)).toEqual(HOOK_POINTS.map((p) => `\`${p.point}\``));
    for (const [i, point] of HOOK_POINTS.entries()) {
      const row = rows[i];
      expect(row?.type, point.point).toBe(`\`${point.tapable}\``);
      expect(row?.args, point.point).toBe(`\`(${point.args.join(', ')})\``);
      for (const cell of [row?.when, row?.returns, row?.failure]) expect((cell ?? '').length, point.point).toBeGreaterThan(5);
    }
  });
});
