import { type ContactFacts, type Criteria, type CriteriaValue } from '@rowguard/core';
import { evaluateCriteria, isGroupMember, isToken, type MemoryContext } from '@rowguard/core/extension';

/**
 * Names for ids, for sentences.
 *
 * @example
 * ```ts
 * const names: WordNames = { group: (id) => snapshot.groups.get(id)?.name ?? `#${id}` };
 * ```
 */
export interface WordNames {
  group(id: number): string;
}

function valueWords(v: CriteriaValue, ctx: MemoryContext): string {
  if (!isToken(v)) return typeof v === 'string' ? v : String(v);
  const resolved = ctx.subjectValues[v.$subject] ?? null;
  return `${resolved === null ? 'NULL' : String(resolved)} (your ${v.$subject})`;
}

/**
 * Criteria in words, with subject tokens resolved: `country = VN (your country) and sub-type is sales`.
 *
 * @example
 * ```ts
 * criteriaWords({ field: 'country', op: '=', value: { $subject: 'country' } }, { groups, subjectValues: { country: 'VN' } }, names);
 * // 'country = VN (your country)'
 * ```
 */
export function criteriaWords(c: Criteria, ctx: MemoryContext, names: WordNames): string {
  if ('all' in c) return c.all.length === 0 ? 'always' : c.all.map((x) => wrap(x, ctx, names)).join(' and ');
  if ('any' in c) return c.any.length === 0 ? 'never' : c.any.map((x) => wrap(x, ctx, names)).join(' or ');
  if ('not' in c) return `not (${criteriaWords(c.not, ctx, names)})`;
  if ('inGroup' in c) return `member of '${names.group(c.inGroup)}'`;
  if ('subType' in c) return `sub-type is ${c.subType}`;
  switch (c.op) {
    case 'is null':
      return `${c.field} is not set`;
    case 'is not null':
      return `${c.field} is set`;
    case 'in':
    case 'not in':
      return `${c.field} ${c.op} [${c.value.map((v) => valueWords(v, ctx)).join(', ')}]`;
    case 'like':
      return `${c.field} like "${c.value}"`;
    default:
      return `${c.field} ${c.op} ${valueWords(c.value, ctx)}`;
  }
}

function wrap(c: Criteria, ctx: MemoryContext, names: WordNames): string {
  const text = criteriaWords(c, ctx, names);
  return 'all' in c || 'any' in c ? `(${text})` : text;
}

function actual(facts: ContactFacts, field: string): string {
  const v = facts.values[field] ?? null;
  return v === null ? 'not set' : String(v);
}

/**
 * Why criteria do not match a contact (or a candidate), in words: the first condition that fails and the
 * value that made it fail. Call it only when the criteria are false for `facts`.
 *
 * @example
 * ```ts
 * criteriaMissWords(criteria, candidateFacts, ctx, names, 'the candidate');
 * // "country = VN (your country) is false: the candidate's country is FR"
 * ```
 */
export function criteriaMissWords(c: Criteria, facts: ContactFacts, ctx: MemoryContext, names: WordNames, noun: string): string {
  if ('all' in c) {
    const failing = c.all.find((x) => !evaluateCriteria(x, facts, ctx));
    return failing ? criteriaMissWords(failing, facts, ctx, names, noun) : 'it matches';
  }
  if ('any' in c) return `none of these holds: ${c.any.map((x) => criteriaMissWords(x, facts, ctx, names, noun)).join('; ')}`;
  if ('not' in c) return `${criteriaWords(c.not, ctx, names)} holds for ${noun}`;
  if ('inGroup' in c) {
    return isGroupMember(c.inGroup, facts, ctx) ? 'it matches' : `${noun} is not a member of '${names.group(c.inGroup)}'`;
  }
  if ('subType' in c) {
    const subs = [...facts.subTypes];
    return `${noun} is not a ${c.subType} (${subs.length > 0 ? `sub-types: ${subs.join(', ')}` : 'no sub-type'})`;
  }
  const words = criteriaWords(c, ctx, names);
  if ('value' in c) {
    const values = Array.isArray(c.value) ? c.value : [c.value];
    const nullToken = values.find((v) => isToken(v) && (ctx.subjectValues[v.$subject] ?? null) === null);
    if (nullToken && isToken(nullToken)) return `${words} is false: your ${nullToken.$subject} is not set, so the comparison never holds`;
  }
  return `${words} is false: ${noun}'s ${c.field} is ${actual(facts, c.field)}`;
}
