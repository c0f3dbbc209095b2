import fc from 'fast-check';

/**
 * `fc.assert` for an async property that returns only once no run is left in flight.
 *
 * With `interruptAfterTimeLimit`, fast-check races the run in flight against the time limit and returns as soon
 * as the limit passes, while that run goes on in the background: the next test (or the `afterAll` closing the
 * database) then meets a world still being written or truncated. This waits for the interrupted run to finish,
 * and fails with its error if it found a counterexample after the limit (unshrunk: the budget is spent).
 *
 * @example
 * ```ts
 * await assertSettled(fc.asyncProperty(worldArbitrary, async (spec) => check(spec)), { ...budget.start(), seed: SEED });
 * ```
 */
export async function assertSettled<Ts>(property: fc.IAsyncProperty<Ts>, params: fc.Parameters<Ts>): Promise<void> {
  let inFlight: Promise<fc.PreconditionFailure | fc.PropertyFailure | null> = Promise.resolve(null);
  const tracked: fc.IAsyncProperty<Ts> = {
    isAsync: () => true,
    generate: (mrng, runId) => property.generate(mrng, runId),
    shrink: (value) => property.shrink(value),
    run: (value) => (inFlight = property.run(value)),
    runBeforeEach: () => property.runBeforeEach(),
    runAfterEach: () => property.runAfterEach(),
  };
  const outcome = await fc.assert(tracked, params).then(
    () => undefined,
    (error: unknown) => ({ error }),
  );
  const last = await inFlight;
  if (outcome) throw outcome.error;
  if (last !== null && !fc.PreconditionFailure.isFailure(last)) {
    throw new Error('a run interrupted by the time limit failed after it', { cause: last.error });
  }
}
