import type { PermissionDefinition } from '@rowguard/core';
import { HookTapError } from './hook-errors.js';
import type { PermissionRequest, PermissionSubject, PermissionVerdict } from './hook-model.js';
import type { RowguardHookSet } from './hook-set.js';
import { runSyncWaterfall, runWaterfall, type TapSource } from './tap-runner.js';
import { checkDefinitions, foldVerdict } from './tap-results.js';

/**
 * Asks the `permissionCheck` taps of every permission that has some, concurrently: each permission's verdict
 * is deny over allow over no opinion, whatever the order of its taps. A failing tap denies that permission
 * (fail closed) and is handed to `report`. Returns `undefined` when no permission has taps.
 *
 * @example
 * ```ts
 * await checkPermissions(set, keys, subject, held, 200, report); // { allow: ['export contacts'], deny: ['view all contacts'] }
 * ```
 */
export async function checkPermissions(
  set: RowguardHookSet,
  keys: ReadonlySet<string>,
  subject: PermissionSubject,
  held: ReadonlySet<string>,
  timeoutMs: number,
  report: (error: HookTapError) => void,
): Promise<{ allow: string[]; deny: string[] } | undefined> {
  const hooks: [string, TapSource][] = [];
  for (const name of keys) {
    const hook = set.permissionCheck.get(name);
    if (hook && hook.taps.length > 0) hooks.push([name, hook as unknown as TapSource]);
  }
  if (hooks.length === 0) return undefined;
  const verdicts = await Promise.all(
    hooks.map(async ([permission, source]): Promise<PermissionVerdict> => {
      const request: PermissionRequest = Object.freeze({ permission, held: held.has(permission), subject });
      try {
        return await runWaterfall<PermissionVerdict>({
          source,
          initial: undefined,
          callArgs: [undefined, request],
          args: (_tap, value) => [value, request],
          accept: (_tap, output, input) => foldVerdict(input, output),
          timeoutMs,
        });
      } catch (err) {
        if (err instanceof HookTapError) report(err);
        return 'deny';
      }
    }),
  );
  const allow: string[] = [];
  const deny: string[] = [];
  hooks.forEach(([name], i) => {
    if (verdicts[i] === 'deny') deny.push(name);
    else if (verdicts[i] === 'allow') allow.push(name);
  });
  return { allow, deny };
}

/**
 * Runs the `permissions` taps once, at start-up: the functional permissions they declare (validated; no
 * built-in may be redefined, no name declared twice). A failing tap throws its {@link HookTapError}: a
 * broken declaration stops start-up rather than quietly changing permissions.
 *
 * @example
 * ```ts
 * declarePermissions(set, 1000); // [{ name: 'export contacts', implies: ['view all contacts'] }]
 * ```
 */
export function declarePermissions(set: RowguardHookSet, timeoutMs: number): readonly PermissionDefinition[] {
  const initial: readonly PermissionDefinition[] = Object.freeze([]);
  return runSyncWaterfall<readonly PermissionDefinition[]>({
    source: set.permissions as unknown as TapSource,
    initial,
    callArgs: [initial],
    args: (_tap, value) => [value],
    accept: (_tap, output, input) => checkDefinitions(output, input),
    timeoutMs,
  });
}
