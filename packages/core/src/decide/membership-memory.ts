import { isToken, type Criteria, type CriteriaValue } from '../model/criteria-schema.js';
import { likeMatcher } from '../model/like-pattern.js';
import type { ContactFacts, FieldValue, GroupDef } from '../model/policy-model.js';
import { MAX_GROUP_NESTING } from '../model/policy-limits.js';
import type { Relation } from '../model/relationship-model.js';
import { compareValues } from '../model/text-order.js';

/** What criteria evaluation needs besides the contact: the groups and the subject's values for tokens. */
export interface MemoryContext {
  readonly groups: ReadonlyMap<number, GroupDef>;
  readonly subjectValues: Readonly<Record<string, FieldValue>>;
  /** The subject's relations (for `related` objects); empty when unknown. */
  readonly relations?: readonly Relation[];
}

function resolve(value: CriteriaValue, ctx: MemoryContext): FieldValue {
  return isToken(value) ? (ctx.subjectValues[value.$subject] ?? null) : value;
}

function compare(op: string, left: string | number, right: string | number): boolean {
  const c = compareValues(left, right);
  switch (op) {
    case '=':
      return c === 0;
    case '!=':
      return c !== 0;
    case '<':
      return c < 0;
    case '<=':
      return c <= 0;
    case '>':
      return c > 0;
    case '>=':
      return c >= 0;
    default:
      throw new Error(`unknown comparison ${op}`);
  }
}

/**
 * Evaluates criteria against one contact in memory, with the same rules as the SQL form (see
 * {@link Criteria}).
 *
 * @example
 * ```ts
 * evaluateCriteria({ field: 'country', op: '=', value: { $subject: 'country' } }, facts, { groups, subjectValues: { country: 'VN' } });
 * ```
 */
export function evaluateCriteria(c: Criteria, facts: ContactFacts, ctx: MemoryContext, depth = 0): boolean {
  if ('all' in c) return c.all.every((x) => evaluateCriteria(x, facts, ctx, depth));
  if ('any' in c) return c.any.some((x) => evaluateCriteria(x, facts, ctx, depth));
  if ('not' in c) return !evaluateCriteria(c.not, facts, ctx, depth);
  if ('inGroup' in c) return isGroupMember(c.inGroup, facts, ctx, depth + 1);
  if ('subType' in c) return facts.subTypes.has(c.subType);
  const actual = facts.values[c.field] ?? null;
  switch (c.op) {
    case 'is null':
      return actual === null;
    case 'is not null':
      return actual !== null;
    case 'like':
      return typeof actual === 'string' && likeMatcher(c.value)(actual);
    case 'in':
    case 'not in': {
      if (actual === null) return false;
      const values = c.value.map((v) => resolve(v, ctx)).filter((v): v is string | number => v !== null);
      const found = values.some((v) => compareValues(actual, v) === 0);
      return c.op === 'in' ? found : !found;
    }
    default: {
      const expected = resolve(c.value, ctx);
      if (actual === null || expected === null) return false;
      return compare(c.op, actual, expected);
    }
  }
}

/**
 * Whether a contact is a member of a group: static -> status Added; smart -> (criteria match or Added) and not
 * Removed. A disabled or unknown group has no members.
 *
 * @example
 * ```ts
 * isGroupMember(3, facts, { groups: snapshot.groups, subjectValues: subject.values });
 * ```
 */
export function isGroupMember(groupId: number, facts: ContactFacts, ctx: MemoryContext, depth = 0): boolean {
  if (depth > MAX_GROUP_NESTING) throw new Error(`group nesting deeper than ${MAX_GROUP_NESTING} at group ${groupId}`);
  const group = ctx.groups.get(groupId);
  if (!group || !group.active) return false;
  const status = facts.statuses.get(groupId);
  if (group.kind === 'static' || group.criteria === null) return status === 'Added';
  if (status === 'Removed') return false;
  return status === 'Added' || evaluateCriteria(group.criteria, facts, ctx, depth);
}
