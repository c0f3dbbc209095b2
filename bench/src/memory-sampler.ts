/** Peak memory of the benchmark process over a window. */
export interface MemoryPeak {
  readonly peakRssMB: number;
  readonly peakHeapMB: number;
}

/**
 * Samples the process's RSS and heap every 50 ms until stopped, and returns the peaks.
 *
 * @example
 * ```ts
 * const stop = sampleMemory();
 * // ... work ...
 * const { peakRssMB } = stop();
 * ```
 */
export function sampleMemory(): () => MemoryPeak {
  let rss = 0;
  let heap = 0;
  const sample = (): void => {
    const m = process.memoryUsage();
    rss = Math.max(rss, m.rss);
    heap = Math.max(heap, m.heapUsed);
  };
  sample();
  const timer = setInterval(sample, 50);
  timer.unref();
  return () => {
    clearInterval(timer);
    sample();
    return { peakRssMB: Math.round(rss / 1048576), peakHeapMB: Math.round(heap / 1048576) };
  };
}
