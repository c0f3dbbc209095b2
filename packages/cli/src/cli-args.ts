import { parseArgs } from 'node:util';
import { CliError, EXIT } from './cli-errors.js';

/**
 * The commands of the `rowguard` binary.
 *
 * @example
 * ```ts
 * COMMANDS.includes('apply'); // true
 * ```
 */
export const COMMANDS = ['migrate', 'apply', 'export', 'check', 'explain', 'list', 'sql', 'create', 'sync', 'demo', 'schema', 'serve', 'help'] as const;
/**
 * A command name.
 *
 * @example
 * ```ts
 * const name: CommandName = 'apply';
 * ```
 */
export type CommandName = (typeof COMMANDS)[number];

const OPTIONS = {
  db: { type: 'string' },
  config: { type: 'string' },
  'contact-id': { type: 'string' },
  'as-contact-id': { type: 'string' },
  domain: { type: 'string' },
  json: { type: 'boolean' },
  'second-degree': { type: 'boolean' },
  quiet: { type: 'boolean', short: 'q' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' },
  as: { type: 'string' },
  user: { type: 'string' },
  anonymous: { type: 'boolean' },
  'dry-run': { type: 'boolean' },
  prune: { type: 'boolean' },
  force: { type: 'boolean' },
  actor: { type: 'string' },
  dialect: { type: 'string' },
  alias: { type: 'string' },
  purpose: { type: 'string' },
  shape: { type: 'string' },
  form: { type: 'string' },
  limit: { type: 'string' },
  after: { type: 'string' },
  out: { type: 'string' },
  format: { type: 'string' },
  port: { type: 'string' },
  'connect-timeout': { type: 'string' },
  'statement-timeout': { type: 'string' },
  host: { type: 'string' },
  'host-db': { type: 'string' },
  prefix: { type: 'string' },
  map: { type: 'string' },
  'email-attribute': { type: 'string' },
  batch: { type: 'string' },
  cursor: { type: 'string' },
} as const;

type OptionName = keyof typeof OPTIONS;

const GLOBAL: readonly OptionName[] = ['db', 'config', 'domain', 'json', 'quiet', 'help', 'second-degree', 'connect-timeout', 'statement-timeout'];
const SUBJECT: readonly OptionName[] = ['as', 'as-contact-id', 'user', 'anonymous'];
const PER_COMMAND: Readonly<Record<CommandName, readonly OptionName[]>> = {
  migrate: [],
  apply: ['dry-run', 'prune', 'force', 'actor'],
  export: ['out', 'format'],
  check: [...SUBJECT, 'contact-id'],
  explain: [...SUBJECT, 'contact-id'],
  list: [...SUBJECT, 'limit', 'after'],
  sql: [...SUBJECT, 'dialect', 'alias', 'purpose', 'shape', 'form'],
  create: [...SUBJECT, 'dry-run', 'actor'],
  sync: ['host', 'host-db', 'prefix', 'map', 'email-attribute', 'batch', 'cursor', 'dry-run', 'force'],
  demo: [],
  schema: [],
  serve: ['as', 'user', 'port'],
  help: [],
};

/**
 * The parsed command line.
 *
 * @example
 * ```ts
 * const args: ParsedArgs = { command: 'check', positionals: ['view', 'sales-vn-1'], values: { as: 'mgr-vn', json: true } };
 * ```
 */
export interface ParsedArgs {
  readonly command: CommandName | undefined;
  readonly positionals: readonly string[];
  readonly values: Readonly<Partial<Record<OptionName, string | boolean>>>;
}

/**
 * Parses the command line with `util.parseArgs`: the first positional is the command, options may come before
 * or after it, and an option that the command does not take is refused (exit 2).
 *
 * @example
 * ```ts
 * parseCommandLine(['check', '--as', 'mgr-vn', 'view', 'sales-vn-1']);
 * // { command: 'check', positionals: ['view', 'sales-vn-1'], values: { as: 'mgr-vn' } }
 * ```
 */
export function parseCommandLine(argv: readonly string[]): ParsedArgs {
  let parsed: ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true; strict: true }>>;
  try {
    parsed = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true });
  } catch (err) {
    throw new CliError('usage', `${(err as Error).message.split('\n')[0]} (see: rowguard help)`, EXIT.badInput);
  }
  const [first, ...rest] = parsed.positionals;
  if (first !== undefined && !(COMMANDS as readonly string[]).includes(first)) {
    throw new CliError('usage', `unknown command '${first}' (commands: ${COMMANDS.join(', ')})`, EXIT.badInput);
  }
  const command = first as CommandName | undefined;
  if (command !== undefined) {
    const allowed = new Set<OptionName>([...GLOBAL, ...PER_COMMAND[command]]);
    for (const name of Object.keys(parsed.values) as OptionName[]) {
      if (!allowed.has(name) && name !== 'version') {
        throw new CliError('usage', `option --${name} does not apply to '${command}' (see: rowguard help ${command})`, EXIT.badInput);
      }
    }
  }
  return { command, positionals: rest, values: parsed.values as ParsedArgs['values'] };
}

