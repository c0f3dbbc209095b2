import { clauseFormSettingSchema, clauseShapeSettingSchema, createRowguard, dialectKindSchema, identifierSchema, type ShapeChoice } from '@rowguard/core';
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
  const [opArg] = expectPositionals(
    ctx.args,
    1,
    'sql (--as <contact-key> | --user <id> | --anonymous) <operation> [--dialect sqlite|mysql|postgres] [--alias <alias>] [--purpose page|count] [--shape auto|exists|probe|in|array|hashed] [--form auto|or|disjunct-union|member-union]',
  ) as [string];
  const operation = operationArg(opArg);
  const dialectArg = stringOption(ctx.args.values, 'dialect');
  const dialectParsed = dialectArg === undefined ? undefined : dialectKindSchema.safeParse(dialectArg === 'mariadb' ? 'mysql' : dialectArg);
  if (dialectParsed && !dialectParsed.success) throw new CliError('usage', '--dialect must be sqlite, mysql (mariadb) or postgres', EXIT.badInput);
  const aliasParsed = identifierSchema.safeParse(stringOption(ctx.args.values, 'alias') ?? 'c');
  if (!aliasParsed.success) throw new CliError('usage', '--alias must be a plain SQL identifier', EXIT.badInput);
  const alias = aliasParsed.data;
  const purposeArg = stringOption(ctx.args.values, 'purpose') ?? 'page';
  if (purposeArg !== 'page' && purposeArg !== 'count') throw new CliError('usage', '--purpose must be page or count', EXIT.badInput);
  const shapeParsed = clauseShapeSettingSchema.safeParse(stringOption(ctx.args.values, 'shape') ?? 'auto');
  if (!shapeParsed.success) throw new CliError('usage', '--shape must be auto, exists, probe, in, array or hashed', EXIT.badInput);
  const formParsed = clauseFormSettingSchema.safeParse(stringOption(ctx.args.values, 'form') ?? 'auto');
  if (!formParsed.success) throw new CliError('usage', '--form must be auto, or, disjunct-union or member-union', EXIT.badInput);
  return withEngine(ctx, { requireSchema: true }, async (open) => {
    const dialect = dialectParsed?.data ?? open.engine.dialect;
    // Choosing a shape reads the live database's statistics; for another dialect's text, `auto` means `exists`.
    const shape = dialect !== open.engine.dialect && shapeParsed.data === 'auto' ? 'exists' : shapeParsed.data;
    const form = formParsed.data;
    const engine =
      dialect === open.engine.dialect
        ? open.engine
        : createRowguard({ ...open.engineOptions, dialect, contacts: open.engine.config.contacts, tablePrefix: open.engine.config.tablePrefix });
    const domain = await openDomain(engine, domainName(ctx), { create: false });
    const who = await subjectRef(engine, domain, subjectChoice(ctx));
    const session = domain.subject(who.input);
    const expression = await session.clause(operation, { alias, purpose: purposeArg, shape, form });
    const explained = await session.explainClause(operation, { alias, purpose: purposeArg, shape, form });
    const shapes = explained.shapes;
    throwReported(open);
    const table = engine.config.contacts.table ?? engine.tables.contact;
    const { clause, parameters, query } = compileClauseSql(expression, dialect, table, alias);
    const shown = parameters.map((p, i) => `  ${dialect === 'postgres' ? `$${i + 1}` : `?${i + 1}`} = ${JSON.stringify(p)}`).join('\n');
    return {
      exitCode: 0,
      json: {
        domain: domain.name,
        subject: { key: who.key, contactId: who.contactId, label: who.label },
        operation,
        dialect,
        purpose: purposeArg,
        form: explained.form,
        shapes,
        table, alias, clause, parameters, query },
      human: `-- permission clause for ${who.label}, ${operation}, ${dialect}, for a ${purposeArg === 'page' ? 'first page' : 'count'}; AND it into: select ... from ${table} as ${alias} where <clause>\n${explained.form ? `-- form: ${explained.form.form} (${explained.form.why})\n` : ''}${shapes
        .map((s) => `-- ${shapeSubject(s)}: ${s.shape} (${s.why})\n`)
        .join('')}${clause}\n${parameters.length > 0 ? `-- parameters:\n${shown}\n` : '-- no parameters\n'}`,
    };
  });
};

/** What one shape choice tests, in words: a sub-type, a smart group's explicit rows, or a set of groups. */
function shapeSubject(s: ShapeChoice): string {
  if (s.subType !== undefined) return `sub-type ${s.subType}`;
  if (s.explicit !== undefined) return `explicit ${s.explicit} rows of group ${s.groups.join(', ')}`;
  return `${s.materialised ? 'materialised groups' : 'groups'} ${s.groups.join(', ')}`;
}
