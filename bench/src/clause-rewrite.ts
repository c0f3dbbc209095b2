/**
 * Textual rewrites of the engine's compiled clause, to prototype other shapes of the same predicate: every
 * `exists (<membership subquery>)` becomes either a scalar index probe or an `IN` subquery. The engine binds
 * every value, so the text holds no string literals; quoted identifiers are skipped anyway.
 */

type Replace = (inner: string) => string;

function rewriteExists(text: string, replace: Replace): string {
  let out = '';
  let i = 0;
  const pattern = /\bexists\s*\(/giy;
  while (i < text.length) {
    const ch = text[i] as string;
    if (ch === '"' || ch === '`' || ch === "'") {
      const end = text.indexOf(ch, i + 1);
      const stop = end < 0 ? text.length : end + 1;
      out += text.slice(i, stop);
      i = stop;
      continue;
    }
    pattern.lastIndex = i;
    const m = (i === 0 || !/[A-Za-z0-9_]/.test(text[i - 1] as string)) && pattern.exec(text);
    if (m) {
      const open = i + m[0].length - 1;
      const close = matchingParen(text, open);
      out += replace(rewriteExists(text.slice(open + 1, close), replace));
      i = close + 1;
      continue;
    }
    out += ch;
    i += 1;
  }
  return out;
}

function matchingParen(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i += 1) {
    const ch = text[i];
    if (ch === '"' || ch === '`' || ch === "'") {
      const end = text.indexOf(ch, i + 1);
      i = end < 0 ? text.length : end;
      continue;
    }
    if (ch === '(') depth += 1;
    else if (ch === ')') {
      depth -= 1;
      if (depth === 0) return i;
    }
  }
  throw new Error('unbalanced parentheses in the compiled clause');
}

/**
 * Every `exists (<subquery>)` becomes `(<subquery> limit 1) is not null`: a per-row index probe that the
 * optimizers do not turn into a semi-join (so a first page keeps walking the host's ORDER BY index).
 *
 * @example
 * ```ts
 * existsToScalarProbe('select 1 from c where exists (select 1 from g where g.x = c.id)');
 * // 'select 1 from c where (select 1 from g where g.x = c.id limit 1) is not null'
 * ```
 */
export function existsToScalarProbe(text: string): string {
  return rewriteExists(text, (inner) => `(${inner} limit 1) is not null`);
}

const Q = '[`"]';
const IDENT = `${Q}\\w+${Q}`;
const MEMBERSHIP = new RegExp(`^select 1 from (${IDENT}) as (${IDENT}) where \\2\\.(${Q})contact_id\\3 = ((?:${IDENT}\\.)?${IDENT}) and (.*)$`, 's');

/**
 * Every `exists (select 1 from T as a where a.contact_id = c.id and <rest>)` becomes
 * `c.id in (select a.contact_id from T as a where <rest>)` (other `exists` stay as they are).
 *
 * @example
 * ```ts
 * existsToIn('exists (select 1 from "g" as "a" where "a"."contact_id" = "c"."id" and "a"."group_id" = $1)');
 * // '"c"."id" in (select "a"."contact_id" from "g" as "a" where "a"."group_id" = $1)'
 * ```
 */
export function existsToIn(text: string): string {
  return rewriteExists(text, (inner) => {
    const m = MEMBERSHIP.exec(inner.trim());
    if (!m) return `exists (${inner})`;
    const [, table, alias, q, outer, rest] = m as unknown as [string, string, string, string, string, string];
    return `${outer} in (select ${alias}.${q}contact_id${q} from ${table} as ${alias} where ${rest})`;
  });
}
