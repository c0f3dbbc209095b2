/**
 * Compares two values the way the SQL dialects do with exact (binary, no-pad) collations: numbers
 * numerically, text by Unicode code point (the order of UTF-8 bytes), which is not JavaScript's UTF-16 order.
 *
 * @example
 * ```ts
 * compareValues('a', 'B') > 0; // true: 'a' (0x61) sorts after 'B' (0x42)
 * ```
 */
export function compareValues(a: string | number, b: string | number): number {
  if (typeof a === 'number' && typeof b === 'number') return a < b ? -1 : a > b ? 1 : 0;
  return Buffer.compare(Buffer.from(String(a), 'utf8'), Buffer.from(String(b), 'utf8'));
}
