/**
 * `like` patterns in criteria: `%` matches any run of characters, `_` exactly one character (a code point), and
 * `\` makes the next character literal. Matching is case-sensitive on every dialect. A pattern may not end with
 * a lone `\`.
 */
type LikeToken = { readonly kind: 'any' } | { readonly kind: 'one' } | { readonly kind: 'char'; readonly ch: string };

function tokenize(pattern: string): LikeToken[] {
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
 * A regular expression matching exactly what the pattern matches in SQL.
 *
 * @example
 * ```ts
 * likeToRegExp('A\\_%').test('A_bc'); // true
 * ```
 */
export function likeToRegExp(pattern: string): RegExp {
  const body = tokenize(pattern)
    .map((t) => (t.kind === 'any' ? '.*' : t.kind === 'one' ? '.' : t.ch.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&')))
    .join('');
  return new RegExp(`^${body}$`, 'su');
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
