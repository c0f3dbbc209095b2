import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  engineConfigSchema,
  permissionDefinitionSchema,
  type DialectKind,
  type EngineConfigInput,
  type PermissionDefinition,
  type PermissionProvider,
  type RowguardOptions,
} from '@rowguard/core';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { CliError, EXIT } from './cli-errors.js';

/**
 * What a config module may set: the host's hooks (a `RowguardHooks` object from `@rowguard/hooks`, or a raw engine
 * `extension`), its permission provider, the functional permissions it declares, and engine options (table
 * prefix, contact table and attributes, clause shape, relationships, host object types, decision time limit) as
 * the application passes them to `createRowguard`.
 *
 * @example
 * ```ts
 * // rowguard.config.mjs
 * import { createRowguardHooks } from '@rowguard/hooks';
 * const hooks = createRowguardHooks();
 * hooks.plugin((h) => h.access.for('groups').tapPromise('teams', async (ids) => [...ids, 7]));
 * export default { hooks, permissionProvider: ({ userId }) => (userId === 'wp:1' ? ['administer CRM'] : []) };
 * ```
 */
export interface RowguardConfig {
  /** Anything with `engineOptions(options)` that adds an extension (a `RowguardHooks` object). */
  readonly hooks?: { engineOptions(options: RowguardOptions): RowguardOptions } | undefined;
  /** A raw engine extension (instead of `hooks`). */
  readonly extension?: RowguardOptions['extension'];
  readonly permissionProvider?: PermissionProvider | undefined;
  readonly permissions?: readonly PermissionDefinition[] | undefined;
  readonly engineOptions?: EngineOptionsInput | undefined;
}

/**
 * The engine options a config module may set (everything of `createRowguard`'s configuration but the database).
 *
 * @example
 * ```ts
 * const options: EngineOptionsInput = { tablePrefix: 'crm_', relationships: { secondDegree: true } };
 * ```
 */
export type EngineOptionsInput = Pick<EngineConfigInput, 'tablePrefix' | 'clauseShape' | 'relationships' | 'entityTypes' | 'contacts' | 'decisionTimeoutMs'>;

/**
 * What a config module's function export receives: the CLI's open database, so a permission provider or a hook
 * can read the host's tables on the same connection.
 *
 * @example
 * ```ts
 * export default ({ db }: ConfigContext) => ({ permissionProvider: async ({ userId }) => rolesOf(db, userId) });
 * ```
 */
export interface ConfigContext {
  readonly db: Kysely<any>;
  readonly dialect: DialectKind;
}

const isFunction = (v: unknown) => typeof v === 'function';
const isObject = (v: unknown) => typeof v === 'object' && v !== null;

/**
 * zod schema of a config module's settings (see {@link RowguardConfig}); unknown keys are refused, so a typo does
 * not silently change nothing.
 *
 * @example
 * ```ts
 * rowguardConfigSchema.parse({ permissionProvider: () => [] });
 * ```
 */
export const rowguardConfigSchema = z
  .object({
    hooks: z
      .custom<NonNullable<RowguardConfig['hooks']>>((v) => isObject(v) && isFunction((v as { engineOptions?: unknown }).engineOptions), {
        message: 'must be a RowguardHooks object (createRowguardHooks() from @rowguard/hooks)',
      })
      .optional(),
    extension: z.custom<NonNullable<RowguardConfig['extension']>>(isObject, { message: 'must be an engine extension object' }).optional(),
    permissionProvider: z.custom<PermissionProvider>(isFunction, { message: 'must be a function ({ userId, contactId, domainId }) => permission names' }).optional(),
    permissions: z.array(permissionDefinitionSchema).max(10_000).optional(),
    engineOptions: engineConfigSchema.pick({ tablePrefix: true, clauseShape: true, relationships: true, entityTypes: true, contacts: true, decisionTimeoutMs: true }).partial().optional(),
  })
  .strict()
  .refine((c) => !(c.hooks && c.extension), { message: 'give either hooks or extension, not both', path: ['extension'] });

/**
 * A config module that cannot be used: missing, failing to load, or exporting the wrong shape (exit 2). `issues`
 * holds zod's issues for a wrong shape.
 *
 * @example
 * ```ts
 * if (err instanceof ConfigModuleError) console.error(err.file, err.issues);
 * ```
 */
export class ConfigModuleError extends CliError {
  override readonly name = 'ConfigModuleError';
  constructor(
    readonly file: string,
    code: 'config_not_found' | 'config_load_failed' | 'invalid_config',
    message: string,
    readonly issues: readonly z.core.$ZodIssue[] = [],
    options: { cause?: unknown } = {},
  ) {
    super(code, message, EXIT.badInput);
    if (options.cause !== undefined) this.cause = options.cause;
  }
}

