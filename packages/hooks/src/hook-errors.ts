import { RowguardError } from '@rowguard/core';

/** Why a tap failed: it threw (or rejected), returned a value of the wrong shape, ran out of time, or an interceptor threw. */
export type TapFailureReason = 'threw' | 'invalid-result' | 'timeout' | 'interceptor-threw';

/**
 * A tap failed. The decision it took part in denies (fail closed); the error names the hook and the tap, and
 * is reported through `events.tapFailed` (and, when a decision denies because of it, the engine's `onError`).
 *
 * @example
 * ```ts
 * rg.hooks.events.tapFailed.tap('log', (err) => {
 *   console.error(`${err.hook}: tap '${err.tap}' ${err.reason}`, err.details);
 * });
 * ```
 */
export class HookTapError extends RowguardError {
  override readonly name = 'HookTapError';
  constructor(
    /** The extension point, e.g. `access.groups` or `permissionCheck.export contacts`. */
    readonly hook: string,
    /** The tap's name (or the interceptor's, for `interceptor-threw`). */
    readonly tap: string,
    readonly reason: TapFailureReason,
    message: string,
    readonly details: Readonly<Record<string, unknown>> = {},
    options: { cause?: unknown } = {},
  ) {
    super(`hook ${hook}: tap '${tap}' ${message}`, options);
  }
}

/** Machine-readable reasons for a {@link HookUsageError}. */
export type HookUsageCode =
  | 'invalid_options'
  | 'invalid_tap'
  | 'duplicate_tap'
  | 'interceptor_not_allowed'
  | 'extension_taken'
  | 'invalid_plugin';

/**
 * The hooks were used the wrong way (an unnamed or duplicate tap, a plugin interceptor that tries to rewrite
 * taps, a second engine on one hooks object). Thrown at once, at set-up time.
 *
 * @example
 * ```ts
 * try {
 *   rg.hooks.access.for('groups').tap('og-sync', () => undefined);
 *   rg.hooks.access.for('groups').tap('og-sync', () => undefined);
 * } catch (err) {
 *   if (err instanceof HookUsageError) console.log(err.code); // 'duplicate_tap'
 * }
 * ```
 */
export class HookUsageError extends RowguardError {
  override readonly name = 'HookUsageError';
  constructor(
    readonly code: HookUsageCode,
    message: string,
    readonly details: Readonly<Record<string, unknown>> = {},
  ) {
    super(message);
  }
}

/**
 * Thrown inside a result check when a tap's return value is unacceptable; the tap runner turns it into a
 * {@link HookTapError} with reason `invalid-result` naming the tap.
 *
 * @example
 * ```ts
 * throw new TapResultProblem('group 9 is not a static group of domain 1', { groupId: 9 });
 * ```
 */
export class TapResultProblem extends RowguardError {
  override readonly name = 'TapResultProblem';
  constructor(
    message: string,
    readonly details: Readonly<Record<string, unknown>> = {},
  ) {
    super(message);
  }
}
