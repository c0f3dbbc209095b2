import { type EntityCondition, type EntityPermission, type Operation, type PolicySnapshot, type ResolvedSubject } from '@rowguard/core';
import { immutableCopy } from '@rowguard/core/extension';
import type { EntityRequest } from './hook-model.js';
import type { RowguardHookSet } from './hook-set.js';
import { runWaterfall, type TapSource } from './tap-runner.js';
import { checkConditions, checkEntityPermission } from './tap-results.js';

/**
 * Runs the `aclGroup` taps of one object type: each receives the permitted ids so far (`{ mode, ids }`) and
 * may return new ones. Returns `undefined` when the type has no taps. For the `group` type, ids must be
 * groups of the subject's domain.
 *
 * @example
 * ```ts
 * await adjustEntityIds(set, subject, 'custom_group', 'view', { mode: 'all-except', ids: [] }, snapshot, 200);
 * ```
 */
export async function adjustEntityIds(
  set: RowguardHookSet,
  subject: ResolvedSubject,
  entity: string,
  operation: Operation,
  permission: EntityPermission,
  snapshot: PolicySnapshot | undefined,
  timeoutMs: number,
): Promise<EntityPermission | undefined> {
  const hook = set.aclGroup.get(entity);
  if (!hook || hook.taps.length === 0) return undefined;
  const request: EntityRequest = Object.freeze({ entity, operation, subject });
  const initial = immutableCopy(permission);
  return runWaterfall<EntityPermission>({
    source: hook as unknown as TapSource,
    initial,
    callArgs: [initial, request],
    args: (_tap, value) => [value, request],
    accept: (_tap, output) => checkEntityPermission(output, entity, snapshot),
    timeoutMs,
  });
}

/**
 * Runs the `selectWhereClause` taps of one host object type: each receives the conditions so far and may
 * return more (structured `{ column, op, value }`, never SQL text). Returns `undefined` when the type has no
 * taps.
 *
 * @example
 * ```ts
 * await entityConditions(set, subject, 'custom_group', 'view', 200); // [{ column: 'is_public', op: '=', value: 1 }]
 * ```
 */
export async function entityConditions(
  set: RowguardHookSet,
  subject: ResolvedSubject,
  entity: string,
  operation: Operation,
  timeoutMs: number,
): Promise<readonly EntityCondition[] | undefined> {
  const hook = set.selectWhereClause.get(entity);
  if (!hook || hook.taps.length === 0) return undefined;
  const request: EntityRequest = Object.freeze({ entity, operation, subject });
  const initial: readonly EntityCondition[] = Object.freeze([]);
  return runWaterfall<readonly EntityCondition[]>({
    source: hook as unknown as TapSource,
    initial,
    callArgs: [initial, request],
    args: (_tap, value) => [value, request],
    accept: (_tap, output) => checkConditions(output),
    timeoutMs,
  });
}
