/** The timings of one measurement, in milliseconds. */
export interface Timing {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  /** Timed runs (after warm-up). */
  readonly runs: number;
  readonly warmups: number;
  /** Set when the measurement failed (e.g. a statement timeout); the figures are then NaN. */
  readonly error?: string;
}

/** How much to repeat a measurement. */
export interface TimingPlan {
  /** Timed runs wanted. */
  readonly repeat: number;
  /** Warm-up runs (not timed). Default 2. */
  readonly warmups?: number;
  /** Stop adding timed runs once this much time went by (at least one timed run is kept). Default 20 s. */
  readonly budgetMs?: number;
}

/**
 * The median of a non-empty list.
 *
 * @example
 * ```ts
 * median([3, 1, 2]); // 2
 * ```
 */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/**
 * Times an async operation: warm-up runs, then timed runs, and returns the median. A slow operation gets fewer
 * runs (one warm-up and at most 3 timed runs above 1 s; above 10 s the single first run is the figure) and a
 * time budget; the number of runs is recorded with the figures.
 *
 * @example
 * ```ts
 * const t = await timeIt(() => query.execute(), { repeat: 7 });
 * console.log(t.median);
 * ```
 */
export async function timeIt(fn: () => Promise<unknown>, plan: TimingPlan): Promise<Timing> {
  const budget = plan.budgetMs ?? 20_000;
  const started = performance.now();
  const samples: number[] = [];
  let warmups = 0;
  try {
    let wanted = plan.repeat;
    const maxWarmups = plan.warmups ?? 2;
    while (warmups < maxWarmups) {
      const t0 = performance.now();
      await fn();
      const ms = performance.now() - t0;
      if (ms > 10_000) {
        // Too slow to repeat: the single (cold) run is the measurement.
        return { median: ms, min: ms, max: ms, runs: 1, warmups: 0 };
      }
      warmups += 1;
      if (ms > 1_000) wanted = Math.min(wanted, 3);
      if (ms > 1_000) break;
    }
    while (samples.length < wanted) {
      const t0 = performance.now();
      await fn();
      samples.push(performance.now() - t0);
      if (performance.now() - started > budget) break;
    }
  } catch (error) {
    return { median: Number.NaN, min: Number.NaN, max: Number.NaN, runs: samples.length, warmups, error: describeError(error) };
  }
  return { median: median(samples), min: Math.min(...samples), max: Math.max(...samples), runs: samples.length, warmups };
}

/**
 * A short description of an error (code and first line of the message).
 *
 * @example
 * ```ts
 * describeError(new Error('boom')); // 'boom'
 * ```
 */
export function describeError(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    const first = error.message.split('\n')[0] ?? '';
    return code ? `${String(code)}: ${first}` : first;
  }
  return String(error);
}

/**
 * Formats milliseconds for a table: 3 significant digits, `-` for missing.
 *
 * @example
 * ```ts
 * formatMs(0.12345); // '0.123'
 * ```
 */
export function formatMs(ms: number | null | undefined): string {
  // Results read back from JSON carry null where a figure was NaN.
  if (typeof ms !== 'number' || Number.isNaN(ms)) return '-';
  if (ms >= 100) return ms.toFixed(0);
  if (ms >= 10) return ms.toFixed(1);
  if (ms >= 1) return ms.toFixed(2);
  return ms.toFixed(3);
}

/**
 * Formats a ratio: `1.23x`, `-` for missing.
 *
 * @example
 * ```ts
 * formatRatio(12.345); // '12.3x'
 * ```
 */
export function formatRatio(ratio: number | null | undefined): string {
  if (typeof ratio !== 'number' || !Number.isFinite(ratio)) return '-';
  return ratio >= 10 ? `${ratio.toFixed(1)}x` : `${ratio.toFixed(2)}x`;
}
