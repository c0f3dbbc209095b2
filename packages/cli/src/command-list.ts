import { z } from 'zod';
import { expectPositionals, stringOption } from './cli-args.js';
import { CliError, EXIT } from './cli-errors.js';
import type { Command } from './command-model.js';
import { loadContacts } from './contact-lookup.js';
import { domainName, operationArg, subjectChoice, withEngine } from './command-support.js';
import { openDomain, throwReported } from './engine-open.js';
import { subjectRef } from './subject-ref.js';
import { renderTable } from './text-table.js';

const limitSchema = z.coerce.number().int().min(1).max(10_000);
const afterSchema = z.coerce.number().int().min(0);

/**
 * `rowguard list --as <key> <operation> [--limit n] [--after id]`: the contacts the subject may act on, in id
 * order, one page at a time, through the engine's SQL clause. `next` (JSON) / the last line (text) gives the
 * `--after` value of the next page.
 *
 * @example
 * ```ts
 * await listCommand(ctx); // { json: { contacts: [...], next: 42 } }
 * ```
 */
export const listCommand: Command = async (ctx) => {
  const [opArg] = expectPositionals(ctx.args, 1, 'list (--as <contact-key> | --user <id> | --anonymous) <operation> [--limit <n>] [--after <id>]') as [string];
  const operation = operationArg(opArg);
  const limit = limitSchema.safeParse(stringOption(ctx.args.values, 'limit') ?? '50');
  const after = afterSchema.safeParse(stringOption(ctx.args.values, 'after') ?? '0');
  if (!limit.success) throw new CliError('usage', '--limit must be an integer from 1 to 10000', EXIT.badInput);
  if (!after.success) throw new CliError('usage', '--after must be a contact id (the `next` of the previous page)', EXIT.badInput);
  return withEngine(ctx, { requireSchema: true }, async (open) => {
    const domain = await openDomain(open.engine, domainName(ctx), { create: false });
    const who = await subjectRef(open.engine, domain, subjectChoice(ctx));
    const ids = await domain.subject(who.input).listIds(operation, { limit: Math.min(limit.data + 1, 10_000), afterId: after.data });
    throwReported(open);
    const page = ids.slice(0, limit.data);
    const next = ids.length > limit.data ? (page[page.length - 1] ?? null) : null;
    const contacts = await loadContacts(open.engine, page);
    const attributes = Object.keys(open.engine.config.contacts.attributes);
    const table = renderTable(
      ['id', 'key', 'name', 'type', 'sub-types', ...attributes],
      contacts.map((c) => [c.id, c.key ?? '', c.name ?? '', c.type, c.subTypes.join(','), ...attributes.map((a) => String(c.attributes[a] ?? ''))]),
    );
    return {
      exitCode: 0,
      json: { domain: domain.name, subject: { key: who.key, contactId: who.contactId, label: who.label }, operation, limit: limit.data, after: after.data, contacts, next },
      human: `${who.label} may ${operation} ${contacts.length === 0 ? 'no contact' : `these ${contacts.length} contact(s)`}${after.data > 0 ? ` (after id ${after.data})` : ''}:\n${contacts.length > 0 ? table : ''}${next !== null ? `more: --after ${next}\n` : ''}`,
    };
  });
};
