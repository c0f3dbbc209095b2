import { type ContactFacts, type EntryDef, type Explanation, type Operation, type PolicySnapshot, type ResolvedSubject } from '@rowguard/core';
import { buildPlan, objectCovers, type MemoryContext, type PlannedEntry } from '@rowguard/core/extension';
import { criteriaMissWords, criteriaWords, type WordNames } from './criteria-words.js';

/**
 * One entry the subject holds for the operation, and whether (and why) it covers the contact.
 *
 * @example
 * ```ts
 * const h: HeldEntryWords = { key: 'wall', source: 'entry', effect: 'deny', priority: 10, level: 'group', applies: true, deciding: true, text: "'wall' (deny all on members of 'Other countries', priority 10)", via: "role 'Country staff'", why: 'covers it: country != VN (your country)' };
 * ```
 */
export interface HeldEntryWords {
  readonly key: string | null;
  readonly source: string;
  readonly effect: 'allow' | 'deny';
  readonly priority: number;
  readonly level: 'contact' | 'group';
  readonly applies: boolean;
  readonly deciding: boolean;
  readonly text: string;
  readonly via: string;
  readonly why: string;
}

/**
 * A decision in plain words: the verdict, the reason, the deciding entry, and every entry the subject holds
 * for the operation with why it does or does not cover the contact.
 *
 * @example
 * ```ts
 * const words = decisionWords({ snapshot, subject, operation: 'view', facts, explanation, names, noun: 'the contact' });
 * console.log(words.lines.join('\n'));
 * ```
 */
export interface DecisionWords {
  readonly allowed: boolean;
  readonly because: string;
  readonly deciding: string | null;
  readonly held: readonly HeldEntryWords[];
  readonly lines: readonly string[];
}

/**
 * Names of contacts, groups, roles and relationship types, for sentences.
 *
 * @example
 * ```ts
 * const names: DecisionNames = await loadDecisionNames(engine, snapshot, [subjectId]);
 * ```
 */
export interface DecisionNames extends WordNames {
  contact(id: number): string;
  role(id: number): string;
  relationshipType(id: number): string;
}

/**
 * What {@link decisionWords} needs.
 *
 * @example
 * ```ts
 * const input: DecisionInput = { snapshot, subject, operation: 'view', facts, explanation, names, noun: 'the contact' };
 * ```
 */
export interface DecisionInput {
  readonly snapshot: PolicySnapshot;
  readonly subject: ResolvedSubject;
  readonly operation: Operation;
  readonly facts: ContactFacts | undefined;
  /** The engine's explanation: the verdict and the deciding entry come from it. */
  readonly explanation: Explanation;
  readonly names: DecisionNames;
  /** How to call the object: 'the contact', 'the candidate', ... */
  readonly noun: string;
}

function objectWords(e: EntryDef, names: DecisionNames): string {
  return objectRefWords(e.object, e.source, names);
}

function objectRefWords(o: EntryDef['object'], source: string, names: DecisionNames): string {
  switch (o.type) {
    case 'all-contacts':
      return 'all contacts';
    case 'contact':
      return source.startsWith('permission:') ? 'your own contact' : `contact ${names.contact(o.id)}`;
    case 'group-members':
      return `members of '${names.group(o.groupId)}'`;
    case 'entity':
      return o.id === null ? `every ${o.entity}` : `${o.entity} #${o.id}`;
    case 'contact-ids':
      return `${o.ids.length} listed contact(s)`;
    case 'related':
      return `contacts related to you through ${o.relationshipTypeId === null ? 'any relationship type' : `relationship type '${names.relationshipType(o.relationshipTypeId)}'`} granting ${o.permission}`;
    case 'delegated':
      return `${objectRefWords(o.base, 'entry', names)}${o.criteria ? ' narrowed by criteria' : ''}, delegated by ${names.contact(o.granterId)} from entry #${o.parentEntryId}`;
    case 'delegation':
      return `a delegation by ${names.contact(o.granterId)} of entry #${o.parentEntryId}`;
    default:
      return 'contacts matching extension criteria';
  }
}

