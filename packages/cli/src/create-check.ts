import { type CandidateInput, type ContactFacts, type CreateDecision, type Domain, type GroupDef, type MembershipStatus, type Rowguard, type SubjectSession } from '@rowguard/core';
import { candidateFacts, criteriaFields } from '@rowguard/core/extension';
import { z } from 'zod';
import { CliError, EXIT } from './cli-errors.js';

/**
 * zod schema of a contact to create, as the `create` command reads it (JSON or YAML). Field names follow the
 * policy file (`type`, `name`); the engine's names (`contactType`, `sortName`) are accepted too. `groups` names
 * the static groups the new contact joins in the same transaction.
 *
 * @example
 * ```ts
 * candidateSchema.parse({ key: 'sales-vn-3', type: 'Individual', subTypes: ['sales'], attributes: { country: 'VN' } });
 * ```
 */
export const candidateSchema = z.preprocess(
  (raw) => {
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return raw;
    const { contactType, sortName, ...rest } = raw as Record<string, unknown>;
    return { ...rest, ...(contactType !== undefined ? { type: contactType } : {}), ...(sortName !== undefined ? { name: sortName } : {}) };
  },
  z
    .object({
      key: z.string().min(1).max(191).optional(),
      type: z.string().min(1).max(64).default('Individual'),
      name: z.string().max(255).optional(),
      subTypes: z.array(z.string().min(1).max(64)).max(50).default([]),
      attributes: z.record(z.string(), z.union([z.string().max(255), z.number().int().safe(), z.null()])).default({}),
      groups: z.array(z.string().min(1).max(128)).max(100).default([]),
    })
    .strict(),
);
/**
 * A contact to create.
 *
 * @example
 * ```ts
 * const c: Candidate = { type: 'Individual', subTypes: ['sales'], attributes: { country: 'VN' }, groups: [] };
 * ```
 */
export type Candidate = z.output<typeof candidateSchema>;

/**
 * A create check: the engine's decision, the candidate as the engine took it, and the candidate's facts (for
 * explaining the decision in words).
 *
 * @example
 * ```ts
 * const { decision } = await checkCreate(engine, domain, session, candidate);
 * decision.allowed; decision.addToGroups; decision.explanation.summary;
 * ```
 */
export interface CreateCheck {
  readonly decision: CreateDecision;
  readonly input: CandidateInput;
  readonly facts: ContactFacts;
}

/**
 * Resolves the candidate's group names to ids. Only static groups can be joined this way: adding a candidate
 * to a smart group explicitly would make it a member whatever the group's criteria say.
 *
 * @example
 * ```ts
 * candidateGroupIds(snapshot.groups, ['Sales staff']); // [3]
 * ```
 */
export function candidateGroupIds(groups: ReadonlyMap<number, GroupDef>, names: readonly string[]): number[] {
  return names.map((name) => {
    const group = [...groups.values()].find((g) => g.name === name);
    if (!group) throw new CliError('unknown_group', `unknown group '${name}'`, EXIT.badInput);
    if (group.kind !== 'static') throw new CliError('not_static_group', `group '${name}' is smart; a new contact can only be added to static groups`, EXIT.badInput);
    return group.id;
  });
}

/**
 * The candidate in the engine's form (`contactType`, `sortName`, group ids).
 *
 * @example
 * ```ts
 * toCandidateInput({ type: 'Individual', subTypes: ['sales'], attributes: {}, groups: [] }, []);
 * ```
 */
export function toCandidateInput(c: Candidate, groupIds: readonly number[]): CandidateInput {
  return {
    ...(c.key !== undefined ? { key: c.key } : {}),
    contactType: c.type,
    ...(c.name !== undefined ? { sortName: c.name } : {}),
    subTypes: c.subTypes,
    attributes: c.attributes,
    groups: [...groupIds],
  };
}

/**
 * Asks the engine whether the subject may create the candidate (`session.checkCreate`: entries on smart
 * groups cover it when its values satisfy their criteria, tokens resolved against the subject; entries on
 * static groups when it joins them). Unknown attributes or groups exit 2.
 *
 * @example
 * ```ts
 * const { decision } = await checkCreate(engine, domain, domain.subject({ contactId: 3 }), candidate);
 * ```
 */
export async function checkCreate(engine: Rowguard, domain: Domain, session: SubjectSession, c: Candidate): Promise<CreateCheck> {
  for (const name of Object.keys(c.attributes)) {
    if (!engine.config.contacts.attributes[name]) throw new CliError('unknown_attribute', `unknown contact attribute '${name}'`, EXIT.badInput);
  }
  const snapshot = await domain.policy();
  const groupIds = candidateGroupIds(snapshot.groups, c.groups);
  const input = toCandidateInput(c, groupIds);
  const decision = await session.checkCreate(input);
  const joined = decision.allowed ? decision.addToGroups : groupIds;
  const facts = candidateFacts(
    { key: c.key ?? null, contactType: c.type, sortName: c.name ?? null, subTypes: c.subTypes, attributes: c.attributes, groups: [...groupIds] },
    domain.id,
    criteriaFields(engine.config.contacts),
    new Map<number, MembershipStatus>(joined.map((g) => [g, 'Added'])),
  );
  return { decision, input, facts };
}
