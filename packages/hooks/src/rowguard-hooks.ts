import { contactsConfigSchema, type EngineConfigInput, type PermissionDefinition, type RowguardOptions } from '@rowguard/core';
import { criteriaFields, type EngineExtension } from '@rowguard/core/extension';
import { z } from 'zod';
import { AccessCache } from './access-cache.js';
import type { AccessOutcome } from './access-contribution.js';
import { HookUsageError, type HookTapError } from './hook-errors.js';
import { createHookSet, type RowguardHookSet, type TapEpoch } from './hook-set.js';
import { createHooksExtension } from './hooks-extension.js';
import { declarePermissions } from './permission-checks.js';
import { pluginView, type RowguardHooksView } from './plugin-view.js';
import { runObservers, type TapSource } from './tap-runner.js';

/** Options of {@link createRowguardHooks}. */
export interface RowguardHooksOptions {
  /** How long one tap may take, in milliseconds (1 to 60,000; default 1,000). A slower tap fails: its decision denies. */
  readonly tapTimeoutMs?: number;
  /** How many `access` answers are kept across requests (0 disables reuse; default 10,000). */
  readonly accessCacheSize?: number;
  /** Where tap failures go when no `events.tapFailed` tap takes them (default: `console.error`). */
  readonly onError?: (error: HookTapError) => void;
}

const optionsSchema = z
  .object({
    tapTimeoutMs: z.number().int().min(1).max(60_000).default(1_000),
    accessCacheSize: z.number().int().min(0).max(1_000_000).default(10_000),
    onError: z.custom<(error: HookTapError) => void>((v) => typeof v === 'function', 'must be a function').optional(),
  })
  .strict();

/**
 * A plugin: a function given the plugin view of the hooks, or an object with a `name` and an `apply` method
 * (tapable's convention).
 */
export type RowguardPlugin = ((hooks: RowguardHooksView) => void) | { readonly name: string; apply(hooks: RowguardHooksView): void };

function defaultOnError(error: HookTapError): void {
  console.error(`[rowguard hooks] ${error.message}`);
}

/**
 * The hooks of one engine: the tapable hooks themselves (`hooks`), the plugin entry point, and the engine
 * extension that calls them. Create one per engine.
 *
 * @example
 * ```ts
 * const rg = createRowguardHooks({ tapTimeoutMs: 200 });
 * rg.plugin((hooks) => hooks.access.for('groups').tapPromise('og-sync', async (ids, { subject }) => [...ids, ...(await teamGroups(subject.contactId))]));
 * const engine = createRowguard(rg.engineOptions({ db, contacts }));
 * ```
 */
export class RowguardHooks {
  /** The tapable hooks (full access: tap, intercept; the engine calls them through its extension). */
  readonly hooks: RowguardHookSet;
  readonly #permissionKeys: ReadonlySet<string>;
  readonly #epoch: TapEpoch = { value: 0 };
  readonly #cache: AccessCache<AccessOutcome>;
  readonly #timeoutMs: number;
  readonly #onError: (error: HookTapError) => void;
  readonly #view: RowguardHooksView;
  #extension: EngineExtension | undefined;
  #declared: readonly PermissionDefinition[] | undefined;

