/**
 * Time budgets for the long property suites (the differential suites).
 *
 * A fixed number of random worlds times out on a busy machine; a budget does not. Each suite runs worlds until
 * either its cap (the count it used to run) or its time budget is reached, then reports how many it covered and
 * whether the budget cut it short. A suite that covered fewer than {@link MIN_COVERED} worlds fails: a budget must
 * never turn into a test that checks nothing.
 *
 * Environment:
 * - `ROWGUARD_PROPERTY_BUDGET_MS`: the budget of every property, in milliseconds (overrides each suite's default);
 * - `ROWGUARD_FC_RUNS`: an exact number of runs, with no time limit (to replay a failure or to run long).
 *
 * @example
 * ```ts
 * const budget = propertyBudget({ budgetMs: 45_000, maxRuns: 100 });
 * await assertSettled(property, { ...budget.start(), seed: SEED }); // see settled-assert.ts
 * budget.report('[differential] sqlite', worlds); // throws when fewer than MIN_COVERED worlds ran
 * ```
 */
export interface PropertyBudget {
  /** Starts the clock; returns fast-check parameters: the run cap and, unless an exact count was asked, the time limit. */
  start(): { readonly numRuns: number; readonly interruptAfterTimeLimit?: number; readonly markInterruptAsFailure: false };
  /** The budget in milliseconds (Infinity when an exact count was asked). */
  readonly budgetMs: number;
  /** A vitest timeout that leaves room for the last world and the set-up after the budget. */
  readonly testTimeoutMs: number;
  /** Prints what was covered and fails when fewer than {@link MIN_COVERED} worlds ran. */
  report(label: string, covered: number, details?: string): void;
}

/** The fewest worlds a budgeted property may cover and still pass. */
export const MIN_COVERED = 3;

/** Room left after the budget for the world in flight and the suite's own set-up. */
const SLACK_MS = 180_000;

function positiveNumber(name: string): number | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number, got ${JSON.stringify(raw)}`);
  return n;
}

/**
 * The budget for one property: at most `maxRuns` worlds within `budgetMs` (both overridable from the environment).
 *
 * @example
 * ```ts
 * const budget = propertyBudget({ budgetMs: 30_000, maxRuns: 50 });
 * it('agrees', async () => {
 *   await assertSettled(property, { ...budget.start(), seed: 1 });
 *   budget.report('[suite] sqlite', worlds);
 * }, budget.testTimeoutMs);
 * ```
 */
export function propertyBudget(defaults: { budgetMs: number; maxRuns: number }): PropertyBudget {
  const exactRuns = positiveNumber('ROWGUARD_FC_RUNS');
  const budgetMs = exactRuns === undefined ? (positiveNumber('ROWGUARD_PROPERTY_BUDGET_MS') ?? defaults.budgetMs) : Number.POSITIVE_INFINITY;
  const numRuns = exactRuns ?? defaults.maxRuns;
  let started = Date.now();
  return {
    start() {
      started = Date.now();
      return exactRuns === undefined ? { numRuns, interruptAfterTimeLimit: budgetMs, markInterruptAsFailure: false } : { numRuns, markInterruptAsFailure: false };
    },
    budgetMs,
    testTimeoutMs: exactRuns === undefined ? budgetMs + SLACK_MS : 24 * 3_600_000,
    report(label, covered, details) {
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      const cut = covered < numRuns ? `stopped by the ${Math.round(budgetMs / 1000)} s budget` : `all ${numRuns} planned`;
      console.log(`${label}: ${covered} random case(s) in ${seconds} s (${cut})${details ? `; ${details}` : ''}`);
      if (covered < Math.min(MIN_COVERED, numRuns)) {
        throw new Error(`${label}: only ${covered} random case(s) ran within the budget (at least ${Math.min(MIN_COVERED, numRuns)} required); raise ROWGUARD_PROPERTY_BUDGET_MS`);
      }
    },
  };
}
