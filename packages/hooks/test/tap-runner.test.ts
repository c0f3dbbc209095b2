import { AsyncSeriesWaterfallHook, SyncHook } from 'tapable';
import { describe, expect, it } from 'vitest';
import { HookTapError, TapResultProblem } from '../src/index.js';
import { runObservers, runWaterfall, type TapSource } from '../src/tap-runner.js';
import { blockFor, sleep } from './support/hooked-world.js';

type Ids = AsyncSeriesWaterfallHook<[ids: readonly number[], label: string], readonly number[] | undefined>;

function idsHook(): Ids {
  return new AsyncSeriesWaterfallHook(['ids', 'label'], 'test.ids');
}

function run(hook: Ids, timeoutMs = 100): Promise<readonly number[]> {
  return runWaterfall<readonly number[]>({
    source: hook as unknown as TapSource,
    initial: [],
    callArgs: [[], 'label'],
    args: (_tap, value) => [value, 'label'],
    accept: (_tap, output) => {
      if (!Array.isArray(output) || output.some((x) => typeof x !== 'number')) throw new TapResultProblem('not ids', { output });
      return output as number[];
    },
    timeoutMs,
  });
}

async function failure(promise: Promise<unknown>): Promise<HookTapError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof HookTapError) return err;
    throw err;
  }
  throw new Error('expected a failure');
}

describe('the tap runner', () => {
  it('runs taps in tapable order (stage, before, registration), threading the value; undefined keeps it', async () => {
    const hook = idsHook();
    hook.tap('one', (ids) => [...ids, 1]);
    hook.tap({ name: 'early', stage: -1 }, (ids) => [...ids, 0]);
    hook.tapPromise({ name: 'two', before: 'one' }, async (ids) => [...ids, 2]);
    hook.tapAsync({ name: 'late', stage: 9 }, (ids, _label, cb) => cb(null, [...ids, 9]));
    hook.tap('nothing', () => undefined);
    expect(hook.taps.map((t) => t.name)).toEqual(['early', 'two', 'one', 'nothing', 'late']);
    expect(await run(hook)).toEqual([0, 2, 1, 9]);
    // Same as tapable's own dispatch.
    expect(await hook.promise([], 'label')).toEqual([0, 2, 1, 9]);
  });

  it('calls interceptors like tapable: call with the arguments, tap before each tap, then result or error', async () => {
    const hook = idsHook();
    hook.tap('a', (ids) => [...ids, 1]);
    hook.tap('b', (ids) => [...ids, 2]);
    const events: unknown[] = [];
    hook.intercept({ call: (ids, label) => events.push(['call', ids, label]), tap: (tap) => events.push(['tap', tap.name, Object.isFrozen(tap)]), result: (r) => events.push(['result', r]) });
    await run(hook);
    expect(events).toEqual([['call', [], 'label'], ['tap', 'a', true], ['tap', 'b', true], ['result', [1, 2]]]);

    const native: unknown[] = [];
    const twin = idsHook();
    twin.tap('a', (ids) => [...ids, 1]);
    twin.tap('b', (ids) => [...ids, 2]);
    twin.intercept({ call: (ids, label) => native.push(['call', ids, label]), tap: (tap) => native.push(['tap', tap.name, true]), result: (r) => native.push(['result', r]) });
    await twin.promise([], 'label');
    expect(events).toEqual(native);

    const errors: string[] = [];
    const broken = idsHook();
    broken.tap('bad', () => ['x'] as never);
    broken.tap('never', (ids) => ids);
    broken.intercept({ error: (err) => errors.push(err.message), tap: (tap) => errors.push(`tap:${tap.name}`) });
    const err = await failure(run(broken));
    expect([err.hook, err.tap, err.reason, err.details]).toEqual(['test.ids', 'bad', 'invalid-result', { output: ['x'] }]);
    expect(errors).toEqual(['tap:bad', err.message]);
  });

  it('fails a tap that throws, rejects, calls back with an error, or whose interceptor throws', async () => {
    const cases: [(h: Ids) => void, string, string][] = [
      [(h) => h.tap('t', () => { throw new Error('boom'); }), 't', 'threw'],
      [(h) => h.tapPromise('t', () => Promise.reject(new Error('boom'))), 't', 'threw'],
      [(h) => h.tapAsync('t', (_i, _l, cb) => cb(new Error('boom'))), 't', 'threw'],
      [(h) => { h.tap('t', (ids) => ids); h.intercept({ name: 'tracer', tap: () => { throw new Error('boom'); } }); }, 'tracer', 'interceptor-threw'],
    ];
    for (const [setup, tap, reason] of cases) {
      const hook = idsHook();
      setup(hook);
      const err = await failure(run(hook));
      expect([err.tap, err.reason]).toEqual([tap, reason]);
      expect(err.message).toMatch(/boom/);
    }
  });

  it('gives every tap a time limit, including synchronous ones that block, and ignores late answers', async () => {
    const slow = idsHook();
    slow.tapPromise('slow', async () => {
      await sleep(80);
      throw new Error('late failure');
    });
    const started = performance.now();
    const err = await failure(run(slow, 20));
    expect([err.tap, err.reason, err.details]).toEqual(['slow', 'timeout', { timeoutMs: 20 }]);
    expect(performance.now() - started).toBeLessThan(70);
    await sleep(100); // the late rejection must not surface as an unhandled rejection

    const silent = idsHook();
    silent.tapAsync('silent', () => undefined);
    expect((await failure(run(silent, 20))).reason).toBe('timeout');

    const blocking = idsHook();
    blocking.tap('blocking', (ids) => {
      blockFor(40);
      return ids;
    });
    expect((await failure(run(blocking, 20))).reason).toBe('timeout');

    const quick = idsHook();
    quick.tapPromise('quick', async (ids) => {
      await sleep(5);
      return [...ids, 1];
    });
    expect(await run(quick, 200)).toEqual([1]);
  });

  it('runs every observer even when one throws, and reports each failure', () => {
    const hook = new SyncHook<[event: string]>(['event'], 'test.events');
    const seen: string[] = [];
    hook.tap('a', (e) => seen.push(`a:${e}`));
    hook.tap('b', () => {
      throw new Error('b failed');
    });
    hook.tap('c', (e) => seen.push(`c:${e}`));
    hook.intercept({ done: () => seen.push('done') });
    const reported: string[] = [];
    runObservers(hook as unknown as TapSource, ['x'], (err) => reported.push(`${err.tap}/${err.reason}`), 100);
    expect(seen).toEqual(['a:x', 'c:x', 'done']);
    expect(reported).toEqual(['b/threw']);
  });
});
