import type { ParsedArgs } from './cli-args.js';
import type { ExitCode } from './cli-errors.js';
import type { CliIo } from './cli-io.js';

/**
 * What a command runs with.
 *
 * @example
 * ```ts
 * const ctx: CommandContext = { args, io, env: process.env, json: false, dbUrl: 'sqlite:./rowguard.sqlite' };
 * ```
 */
export interface CommandContext {
  readonly args: ParsedArgs;
  readonly io: CliIo;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly json: boolean;
  readonly dbUrl: string;
}

/**
 * What a command produced: its exit code, its machine-readable result (printed with `--json`, wrapped in
 * `{ ok, command, ... }` unless `bare`), and its text for people.
 *
 * @example
 * ```ts
 * const result: CommandResult = { exitCode: 0, json: { allowed: true }, human: 'allowed\n' };
 * ```
 */
export interface CommandResult {
  readonly exitCode: ExitCode;
  readonly json: Record<string, unknown>;
  readonly human: string;
  /** Print `json` as is (no envelope): for `export --json` and `schema`, whose output is a document. */
  readonly bare?: boolean;
}

/**
 * A command.
 *
 * @example
 * ```ts
 * const hello: Command = async () => ({ exitCode: 0, json: {}, human: 'hello\n' });
 * ```
 */
export type Command = (ctx: CommandContext) => Promise<CommandResult>;
