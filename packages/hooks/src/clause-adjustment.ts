import type { Criteria, Operation, PolicySnapshot, ResolvedSubject } from '@rowguard/core';
import type { FieldInfo, ScopeAdjustment } from '@rowguard/core/extension';
import { tapLabel } from './access-contribution.js';
import type { ClauseAdjustment, ClauseRequest } from './hook-model.js';
import type { ClauseHook } from './hook-set.js';
import { runWaterfall, type TapSource } from './tap-runner.js';
import { checkAdjustment } from './tap-results.js';

const NOTHING: ClauseAdjustment = Object.freeze({ narrow: Object.freeze([]), widen: Object.freeze([]) });

/**
 * Runs the `aclWhereClause` taps for one subject and operation and returns the engine's scope adjustment:
 * each criterion with the tap that added it (`hook tap 'name'`), which the engine applies to the in-memory
 * decision and the SQL clause alike. Returns `undefined` when nothing is tapped or the subject is an
 * administrator (adjustments never apply to administrators).
 *
 * @example
 * ```ts
 * const adjustment = await adjustClause(hook, subject, 'view', snapshot, fields, 200);
 * adjustment?.narrow[0]?.via; // "hook tap 'same-region'"
 * ```
 */
export async function adjustClause(
  hook: ClauseHook,
  subject: ResolvedSubject,
  operation: Operation,
  snapshot: PolicySnapshot,
  fields: ReadonlyMap<string, FieldInfo>,
  timeoutMs: number,
): Promise<ScopeAdjustment | undefined> {
  if (hook.taps.length === 0 || subject.isAdministrator) return undefined;
  const request: ClauseRequest = Object.freeze({ subject, operation, policy: snapshot });
  const attribution = new WeakMap<Criteria, string>();
  const result = await runWaterfall<ClauseAdjustment>({
    source: hook as unknown as TapSource,
    initial: NOTHING,
    callArgs: [NOTHING, request],
    args: (_tap, value) => [value, request],
    accept: (tap, output, input) => checkAdjustment(output, input, fields, snapshot, (c) => attribution.set(c, tap.name)),
    timeoutMs,
  });
  const via = (c: Criteria) => tapLabel(attribution.get(c) ?? '(unknown)');
  return {
    narrow: result.narrow.map((c) => ({ criteria: c, via: via(c) })),
    widen: result.widen.map((c) => ({ criteria: guardedWiden(c, result.narrow), via: via(c) })),
  };
}

/**
 * A widen criterion with every narrow ANDed in. The engine's rule is `(entries allow or a widen matches) and
 * every narrow matches`; the SQL clause computes exactly that, but the in-memory decision of
 * `@rowguard/core` 0.1 allows on a matching widen without looking at the narrows. Since
 * `(T or (w and N)) and N = (T or w) and N`, this form gives the rule's answer in both.
 *
 * @example
 * ```ts
 * guardedWiden({ inGroup: 3 }, [{ field: 'country', op: '=', value: 'FR' }]); // { all: [{ inGroup: 3 }, { field: 'country', ... }] }
 * ```
 */
export function guardedWiden(widen: Criteria, narrow: readonly Criteria[]): Criteria {
  return narrow.length === 0 ? widen : { all: [widen, ...narrow] };
}