  constructor(options: RowguardHooksOptions = {}) {
    const parsed = optionsSchema.safeParse(options);
    if (!parsed.success) {
      throw new HookUsageError('invalid_options', `invalid hooks options: ${z.prettifyError(parsed.error)}`, { issues: parsed.error.issues });
    }
    const { set, permissionKeys } = createHookSet(this.#epoch);
    this.hooks = set;
    this.#permissionKeys = permissionKeys;
    this.#cache = new AccessCache(parsed.data.accessCacheSize);
    this.#timeoutMs = parsed.data.tapTimeoutMs;
    this.#onError = parsed.data.onError ?? defaultOnError;
    this.#view = pluginView(set);
  }

  /** The time limit of one tap, in milliseconds. */
  get tapTimeoutMs(): number {
    return this.#timeoutMs;
  }

  /**
   * Applies a plugin: it gets the view of the hooks (tap and trace, never call).
   *
   * @example
   * ```ts
   * rg.plugin({ name: 'organic-groups', apply: (hooks) => hooks.access.for('contacts').tapPromise('organic-groups', teamScope) });
   * ```
   */
  plugin(plugin: RowguardPlugin): this {
    if (typeof plugin === 'function') plugin(this.#view);
    else if (typeof plugin === 'object' && plugin !== null && typeof plugin.apply === 'function') plugin.apply(this.#view);
    else throw new HookUsageError('invalid_plugin', 'a plugin is a function or an object with an apply(hooks) method', {});
    return this;
  }

  /**
   * The view plugins get (to hand to code that should tap but never call).
   *
   * @example
   * ```ts
   * registerTeamTaps(rg.view());
   * ```
   */
  view(): RowguardHooksView {
    return this.#view;
  }

  /**
   * The engine extension calling these hooks. Pass the engine's contact configuration so criteria from taps
   * are checked against the same fields. One hooks object serves one engine: a second call throws.
   *
   * @example
   * ```ts
   * const engine = createRowguard({ db, contacts, extension: rg.extension({ contacts }), permissions: rg.declaredPermissions() });
   * ```
   */
  extension(config: Pick<EngineConfigInput, 'contacts'> = {}): EngineExtension {
    if (this.#extension) throw new HookUsageError('extension_taken', 'these hooks already serve an engine; create one hooks object per engine', {});
    const contacts = contactsConfigSchema.safeParse(config.contacts ?? {});
    if (!contacts.success) {
      throw new HookUsageError('invalid_options', `invalid contacts configuration: ${z.prettifyError(contacts.error)}`, { issues: contacts.error.issues });
    }
    this.#extension = createHooksExtension({
      set: this.hooks,
      permissionKeys: this.#permissionKeys,
      fields: criteriaFields(contacts.data),
      timeoutMs: this.#timeoutMs,
      cache: this.#cache,
      epoch: this.#epoch,
      announce: (error) => this.#announce(error),
      report: (error) => this.#report(error),
    });
    return this.#extension;
  }

  /**
   * The functional permissions the `permissions` taps declare, computed once (at start-up); a failing tap
   * throws its {@link HookTapError}.
   *
   * @example
   * ```ts
   * createRowguard({ db, permissions: rg.declaredPermissions(), extension: rg.extension() });
   * ```
   */
  declaredPermissions(): readonly PermissionDefinition[] {
    this.#declared ??= declarePermissions(this.hooks, this.#timeoutMs);
    return this.#declared;
  }

  /**
   * The engine options with this object's extension and declared permissions merged in (the contact
   * configuration is taken from the options).
   *
   * @example
   * ```ts
   * const engine = createRowguard(rg.engineOptions({ db, contacts: { attributes: { team_id: { type: 'integer' } } } }));
   * ```
   */
  engineOptions(options: RowguardOptions): RowguardOptions {
    if (options.extension) throw new HookUsageError('extension_taken', 'the engine options already carry an extension', {});
    return {
      ...options,
      extension: this.extension({ contacts: options.contacts }),
      permissions: [...(options.permissions ?? []), ...this.declaredPermissions()],
    };
  }

  /**
   * Forgets the `access` answers that depend on any of these keys (every kept answer when called without
   * keys). Returns how many were dropped. Call it when the host data a tap reads changes.
   *
   * @example
   * ```ts
   * await db.insertInto('team_member').values({ team_id: 4, contact_id: 7 }).execute();
   * rg.invalidate('teams');
   * ```
   */
  invalidate(...keys: string[]): number {
    return this.#cache.invalidate(z.array(z.string().min(1).max(200)).parse(keys));
  }

  #announce(error: HookTapError): void {
    runObservers(this.hooks.events.tapFailed as unknown as TapSource, [error], (e) => this.#onError(e), this.#timeoutMs);
  }

  #report(error: HookTapError): void {
    if (this.hooks.events.tapFailed.taps.length === 0) this.#onError(error);
    else this.#announce(error);
  }
}

/**
 * Creates the hooks of one engine.
 *
 * @example
 * ```ts
 * const rg = createRowguardHooks({ tapTimeoutMs: 200 });
 * ```
 */
export function createRowguardHooks(options: RowguardHooksOptions = {}): RowguardHooks {
  return new RowguardHooks(options);
}
