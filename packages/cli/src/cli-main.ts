import { databaseUrl, parseCommandLine, type CommandName } from './cli-args.js';
import { EXIT, formatProblem, toCliError, type ExitCode } from './cli-errors.js';
import type { CliIo } from './cli-io.js';
import { helpCommand, usage } from './command-help.js';
import type { Command } from './command-model.js';

/**
 * The CLI's version (the package's).
 *
 * @example
 * ```ts
 * CLI_VERSION; // '0.1.0'
 * ```
 */
export const CLI_VERSION = '0.1.0';

// Each command is loaded on demand, so usage errors, `help` and `--version` load neither the engine nor the policy
// package, and a `check` does not load the demo.
const COMMANDS: Readonly<Record<CommandName, () => Promise<Command>>> = {
  migrate: async () => (await import('./command-migrate.js')).migrateCommand,
  apply: async () => (await import('./command-apply.js')).applyCommand,
  export: async () => (await import('./command-export.js')).exportCommand,
  check: async () => (await import('./command-check.js')).checkCommand,
  explain: async () => (await import('./command-explain.js')).explainCommand,
  list: async () => (await import('./command-list.js')).listCommand,
  sql: async () => (await import('./command-sql.js')).sqlCommand,
  create: async () => (await import('./command-create.js')).createCommand,
  sync: async () => (await import('./command-sync.js')).syncCommand,
  demo: async () => (await import('./command-demo.js')).demoCommand,
  schema: async () => (await import('./command-schema.js')).schemaCommand,
  serve: async () => (await import('./command-serve.js')).serveCommand,
  help: async () => helpCommand,
};

/**
 * Runs the `rowguard` command line and returns the exit code: 0 ok / allowed, 1 denied, 2 bad input,
 * 3 database (or other runtime) error. With `--json`, stdout holds exactly one JSON document, errors included
 * (`{ ok: false, error: { code, message, problems } }`); otherwise results go to stdout and errors to stderr.
 *
 * @example
 * ```ts
 * const code = await runCli(['check', '--as', 'mgr-vn', 'view', 'sales-fr-1'], processIo(), process.env);
 * ```
 */
export async function runCli(argv: readonly string[], io: CliIo, env: Readonly<Record<string, string | undefined>>): Promise<ExitCode> {
  const json = argv.includes('--json');
  let command: string | undefined;
  try {
    const args = parseCommandLine(argv);
    command = args.command;
    if (args.values.version === true) {
      io.out(json ? `${JSON.stringify({ ok: true, version: CLI_VERSION })}\n` : `rowguard ${CLI_VERSION}\n`);
      return EXIT.ok;
    }
    if (args.command === undefined || (args.values.help === true && args.command === 'help')) {
      io.out(json ? `${JSON.stringify({ ok: true, usage: usage() })}\n` : usage());
      return args.command === undefined && argv.length > 0 && args.values.help !== true ? EXIT.badInput : EXIT.ok;
    }
    const run = args.values.help === true ? helpCommand : await COMMANDS[args.command]();
    const ctxArgs = args.values.help === true ? { ...args, positionals: [args.command] } : args;
    const result = await run({ args: ctxArgs, io, env, json, dbUrl: databaseUrl(args.values, env) });
    if (json) io.out(`${JSON.stringify(result.bare ? result.json : { ok: true, command: args.command, ...result.json }, null, 2)}\n`);
    else io.out(result.human);
    return result.exitCode;
  } catch (err) {
    const e = toCliError(err);
    if (json) {
      io.out(`${JSON.stringify({ ok: false, command: command ?? null, error: { code: e.code, message: e.message, problems: e.problems } }, null, 2)}\n`);
    } else {
      io.err(`rowguard${command ? ` ${command}` : ''}: ${e.message}\n`);
      for (const p of e.problems) if (!e.message.includes(formatProblem(p))) io.err(`  ${formatProblem(p)}\n`);
    }
    return e.exitCode;
  }
}
