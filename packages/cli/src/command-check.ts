import { expectPositionals } from './cli-args.js';
import { EXIT } from './cli-errors.js';
import type { Command } from './command-model.js';
import { contactIdByKey } from './contact-lookup.js';
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
  const [opArg, contactKey] = expectPositionals(ctx.args, 2, 'check (--as <contact-key> | --user <id> | --anonymous) <operation> <contact-key>') as [string, string];
  const operation = operationArg(opArg);
  return withEngine(ctx, { requireSchema: true }, async (open) => {
    const domain = await openDomain(open.engine, domainName(ctx), { create: false });
    const who = await subjectRef(open.engine, domain, subjectChoice(ctx));
    const contactId = await contactIdByKey(open.engine, domain, contactKey);
    const allowed = await domain.subject(who.input).check(operation, contactId);
    throwReported(open);
    return {
      exitCode: allowed ? EXIT.ok : EXIT.denied,
      json: { domain: domain.name, subject: { key: who.key, contactId: who.contactId, label: who.label }, operation, contact: { key: contactKey, id: contactId }, allowed },
      human: `${allowed ? 'allowed' : 'denied'}: ${who.label} ${allowed ? 'may' : 'may not'} ${operation} ${contactKey}\n`,
    };
  });
};
