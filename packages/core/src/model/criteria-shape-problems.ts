/**
 * Names what is wrong with the SHAPE of criteria in words a policy author understands ("'in' needs a list of
 * values, got \"VN\"", "unknown operator '~'"), where a schema union would only say that no alternative fits
 * (and name the wrong one). Field names, value types and group references are checked afterwards, by
 * `checkCriteria`.
 */

/** One problem and where it is (keys and indexes from the criteria root). */
export interface CriteriaProblem {
  readonly path: readonly (string | number)[];
  readonly message: string;
}

/** The comparison operators criteria know, by the kind of value they take. */
export const SCALAR_OPERATORS = ['=', '!=', '<', '<=', '>', '>='] as const;
const LIST_OPERATORS = ['in', 'not in'] as const;
const NULL_OPERATORS = ['is null', 'is not null'] as const;
const ALL_OPERATORS: readonly string[] = [...SCALAR_OPERATORS, ...LIST_OPERATORS, 'like', ...NULL_OPERATORS];

/** Limits the criteria shape shares with `criteriaSchema`. */
export const CRITERIA_SHAPE_LIMITS = { maxChildren: 100, maxListValues: 1000, maxNameLength: 64 } as const;

const show = (v: unknown): string => (v === undefined ? 'nothing' : Array.isArray(v) ? 'a list' : JSON.stringify(v));

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function scalarProblem(v: unknown): string | undefined {
  if (typeof v === 'string') return undefined;
  if (typeof v === 'number') return Number.isFinite(v) ? undefined : `${String(v)} is not a finite number`;
  if (isPlainObject(v)) {
    const keys = Object.keys(v);
    if (keys.length === 1 && keys[0] === '$subject' && typeof v.$subject === 'string' && v.$subject.length > 0) return undefined;
    return `a token is written { "$subject": "<field>" }, got ${show(v)}`;
  }
  return `a value is a string, a number or { "$subject": "<field>" }, got ${show(v)}`;
}

function leafProblems(c: Record<string, unknown>, path: readonly (string | number)[], out: CriteriaProblem[]): void {
  const { field, op } = c;
  const at = (key: string | number, message: string): void => void out.push({ path: [...path, key], message });
  if (typeof field !== 'string' || field.length === 0 || field.length > CRITERIA_SHAPE_LIMITS.maxNameLength) {
    at('field', `'field' is a name of 1 to ${CRITERIA_SHAPE_LIMITS.maxNameLength} characters, got ${show(field)}`);
  }
  if (typeof op !== 'string' || !ALL_OPERATORS.includes(op)) {
    at('op', `unknown operator ${show(op)} (expected one of ${ALL_OPERATORS.map((o) => `'${o}'`).join(', ')})`);
    return;
  }
  const allowed = (NULL_OPERATORS as readonly string[]).includes(op) ? ['field', 'op'] : ['field', 'op', 'value'];
  for (const key of Object.keys(c)) if (!allowed.includes(key)) at(key, `unexpected key '${key}' in a '${op}' comparison`);
  if ((NULL_OPERATORS as readonly string[]).includes(op)) return;
  const value = c.value;
  if ((LIST_OPERATORS as readonly string[]).includes(op)) {
    if (!Array.isArray(value)) {
      at('value', `'${op}' needs a list of values, got ${show(value)}`);
      return;
    }
    if (value.length > CRITERIA_SHAPE_LIMITS.maxListValues) at('value', `'${op}' takes at most ${CRITERIA_SHAPE_LIMITS.maxListValues} values, got ${value.length}`);
    value.forEach((v, i) => {
      const bad = scalarProblem(v);
      if (bad) out.push({ path: [...path, 'value', i], message: bad });
    });
  } else if (op === 'like') {
    if (typeof value !== 'string') at('value', `'like' needs a text pattern, got ${show(value)}`);
  } else if (Array.isArray(value)) {
    at('value', `'${op}' compares with one value, got a list (use 'in' for a list)`);
  } else {
    const bad = scalarProblem(value);
    if (bad) at('value', bad);
  }
}

/**
 * Every shape problem in raw criteria, each with its path; empty when the shape is right.
 *
 * @example
 * ```ts
 * criteriaShapeProblems({ field: 'country', op: 'in', value: 'VN' });
 * // [{ path: ['value'], message: "'in' needs a list of values, got \"VN\"" }]
 * ```
 */
export function criteriaShapeProblems(input: unknown, path: readonly (string | number)[] = [], depth = 0): CriteriaProblem[] {
  const out: CriteriaProblem[] = [];
  if (depth > 256) return [{ path, message: 'criteria nested too deeply' }];
  if (!isPlainObject(input)) return [{ path, message: `criteria are an object, got ${show(input)}` }];
  const keys = Object.keys(input);
  const only = (key: string): boolean => {
    const extra = keys.filter((k) => k !== key);
    for (const k of extra) out.push({ path: [...path, k], message: `unexpected key '${k}' next to '${key}'` });
    return extra.length === 0;
  };
  for (const key of ['all', 'any'] as const) {
    if (key in input) {
      only(key);
      const list = input[key];
      if (!Array.isArray(list)) out.push({ path: [...path, key], message: `'${key}' needs a list of criteria, got ${show(list)}` });
      else if (list.length > CRITERIA_SHAPE_LIMITS.maxChildren) out.push({ path: [...path, key], message: `'${key}' takes at most ${CRITERIA_SHAPE_LIMITS.maxChildren} criteria` });
      else list.forEach((c, i) => out.push(...criteriaShapeProblems(c, [...path, key, i], depth + 1)));
      return out;
    }
  }
  if ('not' in input) {
    only('not');
    out.push(...criteriaShapeProblems(input.not, [...path, 'not'], depth + 1));
    return out;
  }
  if ('inGroup' in input) {
    only('inGroup');
    const g = input.inGroup;
    if (typeof g !== 'number' || !Number.isSafeInteger(g) || g <= 0) out.push({ path: [...path, 'inGroup'], message: `'inGroup' needs a group id (a positive integer), got ${show(g)}` });
    return out;
  }
  if ('subType' in input) {
    only('subType');
    const s = input.subType;
    if (typeof s !== 'string' || s.length === 0 || s.length > CRITERIA_SHAPE_LIMITS.maxNameLength) {
      out.push({ path: [...path, 'subType'], message: `'subType' is a name of 1 to ${CRITERIA_SHAPE_LIMITS.maxNameLength} characters, got ${show(s)}` });
    }
    return out;
  }
  if ('field' in input || 'op' in input) {
    leafProblems(input, path, out);
    return out;
  }
  return [{ path, message: `criteria need one of 'all', 'any', 'not', 'inGroup', 'subType' or 'field' + 'op', got keys ${show(keys)}` }];
}
