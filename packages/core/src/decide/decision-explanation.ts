import type { PlannedEntry, Tier } from './access-plan.js';
import type { DecisionDetail, DecisionReason } from './decision-memory.js';
import type { Operation } from '../model/operation-model.js';
import type { EntryDef } from '../model/policy-model.js';
import type { ResolvedSubject } from '../model/subject-model.js';

/** An entry as an explanation shows it. */
export interface ExplainedEntry {
  readonly id: number | null;
  readonly key: string | null;
  readonly source: string;
  readonly effect: EntryDef['effect'];
  readonly operation: EntryDef['operation'];
  readonly owner: EntryDef['owner'];
  readonly object: EntryDef['object'];
  readonly priority: number;
  readonly level: 'contact' | 'group';
  readonly heldVia: string;
}

/** A serialisable account of one decision: who, what, every applicable entry per tier, the winner and why. */
export interface Explanation {
  readonly allowed: boolean;
  readonly reason: DecisionReason;
  readonly operation: Operation;
  readonly contactId: number;
  readonly subject: {
    readonly contactId: number | null;
    /** The subject's own contact when it is deleted (it then holds what an anonymous visitor holds). */
    readonly deletedContactId: number | null;
    readonly userId: string | null;
    readonly hasUser: boolean;
    readonly administrator: boolean;
    readonly groups: readonly number[];
    readonly roles: readonly number[];
    readonly permissions: readonly string[];
  } | null;
  readonly tiers: readonly { readonly priority: number; readonly level: 'contact' | 'group'; readonly entries: readonly ExplainedEntry[] }[];
  readonly deciding: ExplainedEntry | null;
  readonly losers: readonly { readonly entry: ExplainedEntry; readonly why: string }[];
  readonly conflicts: readonly { readonly allow: ExplainedEntry; readonly deny: ExplainedEntry }[];
  /** How the subject reaches the contact through relationships, when it does. */
  readonly relationships: readonly string[];
  /** The extension adjustment that changed the outcome, if any. */
  readonly extension: string | null;
  /** A one-paragraph account in words. */
  readonly summary: string;
  readonly error?: string;
}

function level(tier: Tier): 'contact' | 'group' {
  return tier.level === 1 ? 'contact' : 'group';
}

/** Describes a planned entry for an explanation. */
export function explainEntry(p: PlannedEntry): ExplainedEntry {
  const e = p.entry;
  return {
    id: e.id,
    key: e.key,
    source: e.source,
    effect: e.effect,
    operation: e.operation,
    owner: e.owner,
    object: e.object,
    priority: e.priority,
    level: level(p.tier),
    heldVia: p.heldVia,
  };
}

/** Names an entry in words. */
export function entryLabel(e: ExplainedEntry): string {
  const name = e.id !== null ? `entry ${e.key ? `'${e.key}'` : `#${e.id}`}` : e.source.replace(/^permission:/, 'permission ');
  return `${name} (${e.effect} ${e.operation}, priority ${e.priority}, ${e.level} level, held as ${e.heldVia})`;
}

const REASONS: Readonly<Record<DecisionReason, string>> = {
  administrator: 'the subject holds an Administrator role',
  deleted: 'the contact is deleted and the subject lacks "access deleted contacts"',
  'not-found': 'the contact does not exist',
  'other-domain': 'the contact belongs to another domain',
  'no-applicable-entry': 'no entry applies, and no rule means no access',
  'allowed-by-entry': 'the highest tier allows',
  'denied-by-entry': 'the highest tier holds a deny, and deny beats allow',
  'allowed-by-extension': 'an extension widened the subject’s scope to this contact',
  'denied-by-extension': 'an extension narrowed the subject’s scope to exclude this contact',
  error: 'an error occurred, and errors deny',
};

/**
 * Turns an in-memory decision into a serialisable explanation.
 *
 * @example
 * ```ts
 * const explanation = toExplanation(detail, subject, 'view', 12);
 * console.log(explanation.summary);
 * ```
 */
export function toExplanation(
  detail: DecisionDetail,
  subject: ResolvedSubject | null,
  operation: Operation,
  contactId: number,
  error?: unknown,
): Explanation {
  const tiers: { priority: number; level: 'contact' | 'group'; entries: ExplainedEntry[] }[] = [];
  for (const p of detail.applicable) {
    const last = tiers[tiers.length - 1];
    if (last && last.priority === p.tier.priority && last.level === level(p.tier)) last.entries.push(explainEntry(p));
    else tiers.push({ priority: p.tier.priority, level: level(p.tier), entries: [explainEntry(p)] });
  }
  const deciding = detail.deciding ? explainEntry(detail.deciding) : null;
  const conflicts = detail.conflicts.map((c) => ({ allow: explainEntry(c.allow), deny: explainEntry(c.deny) }));
  let summary = `${detail.allowed ? 'Allowed' : 'Denied'}: ${operation} on contact ${contactId}: ${REASONS[detail.reason]}`;
  if (deciding) summary += `; decided by ${entryLabel(deciding)}`;
  if (detail.extension) summary += `; through ${detail.extension}`;
  if (deciding?.object.type === 'related') {
    const paths = (subject?.relations ?? []).filter((r) => r.contactId === contactId).map((r) => r.path);
    if (paths.length > 0) summary += `; related as ${paths.join('; ')}`;
  }
  if (deciding?.object.type === 'delegated') summary += `; delegated by contact ${deciding.object.granterId} from entry ${deciding.object.parentEntryId}`;
  if (conflicts.length > 0) summary += `; conflict: allow and deny both owned by the subject's contact in the deciding tier`;
  if (subject && subject.deletedContactId !== null) {
    summary += `; the subject's own contact ${subject.deletedContactId} is deleted, so it holds only what an anonymous visitor holds (Everyone)`;
  }
  if (error !== undefined) summary += `: ${error instanceof Error ? error.message : String(error)}`;
  return {
    allowed: detail.allowed,
    reason: detail.reason,
    operation,
    contactId,
    subject: subject && {
      contactId: subject.contactId,
      deletedContactId: subject.deletedContactId,
      userId: subject.userId,
      hasUser: subject.hasUser,
      administrator: subject.isAdministrator,
      groups: [...subject.groupIds].sort((a, b) => a - b),
      roles: [...subject.roleIds].sort((a, b) => a - b),
      permissions: [...subject.permissions].sort(),
    },
    tiers,
    deciding,
    losers: detail.losers.map((l) => ({ entry: explainEntry(l.entry), why: l.why })),
    conflicts,
    extension: detail.extension,
    relationships: (subject?.relations ?? []).filter((r) => r.contactId === contactId).map((r) => `${r.level} as ${r.path} (degree ${r.degree})`),
    summary,
    ...(error !== undefined ? { error: error instanceof Error ? error.message : String(error) } : {}),
  };
}