/**
 * The database URL: `--db`, else `ROWGUARD_DB`, else `sqlite:./rowguard.sqlite` (in the current directory).
 *
 * @example
 * ```ts
 * databaseUrl({ db: 'mysql://root@127.0.0.1/crm' }, {}); // 'mysql://root@127.0.0.1/crm'
 * ```
 */
export function databaseUrl(values: ParsedArgs['values'], env: Readonly<Record<string, string | undefined>>): string {
  const given = typeof values.db === 'string' ? values.db : env.ROWGUARD_DB;
  return given !== undefined && given !== '' ? given : 'sqlite:./rowguard.sqlite';
}

/** The connection limits of `--connect-timeout` / `--statement-timeout`, in milliseconds (absent: the defaults). */
export interface CliTimeouts {
  readonly connectTimeoutMs?: number;
  readonly statementTimeoutMs?: number;
}

/**
 * The connection limits given on the command line: `--connect-timeout <ms>` (opening a connection) and
 * `--statement-timeout <ms>` (each statement; a decision gets both together). A value that is not a whole
 * number from 1 to 3600000 exits 2.
 *
 * @example
 * ```ts
 * connectionTimeouts({ 'connect-timeout': '2000' }); // { connectTimeoutMs: 2000 }
 * ```
 */
export function connectionTimeouts(values: ParsedArgs['values']): CliTimeouts {
  const read = (name: 'connect-timeout' | 'statement-timeout'): number | undefined => {
    const raw = values[name];
    if (typeof raw !== 'string') return undefined;
    const n = /^\d{1,7}$/.test(raw) ? Number(raw) : NaN;
    if (!(n >= 1 && n <= 3_600_000)) throw new CliError('usage', `--${name} must be a whole number of milliseconds from 1 to 3600000 (got '${raw}')`, EXIT.badInput);
    return n;
  };
  const connect = read('connect-timeout');
  const statement = read('statement-timeout');
  return { ...(connect !== undefined ? { connectTimeoutMs: connect } : {}), ...(statement !== undefined ? { statementTimeoutMs: statement } : {}) };
}

/**
 * A string option's value, or undefined.
 *
 * @example
 * ```ts
 * stringOption(args.values, 'as'); // 'mgr-vn'
 * ```
 */
export function stringOption(values: ParsedArgs['values'], name: OptionName): string | undefined {
  const v = values[name];
  return typeof v === 'string' ? v : undefined;
}

/**
 * Exactly `count` positionals after the command, or exit 2 with the usage.
 *
 * @example
 * ```ts
 * const [operation, contactKey] = expectPositionals(args, 2, 'check --as <key> <operation> <contact-key>');
 * ```
 */
export function expectPositionals(args: ParsedArgs, count: number, usage: string, optional = 0): string[] {
  if (args.positionals.length < count || args.positionals.length > count + optional) {
    throw new CliError('usage', `usage: rowguard ${usage}`, EXIT.badInput);
  }
  return [...args.positionals];
}
