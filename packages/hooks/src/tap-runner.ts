import { HookTapError } from './hook-errors.js';

/** A registered tap as tapable keeps it (`hook.taps`, already ordered by `stage` and `before`). */
export interface TapInfo {
  readonly name: string;
  readonly type: 'sync' | 'async' | 'promise';
  readonly fn: unknown;
  readonly stage?: number;
  readonly before?: string | string[];
}

/** A tapable interceptor, as the runner calls it (same handlers, same order, same arguments as tapable). */
export interface InterceptorInfo {
  readonly name?: string;
  call?(...args: never[]): void;
  tap?(tap: never): void;
  error?(err: never): void;
  result?(result: never): void;
  done?(): void;
}

/** What the runner needs of a tapable hook. */
export interface TapSource {
  readonly name: string | undefined;
  readonly taps: readonly TapInfo[];
  readonly interceptors: readonly InterceptorInfo[];
}

type Handler = 'call' | 'tap' | 'error' | 'result' | 'done';

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function noop(): void {}

/** Calls one handler of every interceptor, in registration order, as tapable does; a throwing interceptor is a tap failure. */
function notify(source: TapSource, handler: Handler, args: readonly unknown[]): void {
  for (const interceptor of source.interceptors) {
    const fn = interceptor[handler] as ((...a: unknown[]) => void) | undefined;
    if (fn === undefined) continue;
    try {
      fn.apply(interceptor, [...args]);
    } catch (err) {
      const name = interceptor.name ?? '(anonymous interceptor)';
      throw new HookTapError(source.name ?? '(unnamed hook)', name, 'interceptor-threw', `(interceptor) threw in '${handler}': ${describe(err)}`, {}, { cause: err });
    }
  }
}

/** Calls the error handlers without letting a second failure hide the first. */
function notifyError(source: TapSource, error: HookTapError): void {
  try {
    notify(source, 'error', [error]);
  } catch {
    // The tap's own failure is what gets reported; a throwing error handler adds nothing.
  }
}

function snapshotOf(tap: TapInfo): Readonly<TapInfo> {
  return Object.freeze({ ...tap });
}

function timeoutError(hook: string, tap: TapInfo, timeoutMs: number): HookTapError {
  return new HookTapError(hook, tap.name, 'timeout', `did not answer within ${timeoutMs} ms`, { timeoutMs });
}

/**
 * Runs one tap with a time limit: a promise (or callback) that does not settle in time, or a synchronous tap
 * that blocks longer than the limit, fails with reason `timeout`; a throw or rejection fails with `threw`. A
 * late answer of a timed-out tap is ignored.
 *
 * @example
 * ```ts
 * const value = await invokeTap('access.groups', hook.taps[0], [[], request], 200);
 * ```
 */
