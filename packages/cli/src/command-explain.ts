import { loadContactFacts } from '@rowguard/core/extension';
import { expectPositionals, stringOption } from './cli-args.js';
import { CliError, EXIT } from './cli-errors.js';
import type { Command } from './command-model.js';
import { contactTarget } from './contact-lookup.js';
import { domainName, operationArg, storeContext, subjectChoice, withEngine } from './command-support.js';
import { loadDecisionNames } from './decision-names.js';
import { decisionWords } from './decision-words.js';
import { openDomain, throwReported } from './engine-open.js';
import { subjectRef } from './subject-ref.js';

/**
 * `rowguard explain --as <key> <operation> <contact-key>`: the decision with the engine's explanation (tiers,
 * deciding entry, losers, conflicts) and, in words, every entry the subject holds for the operation and why it
 * does or does not cover the contact. Exit 0 when allowed, 1 when denied.
 *
 * @example
 * ```ts
 * await explainCommand(ctx); // human: 'Denied: mgr-vn may not view sales-fr-1.\nWhy: ...'
 * ```
 */
export const explainCommand: Command = async (ctx) => {
  const [opArg, contactKey] = expectPositionals(ctx.args, 1, 'explain (--as <contact-key> | --as-contact-id <id> | --user <id> | --anonymous) <operation> (<contact-key> | --contact-id <id>)', 1) as [string, string | undefined];
  const operation = operationArg(opArg);
  const contactIdArg = stringOption(ctx.args.values, 'contact-id');
  if ((contactKey === undefined) === (contactIdArg === undefined)) {
    throw new CliError('usage', 'say which contact: a <contact-key> or --contact-id <id> (exactly one)', EXIT.badInput);
  }
  return withEngine(ctx, { requireSchema: true }, async (open) => {
    const { engine } = open;
    const domain = await openDomain(engine, domainName(ctx), { create: false });
    const who = await subjectRef(engine, domain, subjectChoice(ctx));
    const target = await contactTarget(engine, domain, { key: contactKey, id: contactIdArg });
    const contactId = target.id;
    const session = domain.subject(who.input);
    const explanation = await session.explain(operation, contactId);
    throwReported(open);
    const subject = await session.resolve();
    const snapshot = await domain.policy();
    const names = await loadDecisionNames(engine, snapshot, [who.contactId, contactId]);
    const facts = (await loadContactFacts(storeContext(engine), [contactId])).get(contactId);
    const words = subject ? decisionWords({ snapshot, subject, operation, facts, explanation, names, noun: 'the contact' }) : undefined;
    throwReported(open);
    const headline = `${explanation.allowed ? 'Allowed' : 'Denied'}: ${who.label} ${explanation.allowed ? 'may' : 'may not'} ${operation} ${names.contact(contactId)}.`;
    return {
      exitCode: explanation.allowed ? EXIT.ok : EXIT.denied,
      json: {
        domain: domain.name,
        subject: { key: who.key, contactId: who.contactId, label: who.label },
        operation,
        contact: { key: target.key, id: contactId },
        allowed: explanation.allowed,
        explanation,
        words: words ? { because: words.because, deciding: words.deciding, held: words.held } : null,
      },
      human: `${headline}\n${(words?.lines ?? [explanation.summary]).join('\n')}\nEngine summary: ${explanation.summary}\n`,
    };
  });
};
