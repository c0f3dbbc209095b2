import { createRowguard, dialectKindSchema, identifierSchema } from '@rowguard/core';
import { expectPositionals, stringOption } from './cli-args.js';
import { CliError, EXIT } from './cli-errors.js';
import type { Command } from './command-model.js';
import { domainName, operationArg, subjectChoice, withEngine } from './command-support.js';
import { openDomain, throwReported } from './engine-open.js';
import { compileClauseSql } from './sql-compile.js';
import { subjectRef } from './subject-ref.js';

/**
 * `rowguard sql --as <key> <operation> [--dialect sqlite|mysql|postgres] [--alias c]`: the permission clause a
 * host ANDs into its own query on the contact table, as SQL text with its bound parameters (for the
 * database's dialect by default).
 *
 * @example
 * ```ts
 * await sqlCommand(ctx); // { json: { clause: '...', parameters: [...] } }
 * ```
 */
export const sqlCommand: Command = async (ctx) => {
  const [opArg] = expectPositionals(ctx.args, 1, 'sql (--as <contact-key> | --user <id> | --anonymous) <operation> [--dialect sqlite|mysql|postgres] [--alias <alias>]') as [string];
  const operation = operationArg(opArg);
  const dialectArg = stringOption(ctx.args.values, 'dialect');
  const dialectParsed = dialectArg === undefined ? undefined : dialectKindSchema.safeParse(dialectArg === 'mariadb' ? 'mysql' : dialectArg);
  if (dialectParsed && !dialectParsed.success) throw new CliError('usage', '--dialect must be sqlite, mysql (mariadb) or postgres', EXIT.badInput);
  const aliasParsed = identifierSchema.safeParse(stringOption(ctx.args.values, 'alias') ?? 'c');
  if (!aliasParsed.success) throw new CliError('usage', '--alias must be a plain SQL identifier', EXIT.badInput);
  const alias = aliasParsed.data;
  return withEngine(ctx, { requireSchema: true }, async (open) => {
    const dialect = dialectParsed?.data ?? open.engine.dialect;
    const engine =
      dialect === open.engine.dialect
        ? open.engine
        : createRowguard({ db: open.engine.db, dialect, contacts: open.engine.config.contacts, tablePrefix: open.engine.config.tablePrefix, onError: (e) => open.reported.push(e) });
    const domain = await openDomain(engine, domainName(ctx), { create: false });
    const who = await subjectRef(engine, domain, subjectChoice(ctx));
    const expression = await domain.subject(who.input).clause(operation, { alias });
    throwReported(open);
    const table = engine.config.contacts.table ?? engine.tables.contact;
    const { clause, parameters, query } = compileClauseSql(expression, dialect, table, alias);
    const shown = parameters.map((p, i) => `  ${dialect === 'postgres' ? `$${i + 1}` : `?${i + 1}`} = ${JSON.stringify(p)}`).join('\n');
    return {
      exitCode: 0,
      json: { domain: domain.name, subject: { key: who.key, contactId: who.contactId, label: who.label }, operation, dialect, table, alias, clause, parameters, query },
      human: `-- permission clause for ${who.label}, ${operation}, ${dialect}; AND it into: select ... from ${table} as ${alias} where <clause>\n${clause}\n${parameters.length > 0 ? `-- parameters:\n${shown}\n` : '-- no parameters\n'}`,
    };
  });
};
