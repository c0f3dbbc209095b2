/** Ids per `in (...)` list in host queries. */
export const HOST_CHUNK = 1000;

/**
 * Splits a list into pieces of at most `size` (for `in (...)` lists).
 *
 * @example
 * ```ts
 * inChunks([1, 2, 3], 2); // [[1, 2], [3]]
 * ```
 */
export function inChunks<T>(items: readonly T[], size = HOST_CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * A text column as a string or null (drivers return Buffers for some blob columns).
 *
 * @example
 * ```ts
 * textOrNull(Buffer.from('x')); // 'x'
 * ```
 */
export function textOrNull(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  return String(value);
}
