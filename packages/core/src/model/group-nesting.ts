import { referencedGroups, type Criteria } from './criteria-schema.js';
import { PolicyError } from './engine-errors.js';
import type { GroupDef, ObjectRef } from './policy-model.js';
import { MAX_GROUP_NESTING } from './policy-limits.js';

/**
 * The longest `inGroup` chain starting at each group, as a list of group ids (the group first). `edges` maps a
 * smart group to the groups its criteria name; a group without edges (static, or no `inGroup`) has a chain of
 * itself alone. The graph must have no cycle (the write API refuses cycles first); a cycle is cut rather than
 * followed.
 *
 * @example
 * ```ts
 * longestChains(new Map([[1, [2]], [2, [3]]])).get(1); // [1, 2, 3]
 * ```
 */
export function longestChains(edges: ReadonlyMap<number, readonly number[]>): Map<number, number[]> {
  const chains = new Map<number, number[]>();
  const visiting = new Set<number>();
  const chainOf = (start: number): number[] => {
    // Iterative depth-first walk, so a long chain cannot overflow the stack.
    const stack: { id: number; next: number }[] = [{ id: start, next: 0 }];
    visiting.add(start);
    while (stack.length > 0) {
      const top = stack[stack.length - 1] as { id: number; next: number };
      const refs = edges.get(top.id) ?? [];
      if (top.next < refs.length) {
        const ref = refs[top.next++] as number;
        if (!chains.has(ref) && !visiting.has(ref)) {
          visiting.add(ref);
          stack.push({ id: ref, next: 0 });
        }
        continue;
      }
      let best: number[] = [];
      for (const ref of refs) {
        const c = chains.get(ref);
        if (c && c.length > best.length) best = c;
      }
      chains.set(top.id, [top.id, ...best]);
      visiting.delete(top.id);
      stack.pop();
    }
    return chains.get(start) as number[];
  };
  for (const id of edges.keys()) if (!chains.has(id)) chainOf(id);
  return chains;
}

/**
 * Refuses criteria that would make an `inGroup` chain longer than {@link MAX_GROUP_NESTING}, the depth decisions
 * evaluate: `edges` is every smart group's references with the change applied, `changed` the group being
 * written (use 0 for a group not created yet). Only chains through the changed group are reported, so an older
 * over-deep policy does not block unrelated writes.
 *
 * @example
 * ```ts
 * assertGroupNesting(edges, 0); // throws PolicyError 'group_too_deep' { groupId, depth, limit, chain }
 * ```
 */
export function assertGroupNesting(edges: ReadonlyMap<number, readonly number[]>, changed: number): void {
  const chains = longestChains(edges);
  let worst: number[] | undefined;
  for (const chain of chains.values()) {
    if (chain.length > MAX_GROUP_NESTING && chain.includes(changed) && (!worst || chain.length > worst.length)) worst = chain;
  }
  if (!worst) return;
  const groupId = changed === 0 ? null : changed;
  throw new PolicyError(
    'group_too_deep',
    `criteria would make an inGroup chain ${worst.length} groups deep (${worst.slice(0, 5).join(' -> ')} -> ...); decisions evaluate at most ${MAX_GROUP_NESTING}`,
    { groupId, depth: worst.length, limit: MAX_GROUP_NESTING, chain: worst.map((g) => (g === 0 ? null : g)) },
  );
}

const tooDeepCache = new WeakMap<ReadonlyMap<number, GroupDef>, ReadonlySet<number>>();

/**
 * The groups of a snapshot whose `inGroup` chain is longer than {@link MAX_GROUP_NESTING} (possible only for a
 * policy written around the write API). Computed once per snapshot.
 *
 * @example
 * ```ts
 * tooDeepGroups(snapshot.groups).has(7); // true when group 7 nests more than 64 groups deep
 * ```
 */
export function tooDeepGroups(groups: ReadonlyMap<number, GroupDef>): ReadonlySet<number> {
  const hit = tooDeepCache.get(groups);
  if (hit) return hit;
  const edges = new Map<number, number[]>();
  for (const g of groups.values()) if (g.kind === 'smart' && g.criteria) edges.set(g.id, referencedGroups(g.criteria));
  const deep = new Set<number>();
  for (const [id, chain] of longestChains(edges)) if (chain.length > MAX_GROUP_NESTING) deep.add(id);
  tooDeepCache.set(groups, deep);
  return deep;
}

/**
 * Whether criteria name (directly) a group nested deeper than {@link MAX_GROUP_NESTING}: such criteria cannot be
 * evaluated, so the entry (or adjustment) holding them fails closed, the same way in memory and in SQL: an
 * allow then covers nothing and a deny covers every contact, and the other entries decide as usual.
 *
 * @example
 * ```ts
 * criteriaTooDeep({ inGroup: 7 }, snapshot.groups); // true when group 7 nests too deep
 * ```
 */
export function criteriaTooDeep(criteria: Criteria, groups: ReadonlyMap<number, GroupDef>): boolean {
  const deep = tooDeepGroups(groups);
  return deep.size > 0 && referencedGroups(criteria).some((g) => deep.has(g));
}

/**
 * Whether an entry's object names (directly, through criteria, or through a delegation's base or criteria) a
 * group nested deeper than {@link MAX_GROUP_NESTING}; see {@link criteriaTooDeep} for what such an entry does.
 *
 * @example
 * ```ts
 * objectTooDeep({ type: 'group-members', groupId: 7 }, snapshot.groups);
 * ```
 */
export function objectTooDeep(object: ObjectRef, groups: ReadonlyMap<number, GroupDef>): boolean {
  const deep = tooDeepGroups(groups);
  if (deep.size === 0) return false;
  switch (object.type) {
    case 'group-members':
      return deep.has(object.groupId);
    case 'criteria':
      return criteriaTooDeep(object.criteria, groups);
    case 'delegated':
      return objectTooDeep(object.base, groups) || (object.criteria !== null && criteriaTooDeep(object.criteria, groups));
    default:
      return false;
  }
}
