import { z } from 'zod';
import type { AttributeType, ContactsConfig } from './engine-config.js';
import { PolicyError } from './engine-errors.js';
import { criteriaShapeProblems, type CriteriaProblem } from './criteria-shape-problems.js';
import type { DialectKind } from './dialect-kind.js';
import { likePatternProblem } from './like-pattern.js';
import { integerRange } from './policy-limits.js';

/** A value taken from the acting subject's contact at decision time, e.g. `{ "$subject": "country" }`. */
export interface SubjectToken {
  readonly $subject: string;
}
/** A literal or a subject token. */
export type CriteriaValue = string | number | SubjectToken;
/** Comparison operators with one value. */
export type ComparisonOperator = '=' | '!=' | '<' | '<=' | '>' | '>=';

/**
 * Smart-group criteria: data, never SQL text. Evaluated in memory and compiled to SQL with identical results.
 * Rules: a comparison on a NULL column is false (including `!=` and `not in`), a token whose subject value is
 * NULL or missing makes its comparison false, text compares exactly (case-sensitive, code-point order), and
 * `like` is case-sensitive with `%` / `_` wildcards and `\` as escape.
 */
export type Criteria =
  | { readonly all: readonly Criteria[] }
  | { readonly any: readonly Criteria[] }
  | { readonly not: Criteria }
  | { readonly field: string; readonly op: ComparisonOperator; readonly value: CriteriaValue }
  | { readonly field: string; readonly op: 'in' | 'not in'; readonly value: readonly CriteriaValue[] }
  | { readonly field: string; readonly op: 'like'; readonly value: string }
  | { readonly field: string; readonly op: 'is null' | 'is not null' }
  | { readonly inGroup: number }
  | { readonly subType: string };

const tokenSchema = z.object({ $subject: z.string().min(1) }).strict();
const valueSchema = z.union([z.string(), z.number().int().safe(), tokenSchema]);
const fieldSchema = z.string().min(1).max(64);

/**
 * zod schema of {@link Criteria} (shape only; {@link checkCriteria} checks fields, types and references).
 *
 * @example
 * ```ts
 * criteriaSchema.parse({ all: [{ field: 'country', op: '=', value: { $subject: 'country' } }, { subType: 'sales' }] });
 * ```
 */
export const criteriaSchema: z.ZodType<Criteria> = z.lazy(() =>
  z.union([
    z.object({ all: z.array(criteriaSchema).max(100) }).strict(),
    z.object({ any: z.array(criteriaSchema).max(100) }).strict(),
    z.object({ not: criteriaSchema }).strict(),
    z.object({ field: fieldSchema, op: z.enum(['=', '!=', '<', '<=', '>', '>=']), value: valueSchema }).strict(),
    z.object({ field: fieldSchema, op: z.enum(['in', 'not in']), value: z.array(valueSchema).max(1000) }).strict(),
    z.object({ field: fieldSchema, op: z.literal('like'), value: z.string() }).strict(),
    z.object({ field: fieldSchema, op: z.enum(['is null', 'is not null']) }).strict(),
    z.object({ inGroup: z.number().int().positive() }).strict(),
    z.object({ subType: z.string().min(1).max(64) }).strict(),
  ]),
);

/** A criteria field: its type and the column holding it. */
export interface FieldInfo {
  readonly type: AttributeType;
  readonly column: string;
}

/**
 * The fields criteria may name for a contact-table configuration: `id`, `contact_type` (when the table has
 * one) and every declared attribute.
 *
 * @example
 * ```ts
 * criteriaFields(config.contacts).get('country'); // { type: 'text', column: 'country' }
 * ```
 */
export function criteriaFields(contacts: ContactsConfig): ReadonlyMap<string, FieldInfo> {
  const fields = new Map<string, FieldInfo>();
  fields.set('id', { type: 'integer', column: contacts.columns.id });
  if (contacts.columns.contactType) fields.set('contact_type', { type: 'text', column: contacts.columns.contactType });
  for (const [name, attr] of Object.entries(contacts.attributes)) {
    fields.set(name, { type: attr.type, column: attr.column ?? name });
  }
  return fields;
}

/** Whether a criteria value is a subject token. */
export function isToken(value: CriteriaValue): value is SubjectToken {
  return typeof value === 'object';
}

const MAX_DEPTH = 32;

/** Options of {@link checkCriteria}. */
export interface CriteriaCheckOptions {
  /** The dialect the criteria will run on: integer values must fit its integer columns (see `integerRange`). */
  readonly dialect?: DialectKind;
}

/**
 * Parses and checks criteria against the configured fields: shape (with a message naming what is wrong, see
 * `criteria-shape-problems.ts`), known fields, value types matching the field, integers within what the
 * dialect's integer columns hold, no NUL in text, tokens naming a field of the same type, valid `like`
 * patterns, bounded depth. Returns the criteria and the ids of the groups it references. Throws
 * {@link PolicyError} `invalid_criteria` naming every problem (`details.issues`: path and message of each), or
 * `value_out_of_range` when the only problems are integers the columns cannot hold.
 *
 * @example
 * ```ts
 * const { criteria, groupIds } = checkCriteria({ inGroup: 3 }, fields); // groupIds: [3]
 * ```
 */
