import { z } from 'zod';
import type { AccessPlan } from './access-plan.js';
import type { FieldInfo } from '../model/criteria-schema.js';
import { decideInMemory, type DecisionDetail } from './decision-memory.js';
import { toExplanation, type Explanation } from './decision-explanation.js';
import { attributeValueProblem, attributeValueSchema, checkedAttributeKeys } from '../model/attribute-names.js';
import { PolicyError } from '../model/engine-errors.js';
import { integerRange } from '../model/policy-limits.js';
import { evaluateCriteria } from './membership-memory.js';
import type { ContactFacts, FieldValue, MembershipStatus, PolicySnapshot } from '../model/policy-model.js';

/**
 * zod schema of a candidate contact for a checked create: what the new contact would be, and the groups the
 * create should add it to (besides those the engine adds to satisfy a static-group entry).
 *
 * @example
 * ```ts
 * candidateSchema.parse({ contactType: 'Individual', subTypes: ['sales'], attributes: { country: 'VN' } });
 * ```
 */
export const candidateSchema = z
  .object({
    key: z.string().min(1).max(191).nullable().optional(),
    contactType: z.string().min(1).max(64),
    sortName: z.string().max(255).nullable().optional(),
    subTypes: z.array(z.string().min(1).max(64)).max(50).default([]),
    attributes: checkedAttributeKeys(z.record(z.string(), attributeValueSchema)).default({}),
    groups: z.array(z.number().int().positive()).max(100).default([]),
  })
  .strict();
/** A candidate contact as a host gives it. */
export type CandidateInput = z.input<typeof candidateSchema>;
/** A validated candidate. */
export type Candidate = z.output<typeof candidateSchema>;

/** The outcome of a create check. */
export interface CreateDecision {
  readonly allowed: boolean;
  /** The groups the create adds the contact to (requested ones plus the static group of the covering entry). */
  readonly addToGroups: readonly number[];
  /** Smart groups named by `create` allows whose criteria the candidate does not satisfy. */
  readonly failedCriteria: readonly { readonly groupId: number; readonly name: string }[];
  readonly explanation: Explanation;
}

/**
 * Builds in-memory facts for a candidate: its declared fields, sub-types and the given group statuses. It has
 * no id yet (`id` is NULL for criteria, and no single-contact entry covers it).
 *
 * @example
 * ```ts
 * candidateFacts(candidate, 1, fields, new Map([[3, 'Added']]));
 * ```
 */
export function candidateFacts(
  candidate: Candidate,
  domainId: number,
  fields: ReadonlyMap<string, FieldInfo>,
  statuses: ReadonlyMap<number, MembershipStatus>,
): ContactFacts {
  const values: Record<string, FieldValue> = { id: null, contact_type: candidate.contactType };
  for (const [name, value] of Object.entries(candidate.attributes)) {
    const info = fields.get(name);
    if (!info || name === 'id' || name === 'contact_type') {
      throw new PolicyError('invalid_input', `unknown contact attribute '${name}'`, { attribute: name });
    }
    const bad = attributeValueProblem(name, info.type, value, integerRange(undefined));
    if (bad) throw new PolicyError(bad.code, bad.message, { attribute: name, value });
    if (typeof value === 'string' && value.includes('\0')) {
      throw new PolicyError('invalid_input', `attribute '${name}' contains a NUL character`, { attribute: name });
    }
    values[name] = value;
  }
  for (const name of fields.keys()) if (!(name in values)) values[name] = null;
  return { id: 0, domainId, isDeleted: false, values, subTypes: new Set(candidate.subTypes), statuses };
}

/**
 * Checks a candidate against the subject's `create` plan. A smart-group object covers the candidate when its
 * values satisfy the criteria (tokens resolved against the subject); a static-group object covers it when the
 * create also adds it to that group, so when the requested groups do not suffice, the engine tries adding the
 * candidate to the static group of each `create` allow, highest tier first.
 *
 * @example
 * ```ts
 * const decision = decideCreate(plan, snapshot, candidate, fields);
 * if (decision.allowed) console.log('add to', decision.addToGroups);
 * ```
 */
