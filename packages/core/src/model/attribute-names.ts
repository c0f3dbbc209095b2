import { z } from 'zod';

/**
 * Names a contact attribute may not have: the properties every JavaScript object inherits (`__proto__`,
 * `constructor`, `toString`, ...). Attribute values travel in plain objects, where such a name would be
 * dropped (`__proto__`) or confused with the inherited property; refusing them keeps every layer exact.
 */
export const RESERVED_ATTRIBUTE_NAMES: ReadonlySet<string> = new Set(Object.getOwnPropertyNames(Object.prototype));

/**
 * What is wrong with an attribute name as a key, or undefined when it may be used.
 *
 * @example
 * ```ts
 * attributeNameProblem('constructor'); // "attribute name 'constructor' is reserved (every JavaScript object has it)"
 * ```
 */
export function attributeNameProblem(name: string): string | undefined {
  return RESERVED_ATTRIBUTE_NAMES.has(name) ? `attribute name '${name}' is reserved (every JavaScript object has it)` : undefined;
}

/**
 * Wraps a record schema keyed by attribute name so that reserved names in the RAW input are refused with a clear
 * message. A plain record schema cannot see them: it drops an own `__proto__` key before any check runs.
 *
 * @example
 * ```ts
 * const attrs = checkedAttributeKeys(z.record(z.string(), z.string()));
 * attrs.safeParse(JSON.parse('{"__proto__": "x"}')).success; // false: attribute name '__proto__' is reserved
 * ```
 */
export function checkedAttributeKeys<T extends z.ZodType>(schema: T): T {
  return z.preprocess((raw, ctx) => {
    if (typeof raw === 'object' && raw !== null && !Array.isArray(raw)) {
      for (const key of Object.keys(raw)) {
        const problem = attributeNameProblem(key);
        if (problem) ctx.addIssue({ code: 'custom', path: [key], message: problem, input: raw });
      }
    }
    return raw;
  }, schema) as unknown as T;
}

/**
 * zod schema of an attribute value written to a contact: text up to 255 characters without NUL (PostgreSQL
 * text cannot hold it, and SQLite's pattern matching stops at it), a number, or NULL. Whether a number is a
 * whole number the attribute's column holds is checked by the writer, which knows the attribute's type and the
 * dialect (see {@link integerAttributeProblem}).
 *
 * @example
 * ```ts
 * attributeValueSchema.parse('VN'); // 'VN'
 * attributeValueSchema.parse('a\0b'); // throws
 * ```
 */
export const attributeValueSchema = z.union([
  z
    .string()
    .max(255)
    .refine((s) => !s.includes('\0'), 'text may not contain a NUL character'),
  z.number().finite(),
  z.null(),
]);

/**
 * What is wrong with a value for an attribute of the given type, or undefined when it fits. `range` is what
 * the dialect's integer column holds (see `integerRange`).
 *
 * @example
 * ```ts
 * attributeValueProblem('age', 'integer', 1.5, range); // "attribute 'age' is integer, got 1.5 (not a whole number)"
 * ```
 */
export function attributeValueProblem(
  name: string,
  type: 'text' | 'integer',
  value: string | number | null,
  range: { readonly min: number; readonly max: number },
): { readonly code: 'invalid_input' | 'value_out_of_range'; readonly message: string } | undefined {
  if (value === null) return undefined;
  if ((type === 'integer') !== (typeof value === 'number')) return { code: 'invalid_input', message: `attribute '${name}' is ${type}, got ${JSON.stringify(value)}` };
  if (typeof value !== 'number') return undefined;
  if (!Number.isInteger(value)) return { code: 'invalid_input', message: `attribute '${name}' is integer, got ${value} (not a whole number)` };
  if (value < range.min || value > range.max) {
    return { code: 'value_out_of_range', message: `attribute '${name}': ${value} is outside what its integer column holds (${range.min} to ${range.max})` };
  }
  return undefined;
}
