import { isToken, referencedGroups, type Criteria, type CriteriaValue } from './criteria-schema.js';
import { PolicyError } from './engine-errors.js';
import { MAX_GROUP_PARAMETERS, MAX_INLINE_IDS } from './policy-limits.js';

/** What the cost of a group depends on: its criteria (null: static) and whether its membership is materialised. */
export interface CostedGroup {
  readonly criteria: Criteria | null;
  readonly materialised: boolean;
}

/**
 * The parameters each group's compiled predicate binds, with nested groups inlined unless materialised (see
 * {@link MAX_GROUP_PARAMETERS}). Memoised over the graph, so a chain that names each group twice costs
 * exponentially without taking exponential time to compute. The graph must have no cycle.
 *
 * @example
 * ```ts
 * groupCosts(new Map([[1, { criteria: { field: 'country', op: '=', value: 'VN' }, materialised: false }]])).get(1); // 5
 * ```
 */
export function groupCosts(groups: ReadonlyMap<number, CostedGroup>): Map<number, number> {
  const costs = new Map<number, number>();
  const order = topological(groups);
  for (const id of order) {
    const g = groups.get(id);
    if (!g || g.criteria === null || g.materialised) costs.set(id, 2);
    else costs.set(id, 4 + criteriaCost(g.criteria, costs));
  }
  return costs;
}

/**
 * The parameters compiled criteria bind, given the costs of the groups they name.
 *
 * @example
 * ```ts
 * criteriaCost({ field: 'country', op: 'in', value: ['VN', 'FR'] }, new Map()); // 2
 * ```
 */
export function criteriaCost(c: Criteria, costs: ReadonlyMap<number, number>): number {
  if ('all' in c) return c.all.reduce((n, x) => n + criteriaCost(x, costs), 0);
  if ('any' in c) return c.any.reduce((n, x) => n + criteriaCost(x, costs), 0);
  if ('not' in c) return criteriaCost(c.not, costs);
  if ('inGroup' in c) return costs.get(c.inGroup) ?? 2;
  if ('subType' in c) return 1;
  if (c.op === 'is null' || c.op === 'is not null') return 0;
  if (c.op === 'in' || c.op === 'not in') return c.value.length > MAX_INLINE_IDS ? 1 : c.value.length;
  return 1;
}

/**
 * Whether criteria depend on the subject (a `$subject` token, directly or in a group they name): such a group
 * cannot be materialised and stays a predicate on the contact row.
 *
 * @example
 * ```ts
 * isTokenized({ field: 'country', op: '=', value: { $subject: 'country' } }, new Map()); // true
 * ```
 */
export function isTokenized(c: Criteria, tokenized: ReadonlySet<number>): boolean {
  if ('all' in c) return c.all.some((x) => isTokenized(x, tokenized));
  if ('any' in c) return c.any.some((x) => isTokenized(x, tokenized));
  if ('not' in c) return isTokenized(c.not, tokenized);
  if ('inGroup' in c) return tokenized.has(c.inGroup);
  if ('subType' in c || c.op === 'is null' || c.op === 'is not null') return false;
  if (c.op === 'in' || c.op === 'not in') return c.value.some(isToken);
  return 'value' in c && !Array.isArray(c.value) && isToken(c.value as CriteriaValue);
}

/**
 * The smart groups whose criteria depend on the subject, directly or through the groups they name.
 *
 * @example
 * ```ts
 * tokenizedGroups(new Map([[1, { field: 'country', op: '=', value: { $subject: 'country' } }]])); // Set {1}
 * ```
 */
export function tokenizedGroups(criteria: ReadonlyMap<number, Criteria | null>): Set<number> {
  const out = new Set<number>();
  const asCosted = new Map([...criteria].map(([id, c]) => [id, { criteria: c, materialised: false }] as const));
  for (const id of topological(asCosted)) {
    const c = criteria.get(id);
    if (c && isTokenized(c, out)) out.add(id);
  }
  return out;
}

/**
 * Group ids, each after the groups its criteria name (iterative; a cycle is cut).
 *
 * @example
 * ```ts
 * topological(new Map([[1, { criteria: { inGroup: 2 } }], [2, { criteria: null }]])); // [2, 1]
 * ```
 */
export function topological(groups: ReadonlyMap<number, { readonly criteria: Criteria | null }>): number[] {
  const order: number[] = [];
  const state = new Map<number, 'open' | 'done'>();
  for (const start of groups.keys()) {
    if (state.has(start)) continue;
    const stack: { id: number; refs: number[]; next: number }[] = [];
    const push = (id: number): void => {
      state.set(id, 'open');
      const c = groups.get(id)?.criteria;
      stack.push({ id, refs: c ? referencedGroups(c) : [], next: 0 });
    };
    push(start);
    while (stack.length > 0) {
      const top = stack[stack.length - 1] as { id: number; refs: number[]; next: number };
      if (top.next < top.refs.length) {
        const ref = top.refs[top.next++] as number;
        if (!state.has(ref) && groups.has(ref)) push(ref);
        continue;
      }
      state.set(top.id, 'done');
      order.push(top.id);
      stack.pop();
    }
  }
  return order;
}

/**
 * Refuses a change that would make the predicate of `changed` (0: a group not created yet), or of a group that
 * names it, bind more than {@link MAX_GROUP_PARAMETERS} parameters.
 *
 * @example
 * ```ts
 * assertGroupSize(groups, 0); // throws PolicyError 'group_too_large' { groupId, parameters, limit }
 * ```
 */
export function assertGroupSize(groups: ReadonlyMap<number, CostedGroup>, changed: number): void {
  const costs = groupCosts(groups);
  const affected = new Set([changed]);
  for (const id of topological(groups)) {
    const c = groups.get(id)?.criteria;
    if (c && referencedGroups(c).some((r) => affected.has(r))) affected.add(id);
  }
  let worst: { id: number; cost: number } | undefined;
  for (const id of affected) {
    // A group's own predicate (what a clause inlines, or what refreshing its materialised rows runs).
    const criteria = groups.get(id)?.criteria;
    const cost = criteria ? 4 + criteriaCost(criteria, costs) : 0;
    if (cost > MAX_GROUP_PARAMETERS && (!worst || cost > worst.cost)) worst = { id, cost };
  }
  if (!worst) return;
  const groupId = worst.id === 0 ? null : worst.id;
  throw new PolicyError(
    'group_too_large',
    `criteria would make group ${groupId ?? '(new)'} compile to ${worst.cost} SQL parameters; a group may bind at most ${MAX_GROUP_PARAMETERS}`,
    { groupId, parameters: worst.cost, limit: MAX_GROUP_PARAMETERS, changed: changed === 0 ? null : changed },
  );
}