export function decideCreate(
  plan: AccessPlan,
  snapshot: PolicySnapshot,
  candidate: Candidate,
  fields: ReadonlyMap<string, FieldInfo>,
): CreateDecision {
  for (const g of candidate.groups) {
    const group = snapshot.groups.get(g);
    if (!group?.active) {
      throw new PolicyError('unknown_group', `group ${g} does not exist or is disabled in domain ${snapshot.domainId}`, { groupId: g });
    }
    // Listing a smart group would make the candidate an explicit member and so satisfy any create rule on that
    // group whatever its values: a candidate joins static groups only, and smart groups judge its values.
    if (group.kind !== 'static') {
      throw new PolicyError('not_static_group', `group ${g} is smart: a candidate is checked against its criteria, not added to it`, { groupId: g });
    }
  }
  const requested = new Set(candidate.groups);
  const attempt = (groups: ReadonlySet<number>): DecisionDetail => {
    const statuses = new Map<number, MembershipStatus>([...groups].map((g) => [g, 'Added']));
    return decideInMemory(plan, snapshot, candidateFacts(candidate, snapshot.domainId, fields, statuses));
  };
  let detail = attempt(requested);
  let groups = requested;
  if (!detail.allowed) {
    for (const p of plan.entries) {
      const o = p.entry.object;
      if (p.entry.effect !== 'allow' || o.type !== 'group-members' || requested.has(o.groupId)) continue;
      const group = snapshot.groups.get(o.groupId);
      if (!group?.active || group.kind !== 'static') continue;
      const withGroup = new Set([...requested, o.groupId]);
      const next = attempt(withGroup);
      if (next.allowed) {
        detail = next;
        groups = withGroup;
        break;
      }
    }
  }
  const failedCriteria: { groupId: number; name: string }[] = [];
  if (!detail.allowed) {
    const facts = candidateFacts(candidate, snapshot.domainId, fields, new Map([...requested].map((g) => [g, 'Added' as const])));
    for (const p of plan.entries) {
      const o = p.entry.object;
      if (p.entry.effect !== 'allow' || o.type !== 'group-members') continue;
      const group = snapshot.groups.get(o.groupId);
      if (group?.kind !== 'smart' || !group.criteria) continue;
      if (!evaluateCriteria(group.criteria, facts, { groups: snapshot.groups, subjectValues: plan.subject.values })) {
        if (!failedCriteria.some((f) => f.groupId === group.id)) failedCriteria.push({ groupId: group.id, name: group.name });
      }
    }
  }
  const explanation = toExplanation(detail, plan.subject, 'create', 0);
  const names = failedCriteria.map((f) => `'${f.name}'`).join(', ');
  const summary = detail.allowed
    ? `Allowed: create ${describe(candidate)}${groups.size > 0 ? `, added to group(s) ${[...groups].join(', ')}` : ''}; ${explanation.summary.replace(/^Allowed: create on contact 0: /, '')}`
    : `Denied: create ${describe(candidate)}; ${explanation.summary.replace(/^Denied: create on contact 0: /, '')}${
        names ? `; the candidate does not match the criteria of ${names}` : ''
      }`;
  return {
    allowed: detail.allowed,
    addToGroups: detail.allowed ? [...groups].sort((a, b) => a - b) : [],
    failedCriteria,
    explanation: { ...explanation, summary },
  };
}

function describe(c: Candidate): string {
  const sub = c.subTypes.length > 0 ? ` (${c.subTypes.join(', ')})` : '';
  const attrs = Object.entries(c.attributes)
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(', ');
  return `${c.contactType}${sub}${attrs ? ` with ${attrs}` : ''}`;
}
