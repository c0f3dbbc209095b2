import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  connectDatabase,
  DEFAULT_TIMEOUTS,
  createRowguard,
  MissingDriverError,
  type AttributeType,
  type DatabaseConnection,
  type Domain,
  type Rowguard,
  type RowguardOptions,
} from '@rowguard/core';
import { engineSettingsFor } from '@rowguard/policy';
import type { CliTimeouts } from './cli-args.js';
import { CliError, EXIT, redactUrls, toCliError, type PolicyProblem } from './cli-errors.js';
import { loadConfigModule, resolveConfig, withConfig, type RowguardConfig } from './config-module.js';

/**
 * The table prefix the CLI uses (the engine's default).
 *
 * @example
 * ```ts
 * tableNames(TABLE_PREFIX).entry; // 'rg_entry'
 * ```
 */
export const TABLE_PREFIX = 'rg_';

/**
 * An open database with an engine on it, and the errors the engine reported while deciding (fail closed).
 *
 * @example
 * ```ts
 * const open: OpenEngine = await openEngine('sqlite:./rowguard.sqlite', { requireSchema: true });
 * ```
 */
export interface OpenEngine {
  readonly url: string;
  readonly connection: DatabaseConnection;
  readonly engine: Rowguard;
  /** Whether the schema existed when the database was opened. */
  readonly hasSchema: boolean;
  /** The attributes the engine was created with (existing columns plus declared ones). */
  readonly attributes: ReadonlyMap<string, AttributeType>;
  /** Errors reported through the engine's `onError` (each turned a decision into a deny). */
  readonly reported: unknown[];
  /** The options the engine was created with (config module included), for another engine on the same database. */
  readonly engineOptions: RowguardOptions;
  /** The `--config` module's settings, when one was given. */
  readonly config: RowguardConfig | undefined;
  close(): Promise<void>;
}

/**
 * Opens the database named by a URL and creates the engine on it. Attributes come from the contact table's
 * existing columns plus `declared` (a policy file's declarations; a type that contradicts an existing column is
 * refused, exit 2: see `engineSettingsFor` in `@rowguard/policy`). With `requireSchema`, a database without the
 * engine's schema is refused (exit 3) and a missing SQLite file is never created. Connection failures, cut
 * connections and timeouts exit 3; a database driver that is not installed exits 3 saying how to install it. With
 * `config` (`--config FILE`), the module's hooks, permission provider, permissions and engine options are those
 * of the engine, so decisions are the application's (see `config-module.ts`); a bad module exits 2.
 *
 * @example
 * ```ts
 * const open = await openEngine('sqlite:./rowguard.sqlite', { requireSchema: true });
 * try { ... } finally { await open.close(); }
 * ```
 */
