import { readFile } from 'node:fs/promises';
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document } from 'yaml';
import { PolicyFileError, type PolicyProblem } from './policy-file-error.js';
import { jsonSyntaxError } from './json-syntax-check.js';
import { isStackExhaustion, MAX_POLICY_DEPTH, yamlShapeProblems } from './policy-yaml-limits.js';

/**
 * A path into a parsed policy document, as zod reports it.
 *
 * @example
 * ```ts
 * const path: DocPath = ['entries', 3, 'owner'];
 * ```
 */
export type DocPath = readonly PropertyKey[];

/**
 * A parsed policy text: the plain data, and a way to find the line of any field in it.
 *
 * @example
 * ```ts
 * const { line } = (await readPolicyFile('policy.yaml')).locate(['entries', 3, 'owner']);
 * ```
 */
export interface PolicyText {
  readonly file: string;
  readonly data: unknown;
  /** The line and column of the node at `path` (or of its nearest existing ancestor); `key` points at the key. */
  locate(path: DocPath, options?: { key?: string }): { line: number; column: number };
}

/**
 * Turns a path into the field notation used in messages: `entries[3].owner.role`.
 *
 * @example
 * ```ts
 * fieldName(['entries', 3, 'owner']); // 'entries[3].owner'
 * ```
 */
export function fieldName(path: DocPath): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out === '' ? String(seg) : `.${String(seg)}`;
  }
  return out;
}

/** Where the quoted string that is never closed starts: the last quote before `end` that opens a value. */
function openingQuote(source: string, end: number, quote: string): number {
  for (let i = Math.min(end, source.length) - 1; i >= 0; i--) {
    if (source[i] !== quote) continue;
    const lineStart = source.lastIndexOf('\n', i - 1) + 1;
    if (/(^|[:,[{-])\s*$/.test(source.slice(lineStart, i))) return i;
  }
  return -1;
}

const tooDeep = `nested more than ${MAX_POLICY_DEPTH} levels deep (the limit for a policy file)`;

function problemAt(file: string, lc: LineCounter, offset: number, message: string): PolicyProblem {
  const { line, col } = lc.linePos(offset);
  return { file, line, column: col, field: '', message };
}

/**
 * Parses a policy text: JSON (strict) when the file name ends in `.json`, YAML otherwise. Syntax errors,
 * duplicate keys, anchors bombs, tags outside YAML's core schema and nesting deeper than
 * {@link MAX_POLICY_DEPTH} are refused with a {@link PolicyFileError} (kind `invalid`) naming the line.
 *
 * @example
 * ```ts
 * const text = parsePolicyText('contacts:\n  - key: a\n', 'policy.yaml');
 * text.locate(['contacts', 0, 'key']); // { line: 2, column: 5 }
 * ```
 */
export function parsePolicyText(source: string, file: string): PolicyText {
  const lineCounter = new LineCounter();
  const json = /\.json$/i.test(file);
  let doc: Document;
  try {
    doc = parseDocument(source, { lineCounter, prettyErrors: false, uniqueKeys: true, version: '1.2' });
  } catch (err) {
    if (!isStackExhaustion((err as Error).message)) throw err;
    throw new PolicyFileError('invalid_policy', 'invalid', `${file}: cannot be parsed`, [problemAt(file, lineCounter, 0, tooDeep)]);
  }
  if (json) {
    const bad = jsonSyntaxError(source);
    if (bad) {
      throw new PolicyFileError('invalid_policy', 'invalid', `${file}: not valid JSON`, [
        problemAt(file, lineCounter, bad.offset, `JSON syntax error: ${bad.message}`),
      ]);
    }
  }
  if (doc.errors.length > 0) {
    const problems = doc.errors.map((e) => {
      if (isStackExhaustion(e.message)) return problemAt(file, lineCounter, e.pos[0], tooDeep);
      const message = `${json ? 'JSON' : 'YAML'} ${e.code === 'DUPLICATE_KEY' ? 'duplicate key' : 'syntax error'}: ${e.message.split('\n')[0]}`;
      const quote = /Missing closing (["'])quote/.exec(e.message)?.[1];
      const opened = quote === undefined ? -1 : openingQuote(source, e.pos[0], quote);
      return opened >= 0 ? problemAt(file, lineCounter, opened, `${message} (the string opened here is never closed)`) : problemAt(file, lineCounter, e.pos[0], message);
    });
    throw new PolicyFileError('invalid_policy', 'invalid', `${file}: cannot be parsed`, problems);
  }
  const shape = yamlShapeProblems(doc, file, lineCounter);
  if (shape.length > 0) throw new PolicyFileError('invalid_policy', 'invalid', `${file}: invalid policy file`, shape);
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 1000 });
  } catch (err) {
    throw new PolicyFileError('invalid_policy', 'invalid', `${file}: ${(err as Error).message}`, [
      { file, line: 1, column: 1, field: '', message: (err as Error).message },
    ]);
  }
  const locate = (path: DocPath, options: { key?: string } = {}): { line: number; column: number } => {
    let node: unknown = doc.contents;
    let offset = (doc.contents as { range?: [number, number, number] } | null)?.range?.[0] ?? 0;
    const segments = options.key === undefined ? path : [...path, options.key];
    segments.forEach((seg, index) => {
      const pointAtKey = options.key !== undefined && index === segments.length - 1;
      if (isMap(node)) {
        const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(seg));
        if (!pair) {
          node = undefined;
          return;
        }
        const target = pointAtKey ? pair.key : (pair.value ?? pair.key);
        const range = (target as { range?: [number, number, number] } | null)?.range;
        if (range) offset = range[0];
        node = pair.value;
      } else if (isSeq(node) && typeof seg === 'number') {
        const item = node.items[seg];
        const range = (item as { range?: [number, number, number] } | null)?.range;
        if (range) offset = range[0];
        node = item;
      } else node = undefined;
    });
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };
  return { file, data, locate };
}

/**
 * Reads and parses a policy file (see {@link parsePolicyText}). A missing or unreadable file exits 2.
 *
 * @example
 * ```ts
 * const text = await readPolicyFile('examples/country-sales/country-sales.yaml');
 * ```
 */
export async function readPolicyFile(path: string): Promise<PolicyText> {
  let source: string;
  try {
    source = await readFile(path, 'utf8');
  } catch (err) {
    throw new PolicyFileError('unreadable_policy', 'invalid', `cannot read policy file ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  return parsePolicyText(source, path);
}
