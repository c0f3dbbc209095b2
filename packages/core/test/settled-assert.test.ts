import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assertSettled } from './support/settled-assert.js';

// The time-budgeted differential suites rely on this: when the budget ends during a run, that run has finished
// (its writes and truncations done) before the suite goes on.
describe('assertSettled (time-budgeted properties)', () => {
  // The first run returns at once; every later run takes 400 ms, so the 200 ms limit falls inside the second.
  const LIMIT = { numRuns: 100, interruptAfterTimeLimit: 200, markInterruptAsFailure: false, seed: 1 } as const;
  const slowProperty = (log: string[], failLate = false) =>
    fc.asyncProperty(fc.integer(), async () => {
      const first = log.length === 0;
      log.push('start');
      if (first) return void log.push('end');
      await new Promise((done) => setTimeout(done, 400));
      log.push('end');
      if (failLate) throw new Error('counterexample after the limit');
    });

  it('plain fc.assert returns while the interrupted run is still going (the behaviour it guards against)', async () => {
    const log: string[] = [];
    await fc.assert(slowProperty(log), LIMIT);
    expect(log).toEqual(['start', 'end', 'start']);
    await new Promise((done) => setTimeout(done, 600));
    expect(log).toEqual(['start', 'end', 'start', 'end']);
  });

  it('returns only after the interrupted run has finished', async () => {
    const log: string[] = [];
    await assertSettled(slowProperty(log), LIMIT);
    expect(log).toEqual(['start', 'end', 'start', 'end']);
  });

  it('fails with the error of a run that failed after the time limit', async () => {
    const failure = await assertSettled(slowProperty([], true), LIMIT).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(Error);
    expect((failure as Error).message).toMatch(/interrupted by the time limit failed/);
    expect(((failure as Error).cause as Error).message).toBe('counterexample after the limit');
  });

  it('passes a failure found within the limit on as fast-check reports it', async () => {
    const property = fc.asyncProperty(fc.integer({ min: 0, max: 10 }), async (n) => {
      await Promise.resolve();
      expect(n).toBeLessThan(5);
    });
    await expect(assertSettled(property, { numRuns: 200, seed: 3 })).rejects.toThrow(/Property failed/);
  });
});
