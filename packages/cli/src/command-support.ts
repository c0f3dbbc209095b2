import { operationSchema, OPERATIONS, type AttributeType, type Operation, type Rowguard } from '@rowguard/core';
import { criteriaFields, type StoreContext } from '@rowguard/core/extension';
import { DEFAULT_DOMAIN } from '@rowguard/policy';
import { connectionTimeouts, stringOption } from './cli-args.js';
import { CliError, EXIT, type PolicyProblem } from './cli-errors.js';
import type { CommandContext } from './command-model.js';
import { openEngine, type OpenEngine } from './engine-open.js';
import type { SubjectChoice } from './subject-ref.js';

/**
 * Opens the engine for a command, runs `fn`, and always closes the database.
 *
 * @example
 * ```ts
 * const allowed = await withEngine(ctx, { requireSchema: true }, async (open) => ...);
 * ```
 */
export async function withEngine<T>(
  ctx: CommandContext,
  options: {
    requireSchema: boolean;
    declared?: ReadonlyMap<string, AttributeType> | undefined;
    entityTypes?: ReadonlySet<string>;
    url?: string;
    declaredAt?: (name: string) => PolicyProblem | undefined;
  },
  fn: (open: OpenEngine) => Promise<T>,
): Promise<T> {
  const open = await openEngine(options.url ?? ctx.dbUrl, {
    ...options,
    secondDegree: ctx.args.values['second-degree'] === true,
    timeouts: connectionTimeouts(ctx.args.values),
    config: stringOption(ctx.args.values, 'config'),
  });
  try {
    return await fn(open);
  } finally {
    await open.close().catch(() => undefined);
  }
}

/**
 * The domain a command works on: `--domain`, else the given fallback (a policy file's), else `default`.
 *
 * @example
 * ```ts
 * domainName(ctx); // 'default'
 * ```
 */
export function domainName(ctx: CommandContext, fallback?: string): string {
  const name = stringOption(ctx.args.values, 'domain') ?? fallback ?? DEFAULT_DOMAIN;
  if (name.length < 1 || name.length > 128) throw new CliError('usage', '--domain must be 1 to 128 characters', EXIT.badInput);
  if (/\p{Cc}/u.test(name)) throw new CliError('usage', '--domain may not contain control characters (NUL, tab, newline, ...)', EXIT.badInput);
  return name;
}

/**
 * Validates an operation argument (exit 2 when it is not one of view, edit, create, delete, search).
 *
 * @example
 * ```ts
 * operationArg('view'); // 'view'
 * ```
 */
export function operationArg(value: string): Operation {
  const parsed = operationSchema.safeParse(value);
  if (!parsed.success) throw new CliError('unknown_operation', `unknown operation '${value}' (expected one of ${OPERATIONS.join(', ')})`, EXIT.badInput);
  return parsed.data;
}

/**
 * The subject options of a command.
 *
 * @example
 * ```ts
 * subjectChoice(ctx); // { as: 'mgr-vn', user: undefined, anonymous: false }
 * ```
 */
export function subjectChoice(ctx: CommandContext): SubjectChoice {
  return {
    as: stringOption(ctx.args.values, 'as'),
    asContactId: stringOption(ctx.args.values, 'as-contact-id'),
    user: stringOption(ctx.args.values, 'user'),
    anonymous: ctx.args.values.anonymous === true,
  };
}

/**
 * The engine's store context (for reading contact facts the way the engine does).
 *
 * @example
 * ```ts
 * const facts = await loadContactFacts(storeContext(engine), [12]);
 * ```
 */
export function storeContext(engine: Rowguard): StoreContext {
  return { db: engine.db, tables: engine.tables, contacts: engine.config.contacts, fields: criteriaFields(engine.config.contacts) };
}

/**
 * The `--actor` recorded in the audit log (default `rowguard-cli`).
 *
 * @example
 * ```ts
 * actorOf(ctx); // 'rowguard-cli'
 * ```
 */
export function actorOf(ctx: CommandContext): string {
  const actor = stringOption(ctx.args.values, 'actor') ?? 'rowguard-cli';
  if (actor.length < 1 || actor.length > 191) throw new CliError('usage', '--actor must be 1 to 191 characters', EXIT.badInput);
  return actor;
}
