import type { Command } from './command-model.js';
import { CliError, EXIT } from './cli-errors.js';

const COMMAND_HELP: Readonly<Record<string, string>> = {
  migrate: 'rowguard migrate [<policy-file>]\n  Create or upgrade the schema (and the attribute columns the policy file declares).',
  apply:
    'rowguard apply <policy-file> [--dry-run] [--prune [--force]] [--actor <name>]\n  Validate the whole file, then make the database match it in one transaction (upsert by key).\n  --dry-run  rehearse every write and roll it back: the diff, and every refusal the apply would give\n  --prune    also remove what the file no longer has (contacts are marked deleted)\n  --force    let --prune remove more than half of what the domain holds',
  export: 'rowguard export [--out <file>] [--format yaml|json]\n  Write the domain\'s policy as a policy file (applying it back changes nothing).',
  check:
    'rowguard check --as <contact-key> <operation> <contact-key>\n  Exit 0 if allowed, 1 if denied. Also --as-contact-id <id>, --user <host-user-id> or --anonymous instead of --as,\n  and --contact-id <id> instead of the <contact-key> (for contacts without a key).',
  explain:
    'rowguard explain --as <contact-key> <operation> <contact-key>\n  The decision, the deciding entry, and every entry held for the operation, in words.\n  Like check: --as-contact-id <id>, --user <id>, --anonymous; --contact-id <id> for the contact.',
  list: 'rowguard list --as <contact-key> <operation> [--limit <n>] [--after <id>]\n  The contacts the subject may act on, one page at a time (the SQL clause at work).',
  sql: 'rowguard sql --as <contact-key> <operation> [--dialect sqlite|mysql|postgres] [--alias <a>]\n  The permission clause and its bound parameters, to AND into a query on the contact table.',
  create:
    "rowguard create --as <contact-key> '<candidate JSON>' | <file> [--dry-run] [--actor <name>]\n  Check the create rules on the candidate and create it (with its static groups) if allowed; exit 1 if refused.\n  Candidate: { \"key\"?, \"type\"?, \"name\"?, \"subTypes\"?, \"attributes\"?, \"groups\"? }",
  sync:
    'rowguard sync --host wordpress|drupal7|drupal8|joomla|sql --host-db <url> [--prefix <p>] [--map <role>=<group>,...] [--dry-run] [--force]\n  Bring contacts, user links and mapped static groups up to date with the host\'s users (docs/adapters.md).\n  --host-db          the host\'s database (mysql://..., postgres://..., sqlite:<path>); read only\n  --prefix           the host\'s table prefix (wp_, jos_, ...)\n  --map              host role id or machine name = static group name, comma-separated\n  --email-attribute  the contact attribute holding e-mail (default: email, when declared)\n  --batch <n>        users per transaction (default 1000); --cursor <c> resumes a stopped run\n  --dry-run          write nothing; report what would change, the removal guard included\n  --force            let a run remove more than the removal guard allows\n  Exit 0 done, 1 removals withheld by the guard, 2 bad input or a mapped role missing, 3 database error or corrupt host data.',
  demo: 'rowguard demo [<policy-file>] [--db <url>]\n  Apply the country-sales organisation to rowguard-demo.sqlite and show who sees and may create what.',
  schema: 'rowguard schema\n  Print the policy file\'s JSON Schema.',
  serve:
    'rowguard serve --db <url> [--domain <name>] [--port <n>] [--as <contact-key> | --user <id>]\n  The admin page (grant matrix, people, who can see a contact, audit log, policy file) on 127.0.0.1:7357.\n  Prints a one-time login link. Without --as/--user you are signed in as the operator with `administer CRM`;\n  with them, the page acts as that person and needs the permission from the policy. Docs: docs/admin-page.md',
};

/**
 * The usage text.
 *
 * @example
 * ```ts
 * usage().includes('rowguard apply'); // true
 * ```
 */
export function usage(): string {
  return [
    'rowguard: access control for CRM contacts, as code',
    '',
    'Usage: rowguard <command> [options]',
    '',
    ...Object.values(COMMAND_HELP).map((h) => h.split('\n')[0] as string).map((l) => `  ${l}`),
    '',
    'Options for every command:',
    '  --db <url>       sqlite:<path> (default sqlite:./rowguard.sqlite), mysql://..., postgres://...; or ROWGUARD_DB',
    '                   (the URL\'s driver must be installed: better-sqlite3, mysql2 or pg)',
    '  --config <file>  an ESM module with the application\'s hooks, permission provider and engine options',
    '  --domain <name>  the domain (tenant); default: the policy file\'s, else "default"',
    '  --json           machine-readable output on stdout',
    '  --quiet          no progress output',
    '  --connect-timeout <ms>    limit to open a database connection (default 10000)',
    '  --statement-timeout <ms>  limit for each SQL statement (default 30000); a decision gets both',
    '',
    'Subjects: --as <contact-key>, --as-contact-id <id>, --user <host-user-id> or --anonymous.',
    'Exit codes: 0 ok / allowed, 1 denied, 2 bad input, 3 database error.',
    'Operations: view, edit, create, delete, search. Docs: docs/cli.md, docs/policy-file.md.',
    '',
  ].join('\n');
}

/**
 * `rowguard help [<command>]`.
 *
 * @example
 * ```ts
 * await helpCommand(ctx); // the usage text
 * ```
 */
export const helpCommand: Command = async (ctx) => {
  const topic = ctx.args.positionals[0];
  if (topic !== undefined) {
    const text = COMMAND_HELP[topic];
    if (!text) throw new CliError('usage', `no help for '${topic}' (commands: ${Object.keys(COMMAND_HELP).join(', ')})`, EXIT.badInput);
    return { exitCode: 0, json: { command: topic, usage: text }, human: `${text}\n` };
  }
  return { exitCode: 0, json: { usage: usage() }, human: usage() };
};