export async function invokeTap(hook: string, tap: TapInfo, args: readonly unknown[], timeoutMs: number): Promise<unknown> {
  const fn = tap.fn as (...a: unknown[]) => unknown;
  const threw = (err: unknown) => new HookTapError(hook, tap.name, 'threw', `threw: ${describe(err)}`, {}, { cause: err });
  const started = performance.now();
  let pending: Promise<unknown>;
  try {
    pending =
      tap.type === 'async'
        ? new Promise((resolve, reject) => {
            fn(...args, (err: unknown, result?: unknown) => (err ? reject(err) : resolve(result)));
          })
        : Promise.resolve(fn(...args));
  } catch (err) {
    throw threw(err);
  }
  pending.catch(noop);
  if (performance.now() - started > timeoutMs) throw timeoutError(hook, tap, timeoutMs);
  let timer: ReturnType<typeof setTimeout> | undefined;
  // The timer is not unref'd: when a tap never settles it is what keeps the process alive until the decision
  // denies (an unref'd timer would let the process exit with no decision at all).
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(timeoutError(hook, tap, timeoutMs)), timeoutMs);
  });
  try {
    return await Promise.race([
      pending.then(
        (value) => value,
        (err: unknown) => {
          throw threw(err);
        },
      ),
      expired,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** How one waterfall call runs: the first value, the arguments of each tap, and how a tap's answer is checked. */
export interface WaterfallRun<V> {
  readonly source: TapSource;
  readonly initial: V;
  /** What the `call` interceptors receive (the hook's arguments). */
  readonly callArgs: readonly unknown[];
  /** The arguments of one tap, given the value so far (a tap may get its own request object). */
  args(tap: TapInfo, value: V): readonly unknown[];
  /** Checks a tap's answer (never `undefined`, which keeps the value) and returns the next value; throws to reject it. */
  accept(tap: TapInfo, output: unknown, input: V): V;
  readonly timeoutMs: number;
}

function rejected(hook: string, tap: TapInfo, err: unknown): HookTapError {
  if (err instanceof HookTapError) return err;
  const details = (err as { details?: unknown } | null)?.details;
  return new HookTapError(
    hook,
    tap.name,
    'invalid-result',
    `returned an invalid value: ${describe(err)}`,
    typeof details === 'object' && details !== null ? (details as Record<string, unknown>) : {},
    { cause: err },
  );
}

/**
 * Runs an async waterfall hook's taps one by one, in tapable's order (`stage`, then `before`, then
 * registration), each under the time limit and with its answer checked; interceptors see `call`, `tap`, then
 * `result` or `error`, exactly as with `hook.promise()`. The first failing tap stops the call with a
 * {@link HookTapError} naming it.
 *
 * @example
 * ```ts
 * const ids = await runWaterfall({ source: hook, initial: [], callArgs: [[], request], args: (_t, v) => [v, request], accept: (_t, out) => idsSchema.parse(out), timeoutMs: 200 });
 * ```
 */
export async function runWaterfall<V>(run: WaterfallRun<V>): Promise<V> {
  const { source } = run;
  const hook = source.name ?? '(unnamed hook)';
  let value = run.initial;
  try {
    notify(source, 'call', run.callArgs);
    for (const tap of [...source.taps]) {
      notify(source, 'tap', [snapshotOf(tap)]);
      value = accepted(run, hook, tap, await invokeTap(hook, tap, run.args(tap, value), run.timeoutMs), value);
    }
    notify(source, 'result', [value]);
    return value;
  } catch (err) {
    throw runnerFailure(source, hook, err);
  }
}

/** A tap's answer folded into the value so far (`undefined` keeps it); a rejected answer names the tap. */
function accepted<V>(run: WaterfallRun<V>, hook: string, tap: TapInfo, output: unknown, value: V): V {
  if (output === undefined) return value;
  try {
    return run.accept(tap, output, value);
  } catch (err) {
    throw rejected(hook, tap, err);
  }
}

/** Any failure of a waterfall as a {@link HookTapError}, announced to the hook's interceptors. */
function runnerFailure(source: TapSource, hook: string, err: unknown): HookTapError {
  const failure = err instanceof HookTapError ? err : new HookTapError(hook, '(runner)', 'threw', describe(err), {}, { cause: err });
  notifyError(source, failure);
  return failure;
}

/**
 * The synchronous form of {@link runWaterfall}, for start-up hooks (`permissions`). A tap that blocks longer
 * than the time limit fails too.
 *
 * @example
 * ```ts
 * const defs = runSyncWaterfall({ source: hook, initial: [], callArgs: [[]], args: (_t, v) => [v], accept: check, timeoutMs: 1000 });
 * ```
 */
export function runSyncWaterfall<V>(run: WaterfallRun<V>): V {
  const { source } = run;
  const hook = source.name ?? '(unnamed hook)';
  let value = run.initial;
  try {
    notify(source, 'call', run.callArgs);
    for (const tap of [...source.taps]) {
      notify(source, 'tap', [snapshotOf(tap)]);
      const started = performance.now();
      let output: unknown;
      try {
        output = (tap.fn as (...a: unknown[]) => unknown)(...run.args(tap, value));
      } catch (err) {
        throw new HookTapError(hook, tap.name, 'threw', `threw: ${describe(err)}`, {}, { cause: err });
      }
      if (performance.now() - started > run.timeoutMs) throw timeoutError(hook, tap, run.timeoutMs);
      value = accepted(run, hook, tap, output, value);
    }
    notify(source, 'result', [value]);
    return value;
  } catch (err) {
    throw runnerFailure(source, hook, err);
  }
}

/**
 * Runs a synchronous observer hook (`events.*`): every tap runs even when another throws; each failure (a
 * throw, a tap blocking longer than the time limit, a throwing interceptor) is handed to `report`.
 * Interceptors see `call`, `tap` per tap, `error` per failure, then `done`.
 *
 * @example
 * ```ts
 * runObservers(hooks.events.entryChanged, [event], (err) => console.error(err), 1000);
 * ```
 */
export function runObservers(source: TapSource, args: readonly unknown[], report: (error: HookTapError) => void, timeoutMs: number): void {
  const hook = source.name ?? '(unnamed hook)';
  const guarded = (step: () => void): void => {
    try {
      step();
    } catch (err) {
      const failure = err instanceof HookTapError ? err : new HookTapError(hook, '(runner)', 'threw', describe(err), {}, { cause: err });
      notifyError(source, failure);
      report(failure);
    }
  };
  guarded(() => notify(source, 'call', args));
  for (const tap of [...source.taps]) {
    guarded(() => {
      notify(source, 'tap', [snapshotOf(tap)]);
      const started = performance.now();
      try {
        (tap.fn as (...a: unknown[]) => unknown)(...args);
      } catch (err) {
        throw new HookTapError(hook, tap.name, 'threw', `threw: ${describe(err)}`, {}, { cause: err });
      }
      if (performance.now() - started > timeoutMs) throw timeoutError(hook, tap, timeoutMs);
    });
  }
  guarded(() => notify(source, 'done', []));
}
