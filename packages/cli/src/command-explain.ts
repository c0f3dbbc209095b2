import { loadContactFacts } from '@rowguard/core/extension';
import { expectPositionals } from './cli-args.js';
import { EXIT } from './cli-errors.js';
import type { Command } from './command-model.js';
import { contactIdByKey } from './contact-lookup.js';
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
  const [opArg, contactKey] = expectPositionals(ctx.args, 2, 'explain (--as <contact-key> | --user <id> | --anonymous) <operation> <contact-key>') as [string, string];
  const operation = operationArg(opArg);
  return withEngine(ctx, { requireSchema: true }, async (open) => {
    const { engine } = open;
    const domain = await openDomain(engine, domainName(ctx), { create: false });
    const who = await subjectRef(engine, domain, subjectChoice(ctx));
    const contactId = await contactIdByKey(engine, domain, contactKey);
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
        contact: { key: contactKey, id: contactId },
        allowed: explanation.allowed,
        explanation,
        words: words ? { because: words.because, deciding: words.deciding, held: words.held } : null,
      },
      human: `${headline}\n${(words?.lines ?? [explanation.summary]).join('\n')}\nEngine summary: ${explanation.summary}\n`,
    };
  });
};