/** What a loaded module exports: settings, or a function that gives them for an open database. */
type ConfigSource = Record<string, unknown> | ((context: ConfigContext) => unknown);

/**
 * A config module, imported and ready to be resolved against the open database by {@link resolveConfig}.
 *
 * @example
 * ```ts
 * const loaded: LoadedConfig = await loadConfigModule('./rowguard.config.mjs');
 * ```
 */
export interface LoadedConfig {
  readonly file: string;
  readonly source: ConfigSource;
}

/**
 * Imports a config module (ESM: `.mjs`, or `.js` in a `"type": "module"` package; resolved from the current
 * directory). It exports its settings as `default` (an object, or a function of {@link ConfigContext} returning
 * one, possibly async) or as named exports `hooks`, `extension`, `permissionProvider`, `permissions`,
 * `engineOptions`. A missing file or one that fails to load throws {@link ConfigModuleError} (exit 2).
 *
 * @example
 * ```ts
 * const loaded = await loadConfigModule('rowguard.config.mjs');
 * ```
 */
export async function loadConfigModule(path: string): Promise<LoadedConfig> {
  const file = resolve(path);
  if (!existsSync(file)) throw new ConfigModuleError(path, 'config_not_found', `config module ${path} does not exist`);
  let module: Record<string, unknown>;
  try {
    module = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (err) {
    throw new ConfigModuleError(path, 'config_load_failed', `config module ${path} failed to load: ${err instanceof Error ? err.message : String(err)}`, [], { cause: err });
  }
  if ('default' in module) {
    const d = module.default;
    if (typeof d === 'function') return { file: path, source: d as (context: ConfigContext) => unknown };
    return { file: path, source: d as Record<string, unknown> };
  }
  return { file: path, source: Object.fromEntries(Object.entries(module).filter(([k]) => k !== '__esModule')) };
}

/**
 * Resolves a loaded config module against the open database (calling its function export) and validates the
 * settings; a wrong shape or a throwing function throws {@link ConfigModuleError} (exit 2) naming every problem.
 *
 * @example
 * ```ts
 * const config = await resolveConfig(loaded, { db, dialect: 'mysql' });
 * ```
 */
export async function resolveConfig(loaded: LoadedConfig, context: ConfigContext): Promise<RowguardConfig> {
  let value: unknown;
  try {
    value = typeof loaded.source === 'function' ? await loaded.source(context) : loaded.source;
  } catch (err) {
    throw new ConfigModuleError(loaded.file, 'config_load_failed', `config module ${loaded.file}: its default export threw: ${err instanceof Error ? err.message : String(err)}`, [], { cause: err });
  }
  const parsed = rowguardConfigSchema.safeParse(value ?? {});
  if (!parsed.success) {
    throw new ConfigModuleError(loaded.file, 'invalid_config', `config module ${loaded.file} exports an invalid configuration:\n${z.prettifyError(parsed.error)}`, parsed.error.issues);
  }
  // The raw values go to the engine (it validates and applies defaults itself); only the keys given are kept.
  const raw = (isObject(value) ? value : {}) as RowguardConfig;
  return {
    ...(raw.hooks ? { hooks: raw.hooks } : {}),
    ...(raw.extension ? { extension: raw.extension } : {}),
    ...(raw.permissionProvider ? { permissionProvider: raw.permissionProvider } : {}),
    ...(raw.permissions ? { permissions: raw.permissions } : {}),
    ...(raw.engineOptions ? { engineOptions: raw.engineOptions } : {}),
  };
}

/**
 * The `createRowguard` options with a config's settings merged in: its engine options over the CLI's, its
 * permission provider and permissions, and its hooks' (or raw) extension.
 *
 * @example
 * ```ts
 * const engine = createRowguard(withConfig({ db, dialect: 'sqlite', tablePrefix: 'rg_' }, config));
 * ```
 */
export function withConfig(options: RowguardOptions, config: RowguardConfig | undefined): RowguardOptions {
  if (!config) return options;
  const e = config.engineOptions ?? {};
  const merged: RowguardOptions = {
    ...options,
    ...e,
    // The attributes the database holds stay known unless the config says where contacts live.
    contacts: e.contacts ?? options.contacts,
    ...(config.permissionProvider ? { permissionProvider: config.permissionProvider } : {}),
    permissions: [...(options.permissions ?? []), ...(config.permissions ?? [])],
    ...(config.extension ? { extension: config.extension } : {}),
  };
  return config.hooks ? config.hooks.engineOptions(merged) : merged;
}