/**
 * An entry in words: `'wall' (deny all on members of 'Other countries', priority 10)`.
 *
 * @example
 * ```ts
 * entryWords(entry, names); // "'managers-create' (allow create on members of 'Creatable by managers', priority 0)"
 * ```
 */
export function entryWords(e: EntryDef, names: DecisionNames): string {
  const name = e.id !== null ? `'${e.key ?? `#${e.id}`}'` : `permission '${e.source.replace(/^permission:/, '')}'`;
  return `${name} (${e.effect} ${e.operation} on ${objectWords(e, names)}, priority ${e.priority})`;
}

function viaWords(e: EntryDef, subject: ResolvedSubject, names: DecisionNames): string {
  const o = e.owner;
  switch (o.type) {
    case 'everyone':
      return 'Everyone';
    case 'authenticated':
      return 'Authenticated (you have a user)';
    case 'contact':
      return e.source.startsWith('permission:') ? 'a functional permission of your roles' : 'your own contact';
    case 'group':
      return `your membership of group '${names.group(o.id)}'`;
    case 'role': {
      const via = subject.via.get(`role:${o.id}`) ?? '';
      const m = /via group (\d+)/.exec(via);
      return `role '${names.role(o.id)}'${m ? ` (via group '${names.group(Number(m[1]))}')` : via ? ` (${via})` : ''}`;
    }
  }
}

function missWords(p: PlannedEntry, facts: ContactFacts, ctx: MemoryContext, snapshot: PolicySnapshot, names: DecisionNames, noun: string): string {
  return objectMissWords(p.entry.object, p.entry.source, facts, ctx, snapshot, names, noun);
}

function objectMissWords(
  o: EntryDef['object'],
  source: string,
  facts: ContactFacts,
  ctx: MemoryContext,
  snapshot: PolicySnapshot,
  names: DecisionNames,
  noun: string,
): string {
  if (o.type === 'related') return `${noun} is not related to you through a current relationship granting ${o.permission}`;
  if (o.type === 'delegated') {
    const granterCtx: MemoryContext = { ...ctx, subjectValues: o.granterValues };
    let baseCovers = false;
    try {
      baseCovers = objectCovers(o.base, facts, granterCtx);
    } catch {
      baseCovers = false;
    }
    if (!baseCovers) return `the delegated entry's parent does not cover ${noun} (with the granter's values): ${objectMissWords(o.base, 'entry', facts, granterCtx, snapshot, names, noun)}`;
    return o.criteria ? `the delegation's criteria: ${criteriaMissWords(o.criteria, facts, granterCtx, names, noun)}` : `it does not cover ${noun}`;
  }
  if (o.type === 'contact') return `it is about ${source.startsWith('permission:') ? 'your own contact' : names.contact(o.id)} only`;
  if (o.type === 'entity') return `it is about ${o.entity} objects, not contacts`;
  if (o.type !== 'group-members') return `it does not cover ${noun}`;
  const group = snapshot.groups.get(o.groupId);
  if (!group) return `group #${o.groupId} no longer exists`;
  if (!group.active) return `group '${group.name}' is disabled`;
  const status = facts.statuses.get(o.groupId);
  if (group.kind === 'static' || !group.criteria) return `${noun} is not a member of '${group.name}'${status && status !== 'Added' ? ` (status ${status})` : ''}`;
  if (status === 'Removed') return `${noun} was explicitly removed from '${group.name}'`;
  return criteriaMissWords(group.criteria, facts, ctx, names, noun);
}

