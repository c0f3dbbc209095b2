import { z } from 'zod';
import { PolicyError } from './engine-errors.js';

// Control characters (C0, DEL, C1): NUL ends strings in some drivers and tools, the others hide in terminals.
const CONTROL = /\p{Cc}/u;
// In a `u` regular expression a surrogate that is not half of a pair is a code point of its own, category Cs.
const LONE_SURROGATE = /\p{Cs}/u;

/**
 * zod schema of a domain (tenant) name: 1 to 128 characters, no control characters (NUL, tab, newline, DEL,
 * ...), and well-formed Unicode (a lone surrogate would be replaced by U+FFFD on its way to the database, so
 * two different names would open one tenant). Names are otherwise kept as given and compare exactly: `ACME`,
 * `acme `, `Acme` and `acmé` are four domains.
 *
 * @example
 * ```ts
 * domainNameSchema.parse('acme'); // 'acme'
 * domainNameSchema.safeParse('acme\u0000').success; // false
 * ```
 */
export const domainNameSchema = z
  .string()
  .min(1, 'must not be empty')
  .max(128, 'must be at most 128 characters')
  .refine((s) => !CONTROL.test(s), 'must not contain control characters (NUL, tab, newline, ...)')
  .refine((s) => !LONE_SURROGATE.test(s), 'must be well-formed Unicode (no lone surrogates)');

/**
 * Validates a domain name, throwing `PolicyError('invalid_input')` with the name and the reasons.
 *
 * @example
 * ```ts
 * parseDomainName('acme'); // 'acme'
 * parseDomainName('ac\u0000me'); // throws PolicyError { code: 'invalid_input', details: { name: 'ac\u0000me', ... } }
 * ```
 */
export function parseDomainName(name: unknown): string {
  const parsed = domainNameSchema.safeParse(name);
  if (parsed.success) return parsed.data;
  throw new PolicyError('invalid_input', `invalid domain name ${JSON.stringify(name)}: ${parsed.error.issues.map((i) => i.message).join('; ')}`, {
    name,
    issues: parsed.error.issues,
  });
}
