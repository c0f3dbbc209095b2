import type { ProbeCommit } from './load-writer.js';

/** One decision a reader made on a probe, with when it started and ended (ms, shared clock). */
export interface ProbeDecision {
  readonly key: string;
  readonly kind: string;
  readonly allowed: boolean;
  readonly startedAt: number;
  readonly endedAt: number;
}

/** How the decisions compare with the committed states. */
export interface StalenessReport {
  /** Decisions with no commit of their probe in flight while they ran: exactly one right answer. */
  readonly checked: number;
  /** Decisions that overlapped a commit of their probe: either state is right (wrong only if neither). */
  readonly overlapping: number;
  /** Decisions that did not reflect a change committed before they started. */
  readonly stale: number;
  readonly staleExamples: readonly string[];
  readonly byKind: Readonly<Record<string, number>>;
}

/**
 * Classifies decisions against the writer's commit log. A decision must reflect the newest state committed
 * before it started (commit returned more than `marginMs` earlier), or a state whose write began before it
 * ended; it is "checked" when no such newer write overlaps it. The margin absorbs clock differences between
 * processes, so a stale answer inside it is not counted (conservative: never a false alarm).
 *
 * @example
 * ```ts
 * const report = classifyDecisions(decisions, commits, 2);
 * report.stale; // 0
 * ```
 */
export function classifyDecisions(decisions: readonly ProbeDecision[], commits: readonly ProbeCommit[], marginMs: number): StalenessReport {
  const byKey = new Map<string, ProbeCommit[]>();
  for (const c of commits) byKey.set(c.key, [...(byKey.get(c.key) ?? []), c]);
  for (const list of byKey.values()) list.sort((a, b) => a.seq - b.seq);
  let checked = 0;
  let overlapping = 0;
  let stale = 0;
  const staleExamples: string[] = [];
  const byKind: Record<string, number> = {};
  for (const d of decisions) {
    const list = byKey.get(d.key) ?? [];
    let before: { seq: number; allowed: boolean } = { seq: 0, allowed: true };
    for (const c of list) if (c.committedAt < d.startedAt - marginMs) before = c;
    const concurrent = list.filter((c) => c.seq > before.seq && c.startedAt < d.endedAt + marginMs);
    if (concurrent.length === 0) {
      checked += 1;
      byKind[d.kind] = (byKind[d.kind] ?? 0) + 1;
      if (d.allowed !== before.allowed) {
        stale += 1;
        if (staleExamples.length < 10) staleExamples.push(`${d.kind} ${d.key}: state ${before.seq} says ${before.allowed}, decision ${d.allowed}`);
      }
    } else {
      overlapping += 1;
      const acceptable = new Set([before.allowed, ...concurrent.map((c) => c.allowed)]);
      if (!acceptable.has(d.allowed)) {
        stale += 1;
        if (staleExamples.length < 10) staleExamples.push(`${d.kind} ${d.key}: none of states ${before.seq}..${concurrent.at(-1)?.seq} says ${d.allowed}`);
      }
    }
  }
  return { checked, overlapping, stale, staleExamples, byKind };
}
