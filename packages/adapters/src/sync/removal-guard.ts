import type { Domain } from '@rowguard/core';
import type { BatchPlan } from './sync-plan.js';

/**
 * A group whose removals the guard withheld in a run.
 *
 * @example
 * ```ts
 * const hit: GuardHit = { groupId: 4, members: 200, allowed: 50, removed: 0, withheld: 180 };
 * ```
 */
export interface GuardHit {
  readonly groupId: number;
  /** Added members when the run first removed from the group. */
  readonly members: number;
  /** Most removals the run may make in the group. */
  readonly allowed: number;
  /** Removals made before the guard stopped them. */
  readonly removed: number;
  /** Removals withheld. */
  readonly withheld: number;
}

/**
 * Refuses to let one sync run remove more than a share of a group's Added members (at least `minimum` are
 * always allowed): once a batch would pass the limit, its removals from that group, and every later one in the
 * run, are withheld and reported, so a mapping gone wrong (a role renamed, a host table half restored) cannot
 * empty a group. `force` lets everything through.
 *
 * @example
 * ```ts
 * const guard = new RemovalGuard(domain, 'wordpress', { maxShare: 0.25, minimum: 10 }, false);
 * const plan = await guard.filter(planned);
 * guard.hits(); // [{ groupId: 4, members: 200, allowed: 50, removed: 0, withheld: 180 }]
 * ```
 */
export class RemovalGuard {
  readonly #domain: Domain;
  readonly #source: string;
  readonly #limits: { readonly maxShare: number; readonly minimum: number };
  readonly #force: boolean;
  readonly #groups = new Map<number, { members: number; allowed: number; removed: number; withheld: number }>();

  constructor(domain: Domain, source: string, limits: { readonly maxShare: number; readonly minimum: number }, force: boolean) {
    this.#domain = domain;
    this.#source = source;
    this.#limits = limits;
    this.#force = force;
  }

  /** The plan with the removals past a group's limit taken out (counted as withheld). */
  async filter(plan: BatchPlan): Promise<BatchPlan> {
    const removals = new Map<number, number>();
    for (const m of plan.memberships) if (m.status === 'Removed') removals.set(m.groupId, (removals.get(m.groupId) ?? 0) + 1);
    const blocked = new Set<number>();
    for (const [groupId, n] of removals) {
      let g = this.#groups.get(groupId);
      if (!g) {
        const { added } = await this.#domain.userLinks().groupCounts(groupId, this.#source);
        g = { members: added, allowed: Math.max(this.#limits.minimum, Math.floor(added * this.#limits.maxShare)), removed: 0, withheld: 0 };
        this.#groups.set(groupId, g);
      }
      if (!this.#force && (g.withheld > 0 || g.removed + n > g.allowed)) {
        g.withheld += n;
        blocked.add(groupId);
      } else g.removed += n;
    }
    if (blocked.size === 0) return plan;
    return { ...plan, memberships: plan.memberships.filter((m) => m.status !== 'Removed' || !blocked.has(m.groupId)) };
  }

  /** The groups whose removals were withheld. */
  hits(): GuardHit[] {
    return [...this.#groups].filter(([, g]) => g.withheld > 0).map(([groupId, g]) => ({ groupId, ...g }));
  }
}