export function checkCriteria(
  input: unknown,
  fields: ReadonlyMap<string, FieldInfo>,
  options: CriteriaCheckOptions = {},
): { criteria: Criteria; groupIds: number[] } {
  const shape = criteriaShapeProblems(input);
  if (shape.length > 0) throw criteriaError(shape);
  const range = integerRange(options.dialect);
  const issues: CriteriaProblem[] = [];
  const outOfRange: { path: (string | number)[]; field: string; value: number }[] = [];
  const groupIds = new Set<number>();
  const checkValue = (path: (string | number)[], field: string, type: AttributeType, value: CriteriaValue): void => {
    const problem = (message: string): void => void issues.push({ path, message });
    if (isToken(value)) {
      const source = fields.get(value.$subject);
      if (!source) problem(`token names unknown field '${value.$subject}'`);
      else if (source.type !== type) problem(`token field '${value.$subject}' is ${source.type}, '${field}' is ${type}`);
    } else if ((type === 'integer') !== (typeof value === 'number')) {
      problem(`field '${field}' is ${type}, got ${JSON.stringify(value)}`);
    } else if (typeof value === 'number' && !Number.isInteger(value)) {
      problem(`field '${field}' is integer, got ${value} (not a whole number)`);
    } else if (typeof value === 'number' && (value < range.min || value > range.max)) {
      outOfRange.push({ path, field, value });
    } else if (typeof value === 'string' && value.includes('\0')) {
      problem(`a value for '${field}' contains a NUL character`);
    }
  };
  const walk = (c: Criteria, path: (string | number)[]): void => {
    if (path.filter((p) => p === 'all' || p === 'any' || p === 'not').length > MAX_DEPTH) {
      issues.push({ path, message: `criteria nested deeper than ${MAX_DEPTH}` });
      return;
    }
    if ('all' in c) c.all.forEach((x, i) => walk(x, [...path, 'all', i]));
    else if ('any' in c) c.any.forEach((x, i) => walk(x, [...path, 'any', i]));
    else if ('not' in c) walk(c.not, [...path, 'not']);
    else if ('inGroup' in c) groupIds.add(c.inGroup);
    else if ('subType' in c) return;
    else {
      const info = fields.get(c.field);
      if (!info) {
        issues.push({ path: [...path, 'field'], message: `unknown field '${c.field}'` });
        return;
      }
      const at = [...path, 'value'];
      switch (c.op) {
        case 'like': {
          if (info.type !== 'text') issues.push({ path: at, message: `'like' needs a text field, '${c.field}' is ${info.type}` });
          const bad = likePatternProblem(c.value);
          if (bad) issues.push({ path: at, message: bad });
          break;
        }
        case 'in':
        case 'not in':
          c.value.forEach((v, i) => checkValue([...at, i], c.field, info.type, v));
          break;
        case 'is null':
        case 'is not null':
          break;
        default:
          checkValue(at, c.field, info.type, c.value);
      }
    }
  };
  walk(input as Criteria, []);
  if (issues.length === 0 && outOfRange.length > 0) {
    const first = outOfRange[0] as (typeof outOfRange)[number];
    throw new PolicyError(
      'value_out_of_range',
      `invalid criteria: ${outOfRange.map((o) => `${o.value} for '${o.field}' (at ${formatPath(o.path)})`).join(', ')} is outside what an integer column holds${
        options.dialect ? ` on ${options.dialect}` : ''
      } (${range.min} to ${range.max})`,
      { field: first.field, value: first.value, min: range.min, max: range.max, dialect: options.dialect ?? null, values: outOfRange },
    );
  }
  for (const o of outOfRange) issues.push({ path: o.path, message: `${o.value} for '${o.field}' is outside ${range.min} to ${range.max}` });
  if (issues.length > 0) throw criteriaError(issues);
  const parsed = criteriaSchema.safeParse(input);
  if (!parsed.success) {
    throw new PolicyError('invalid_criteria', `invalid criteria: ${z.prettifyError(parsed.error)}`, {
      issues: parsed.error.issues.map((i) => ({ path: i.path, message: i.message })),
      problems: parsed.error.issues.map((i) => i.message),
    });
  }
  return { criteria: parsed.data, groupIds: [...groupIds] };
}

function formatPath(path: readonly (string | number)[]): string {
  return path.length === 0 ? 'the top' : path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${p}`)).join('').replace(/^\./, '');
}

function criteriaError(issues: readonly CriteriaProblem[]): PolicyError {
  const problems = issues.map((i) => (i.path.length > 0 ? `${i.message} (at ${formatPath(i.path)})` : i.message));
  return new PolicyError('invalid_criteria', `invalid criteria: ${problems.join('; ')}`, { problems, issues });
}

/**
 * The ids of the groups criteria refer to through `inGroup`, at any depth.
 *
 * @example
 * ```ts
 * referencedGroups({ any: [{ inGroup: 1 }, { not: { inGroup: 2 } }] }); // [1, 2]
 * ```
 */
export function referencedGroups(criteria: Criteria): number[] {
  const out: number[] = [];
  const walk = (c: Criteria): void => {
    if ('all' in c) c.all.forEach(walk);
    else if ('any' in c) c.any.forEach(walk);
    else if ('not' in c) walk(c.not);
    else if ('inGroup' in c) out.push(c.inGroup);
  };
  walk(criteria);
  return out;
}