function coverWords(p: PlannedEntry, facts: ContactFacts, ctx: MemoryContext, snapshot: PolicySnapshot, names: DecisionNames, noun: string): string {
  const o = p.entry.object;
  if (o.type === 'group-members') {
    const group = snapshot.groups.get(o.groupId);
    if (facts.statuses.get(o.groupId) === 'Added') return `${noun} is a member of '${group?.name ?? o.groupId}'`;
    if (group?.criteria) return `${criteriaWords(group.criteria, ctx, names)} holds for ${noun}`;
  }
  if (o.type === 'all-contacts') return 'it covers every contact';
  return `it covers ${noun}`;
}

const BECAUSE: Readonly<Record<Explanation['reason'], (noun: string) => string>> = {
  administrator: () => 'you hold an Administrator role, so every operation is allowed',
  deleted: (n) => `${n} is deleted, and you may not access deleted contacts`,
  'not-found': (n) => `${n} does not exist`,
  'other-domain': (n) => `${n} belongs to another domain`,
  'no-applicable-entry': (n) => `no entry you hold covers ${n}, and no rule means no access`,
  'allowed-by-entry': (n) => `the highest-ranking entries that cover ${n} allow it`,
  'denied-by-entry': (n) => `the highest-ranking entries that cover ${n} include a deny, and deny beats allow`,
  'allowed-by-extension': (n) => `an extension widened your scope to ${n}`,
  'denied-by-extension': (n) => `an extension narrowed your scope to exclude ${n}`,
  error: () => 'an error occurred, and errors deny',
};

/**
 * Puts a decision into plain words, from the engine's explanation plus the entries the subject holds for the
 * operation (each tried against the contact, as the engine does, to say why it covers it or not).
 *
 * @example
 * ```ts
 * const words = decisionWords({ snapshot, subject, operation: 'create', facts: candidate, explanation, names, noun: 'the candidate' });
 * words.because; // 'the highest-ranking entries that cover the candidate include a deny, and deny beats allow'
 * ```
 */
export function decisionWords(input: DecisionInput): DecisionWords {
  const { snapshot, subject, operation, facts, explanation, names, noun } = input;
  const plan = buildPlan(snapshot, subject, operation);
  const ctx: MemoryContext = { groups: snapshot.groups, subjectValues: subject.values };
  const decidingRef = explanation.deciding;
  const held: HeldEntryWords[] = plan.entries.map((p) => {
    let applies = false;
    try {
      applies = facts !== undefined && objectCovers(p.entry.object, facts, ctx);
    } catch {
      applies = false;
    }
    const deciding =
      decidingRef !== null &&
      (p.entry.id !== null ? decidingRef.id === p.entry.id : decidingRef.id === null && decidingRef.source === p.entry.source && decidingRef.effect === p.entry.effect);
    return {
      key: p.entry.key,
      source: p.entry.source,
      effect: p.entry.effect,
      priority: p.entry.priority,
      level: p.tier.level === 1 ? 'contact' : 'group',
      applies,
      deciding,
      text: entryWords(p.entry, names),
      via: viaWords(p.entry, subject, names),
      why: facts === undefined ? '' : applies ? coverWords(p, facts, ctx, snapshot, names, noun) : missWords(p, facts, ctx, snapshot, names, noun),
    };
  });
  const because = (explanation.error ? `an error occurred (${explanation.error}), and errors deny` : undefined) ?? BECAUSE[explanation.reason](noun);
  const decidingEntry = held.find((h) => h.deciding);
  const lines: string[] = [`Why: ${because}.`];
  if (decidingEntry) lines.push(`Deciding entry: ${decidingEntry.text}, held through ${decidingEntry.via}; ${decidingEntry.why}.`);
  if (held.length === 0) lines.push(`You hold no entry for ${operation}.`);
  else {
    lines.push(`Entries you hold for ${operation} (highest rank first):`);
    for (const h of held) {
      lines.push(`  ${h.applies ? '[covers]        ' : '[does not cover]'} ${h.text}, through ${h.via}: ${h.why}`);
    }
  }
  return { allowed: explanation.allowed, because, deciding: decidingEntry?.text ?? null, held, lines };
}
