import { fieldName, parsePolicyText, readPolicyFile, type PolicyText } from '@rowguard/policy';
import { z } from 'zod';
import { expectPositionals } from './cli-args.js';
import { CliError, EXIT } from './cli-errors.js';
import type { Command } from './command-model.js';
import { actorOf, domainName, subjectChoice, withEngine } from './command-support.js';
import { candidateSchema, checkCreate, type Candidate } from './create-check.js';
import { loadDecisionNames } from './decision-names.js';
import { decisionWords } from './decision-words.js';
import { openDomain, throwReported } from './engine-open.js';
import { subjectRef } from './subject-ref.js';

async function readCandidate(arg: string): Promise<Candidate> {
  const text: PolicyText = arg.trimStart().startsWith('{') ? parsePolicyText(arg, '<candidate>.json') : await readPolicyFile(arg);
  const parsed = candidateSchema.safeParse(text.data);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => ({ file: text.file, ...text.locate(i.path as PropertyKey[]), field: fieldName(i.path as PropertyKey[]), message: i.message }));
    throw new CliError('invalid_candidate', `${text.file}: invalid candidate\n${z.prettifyError(parsed.error)}`, EXIT.badInput, problems);
  }
  return parsed.data;
}

/** Describes a candidate: `a sales contact (country FR)`. */
function candidateLabel(c: Candidate): string {
  const attrs = Object.entries(c.attributes).filter(([, v]) => v !== null).map(([k, v]) => `${k} ${String(v)}`);
  return `${c.subTypes.length > 0 ? `a ${c.subTypes.join('/').replaceAll('_', ' ')}` : `an ${c.type}`} contact${c.key ? ` '${c.key}'` : ''}${attrs.length > 0 ? ` (${attrs.join(', ')})` : ''}`;
}

/**
 * `rowguard create --as <key> <candidate JSON | file> [--dry-run]`: checks that the subject may create this
 * contact (the create rules apply to the candidate's values, tokens resolved against the subject) and, unless
 * `--dry-run`, creates it and adds it to its static groups in one transaction. Exit 0 when created (or
 * allowed), 1 when refused, with the reason in words.
 *
 * @example
 * ```ts
 * await createCommand(ctx); // { exitCode: 1, json: { allowed: false, because: '...' } }
 * ```
 */
export const createCommand: Command = async (ctx) => {
  const [arg] = expectPositionals(ctx.args, 1, "create (--as <contact-key> | --user <id> | --anonymous) '<candidate JSON>' | <file> [--dry-run]") as [string];
  const candidate = await readCandidate(arg);
  const dryRun = ctx.args.values['dry-run'] === true;
  return withEngine(ctx, { requireSchema: true }, async (open) => {
    const { engine } = open;
    const domain = await openDomain(engine, domainName(ctx), { create: false });
    const who = await subjectRef(engine, domain, subjectChoice(ctx));
    const session = domain.subject(who.input);
    const { decision, input, facts } = await checkCreate(engine, domain, session, candidate);
    throwReported(open);
    const subject = await session.resolve();
    const snapshot = await domain.policy();
    const names = await loadDecisionNames(engine, snapshot, [who.contactId]);
    const words = subject ? decisionWords({ snapshot, subject, operation: 'create', facts, explanation: decision.explanation, names, noun: 'the candidate' }) : undefined;
    const base = {
      domain: domain.name,
      subject: { key: who.key, contactId: who.contactId, label: who.label },
      candidate,
      allowed: decision.allowed,
      reason: decision.explanation.reason,
      summary: decision.explanation.summary,
      because: words?.because ?? null,
      deciding: words?.deciding ?? null,
      failedCriteria: decision.failedCriteria.map((f) => f.name),
    };
    const headline = `${who.label} ${decision.allowed ? 'may' : 'may not'} create ${candidateLabel(candidate)}`;
    if (!decision.allowed) {
      return { exitCode: EXIT.denied, json: { ...base, created: null }, human: `Denied: ${headline}.\n${(words?.lines ?? [decision.explanation.summary]).join('\n')}\n` };
    }
    if (dryRun) return { exitCode: EXIT.ok, json: { ...base, created: null, dryRun: true }, human: `Allowed: ${headline} (dry run: nothing created).\n` };

    const result = await domain.createContactAs(who.input, input, actorOf(ctx));
    throwReported(open);
    if (!result.created) {
      // The state changed between the check and the create: the engine's verdict at write time wins.
      return { exitCode: EXIT.denied, json: { ...base, allowed: false, created: null }, human: `Denied: ${result.decision.explanation.summary}\n` };
    }
    const id = result.contactId;
    const groupIds = result.decision.addToGroups;
    return {
      exitCode: EXIT.ok,
      json: { ...base, created: { id, key: candidate.key ?? null, groups: groupIds.map((g) => names.group(g)) } },
      human: `Created: ${headline.replace(' may create ', ' created ')} (id ${id}).\n`,
    };
  });
};