export async function openEngine(
  url: string,
  options: {
    requireSchema: boolean;
    declared?: ReadonlyMap<string, AttributeType> | undefined;
    /** Host object types the policy declares (stored ones are added). */
    entityTypes?: ReadonlySet<string> | undefined;
    /** Second-degree relationship permissions (an engine setting; off by default). */
    secondDegree?: boolean | undefined;
    /** Where a declared attribute is written (a policy file's line), for the type-conflict error. */
    declaredAt?: ((name: string) => PolicyProblem | undefined) | undefined;
    /** Connection limits (`--connect-timeout`, `--statement-timeout`); a decision may take both together. */
    timeouts?: CliTimeouts | undefined;
    /** A config module (`--config`): the host's hooks, permission provider and engine options. */
    config?: string | undefined;
  },
): Promise<OpenEngine> {
  const connectTimeoutMs = options.timeouts?.connectTimeoutMs ?? DEFAULT_TIMEOUTS.connectTimeoutMs;
  const statementTimeoutMs = options.timeouts?.statementTimeoutMs ?? DEFAULT_TIMEOUTS.statementTimeoutMs;
  if (url.startsWith('sqlite:')) {
    const path = url.slice('sqlite:'.length);
    if (options.requireSchema && path !== '' && path !== ':memory:' && !existsSync(resolve(path))) {
      throw new CliError('no_database', `database file ${path} does not exist (run \`rowguard migrate\` or \`rowguard apply <file>\` first)`, EXIT.database);
    }
  } else if (!/^(mysql|mariadb|postgres|postgresql):\/\//.test(url)) {
    throw new CliError('bad_database_url', `unsupported database URL '${redactUrls(url)}' (use sqlite:<path>, mysql://... or postgres://...)`, EXIT.badInput);
  }
  // The module is imported before connecting, so a bad file fails fast; it is resolved against the open database.
  const loaded = options.config === undefined ? undefined : await loadConfigModule(options.config);
  let connection: DatabaseConnection;
  try {
    connection = await connectDatabase(url, { poolSize: 4, connectTimeoutMs, statementTimeoutMs });
  } catch (err) {
    if (err instanceof MissingDriverError) throw missingDriver(err);
    const e = toCliError(err);
    throw new CliError('database_error', `cannot open ${redactUrls(url)}: ${e.message}`, EXIT.database);
  }
  try {
    const config = loaded ? await resolveConfig(loaded, { db: connection.db, dialect: connection.dialect }) : undefined;
    const tablePrefix = config?.engineOptions?.tablePrefix ?? TABLE_PREFIX;
    // Attributes and host object types: the database's columns and stored entries, plus what a policy declares.
    const settings = await engineSettingsFor(connection.db, connection.dialect, {
      tablePrefix,
      declared: options.declared,
      entityTypes: options.entityTypes,
      declaredAt: options.declaredAt,
    });
    const { hasSchema } = settings;
    if (options.requireSchema && !hasSchema) {
      throw new CliError('no_schema', `${redactUrls(url)} has no rowguard schema (run \`rowguard migrate\` or \`rowguard apply <file>\` first)`, EXIT.database);
    }
    const reported: unknown[] = [];
    const configured = withConfig(
      {
        db: connection.db,
        dialect: connection.dialect,
        tablePrefix,
        ...settings.config,
        relationships: { secondDegree: options.secondDegree === true },
        onError: (error) => reported.push(error),
        decisionTimeoutMs: connectTimeoutMs + statementTimeoutMs,
      },
      config,
    );
    // `--second-degree` on the command line wins over the config module's setting.
    const engineOptions: RowguardOptions = options.secondDegree === true ? { ...configured, relationships: { secondDegree: true } } : configured;
    const engine = createRowguard(engineOptions);
    return { url, connection, engine, hasSchema, attributes: settings.attributes, reported, engineOptions, config, close: () => connection.close() };
  } catch (err) {
    await connection.close().catch(() => undefined);
    throw toCliError(err);
  }
}

/**
 * The CLI's error for a database driver that is not installed (exit 3): the drivers are optional peer
 * dependencies, so a project installs only the one its database needs; the message names the package and the
 * command that installs it.
 *
 * @example
 * ```ts
 * missingDriver(new MissingDriverError('pg', 'a postgres:// URL')).code; // 'missing_driver'
 * ```
 */
export function missingDriver(err: MissingDriverError): CliError {
  return new CliError(
    'missing_driver',
    `${err.purpose} needs the database driver '${err.driver}', which is not installed; install it next to @rowguard/cli: \`npm install ${err.driver}\` (or \`pnpm add ${err.driver}\`)`,
    EXIT.database,
  );
}

/**
 * The domain with this name. With `create: false` a missing domain is refused (exit 2) instead of created.
 *
 * @example
 * ```ts
 * const domain = await openDomain(open.engine, 'default', { create: false });
 * ```
 */
export async function openDomain(engine: Rowguard, name: string, options: { create: boolean }): Promise<Domain> {
  if (!options.create) {
    const known = await engine.domains();
    if (!known.some((d) => d.name === name)) {
      throw new CliError(
        'unknown_domain',
        `domain '${name}' does not exist${known.length > 0 ? ` (known: ${known.map((d) => d.name).join(', ')})` : ''}`,
        EXIT.badInput,
      );
    }
  }
  return engine.domain(name);
}

/**
 * Throws the first error the engine reported while deciding (so a decision that failed closed still exits
 * non-zero: 2 for bad input, 3 for a database failure).
 *
 * @example
 * ```ts
 * const allowed = await session.check('view', id);
 * throwReported(open); // exit 3 if the check failed on a database error
 * ```
 */
export function throwReported(open: OpenEngine): void {
  const first = open.reported[0];
  if (first !== undefined) throw toCliError(first);
}
