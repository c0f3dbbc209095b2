import { expectPositionals, stringOption } from './cli-args.js';
import { CliError, EXIT } from './cli-errors.js';
import type { Command } from './command-model.js';
import { contactTarget } from './contact-lookup.js';
import { domainName, operationArg, subjectChoice, withEngine } from './command-support.js';
import { openDomain, throwReported } from './engine-open.js';
import { subjectRef } from './subject-ref.js';

/**
 * `rowguard check --as <key> <operation> <contact-key>`: exit 0 when allowed, 1 when denied (2 for bad input,
 * 3 when the decision failed on a database error: errors deny, and say so).
 *
 * @example
 * ```ts
 * await checkCommand(ctx); // { exitCode: 1, json: { allowed: false, ... } }
 * ```
 */
export const checkCommand: Command = async (ctx) => {
  const [opArg, contactKey] = expectPositionals(ctx.args, 1, 'check (--as <contact-key> | --as-contact-id <id> | --user <id> | --anonymous) <operation> (<contact-key> | --contact-id <id>)', 1) as [string, string | undefined];
  const operation = operationArg(opArg);
  const contactIdArg = stringOption(ctx.args.values, 'contact-id');
  if ((contactKey === undefined) === (contactIdArg === undefined)) {
    throw new CliError('usage', 'say which contact: a <contact-key> or --contact-id <id> (exactly one)', EXIT.badInput);
  }
  return withEngine(ctx, { requireSchema: true }, async (open) => {
    const domain = await openDomain(open.engine, domainName(ctx), { create: false });
    const who = await subjectRef(open.engine, domain, subjectChoice(ctx));
    const target = await contactTarget(open.engine, domain, { key: contactKey, id: contactIdArg });
    const contactId = target.id;
    const allowed = await domain.subject(who.input).check(operation, contactId);
    throwReported(open);
    return {
      exitCode: allowed ? EXIT.ok : EXIT.denied,
      json: { domain: domain.name, subject: { key: who.key, contactId: who.contactId, label: who.label }, operation, contact: { key: target.key, id: contactId }, allowed },
      human: `${allowed ? 'allowed' : 'denied'}: ${who.label} ${allowed ? 'may' : 'may not'} ${operation} ${target.label}\n`,
    };
  });
};
