/**
 * `like` patterns in criteria: `%` matches any run of characters, `_` exactly one character (a code point), and
 * `\` makes the next character literal. Matching is case-sensitive on every dialect. A pattern may not end with
 * a lone `\`, and may not contain NUL (SQLite's `GLOB` stops at the first NUL, so such a pattern could not mean
 * the same thing in memory and in SQL).
 */
type LikeToken = { readonly kind: 'any' } | { readonly kind: 'one' } | { readonly kind: 'char'; readonly ch: string };

function tokenize(pattern: string): LikeToken[] {
  if (pattern.includes('\0')) throw new Error('like pattern contains a NUL character');
  const out: LikeToken[] = [];
  const chars = [...pattern];
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i] as string;
    if (ch === '\\') {
      const next = chars[++i];
      if (next === undefined) throw new Error('like pattern ends with an escape character');
      out.push({ kind: 'char', ch: next });
    } else if (ch === '%') out.push({ kind: 'any' });
    else if (ch === '_') out.push({ kind: 'one' });
    else out.push({ kind: 'char', ch });
  }
  return out;
}

/**
 * What is wrong with a like pattern, or undefined when it is valid.
 *
 * @example
 * ```ts
 * likePatternProblem('ab\\'); // 'like pattern ends with an escape character'
 * ```
 */
export function likePatternProblem(pattern: string): string | undefined {
  try {
    tokenize(pattern);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

/**
 * Whether `value` matches `tokens` from the start to the end. The classic wildcard walk: on a mismatch it goes
 * back to the last `%` seen and lets it swallow one more character. A later `%` makes every earlier one
 * irrelevant, so only the last needs remembering: at most O(value x pattern) steps, never exponential.
 */
function matchTokens(tokens: readonly LikeToken[], value: readonly string[]): boolean {
  let p = 0;
  let v = 0;
  let starP = -1;
  let starV = 0;
  while (v < value.length) {
    const t = tokens[p];
    if (t !== undefined && t.kind === 'any') {
      starP = p++;
      starV = v;
    } else if (t !== undefined && (t.kind === 'one' || t.ch === value[v])) {
      p++;
      v++;
    } else if (starP >= 0) {
      p = starP + 1;
      v = ++starV;
    } else {
      return false;
    }
  }
  while (p < tokens.length && (tokens[p] as LikeToken).kind === 'any') p++;
  return p === tokens.length;
}

/**
 * A matcher for exactly what the pattern matches in SQL: case-sensitive, `_` = one code point, and a value
 * containing NUL never matches (the SQL forms exclude such values too). Runs in at most O(value x pattern)
 * steps whatever the pattern, so no pattern can stall the process. Throws on an invalid pattern.
 *
 * @example
 * ```ts
 * likeMatcher('%@acme-corp.com')('ann@acme-corp.com'); // true
 * likeMatcher('A\\_%')('A_bc'); // true
 * ```
 */
export function likeMatcher(pattern: string): (value: string) => boolean {
  const tokens = tokenize(pattern);
  return (value) => !value.includes('\0') && matchTokens(tokens, [...value]);
}

/**
 * The pattern rewritten for `LIKE ... ESCAPE '!'` (MariaDB/MySQL and PostgreSQL).
 *
 * @example
 * ```ts
 * likeToSqlPattern('50\\%_'); // '50!%_'
 * ```
 */
export function likeToSqlPattern(pattern: string): string {
  return tokenize(pattern)
    .map((t) => (t.kind === 'any' ? '%' : t.kind === 'one' ? '_' : /[%_!]/.test(t.ch) ? `!${t.ch}` : t.ch))
    .join('');
}

/**
 * The pattern rewritten for SQLite's case-sensitive `GLOB`.
 *
 * @example
 * ```ts
 * likeToGlob('a*%'); // 'a[*]*'
 * ```
 */
export function likeToGlob(pattern: string): string {
  return tokenize(pattern)
    .map((t) => (t.kind === 'any' ? '*' : t.kind === 'one' ? '?' : /[*?[]/.test(t.ch) ? `[${t.ch}]` : t.ch))
    .join('');
}
