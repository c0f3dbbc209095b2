import { isAlias, isMap, isPair, isScalar, isSeq, type Document, type LineCounter } from 'yaml';
import type { PolicyProblem } from './policy-file-error.js';

/**
 * How deeply a policy document may nest maps and lists. Real policies stay far below it (criteria nest a few
 * levels); the limit keeps the parser, the schema check and the writers away from stack exhaustion.
 *
 * @example
 * ```ts
 * if (depth > MAX_POLICY_DEPTH) refuse();
 * ```
 */
export const MAX_POLICY_DEPTH = 100;

/** The tags of YAML 1.2's core schema (the only ones a policy file may name). */
const CORE_TAGS = new Set(['str', 'int', 'float', 'bool', 'null', 'map', 'seq'].map((t) => `tag:yaml.org,2002:${t}`));

interface NodeLike {
  readonly tag?: string | undefined;
  readonly range?: readonly [number, number, number] | null | undefined;
}

function at(file: string, lc: LineCounter, offset: number, message: string): PolicyProblem {
  const { line, col } = lc.linePos(offset);
  return { file, line, column: col, field: '', message };
}

/**
 * The problems of a parsed YAML document that the policy format refuses before reading any value: nesting deeper
 * than {@link MAX_POLICY_DEPTH}, and explicit tags outside YAML's core schema (`!foo`, `!!binary`, `!!set`), which
 * would otherwise be read as plain strings or host objects. Walks the tree without recursion, so a document nested
 * thousands of levels deep is refused, not a crash.
 *
 * @example
 * ```ts
 * const problems = yamlShapeProblems(doc, 'policy.yaml', lineCounter); // [] for an ordinary file
 * ```
 */
export function yamlShapeProblems(doc: Document, file: string, lc: LineCounter): PolicyProblem[] {
  const problems: PolicyProblem[] = [];
  const stack: { node: unknown; depth: number }[] = [{ node: doc.contents, depth: 0 }];
  while (stack.length > 0) {
    const { node, depth } = stack.pop() as { node: unknown; depth: number };
    if (node === null || node === undefined || isAlias(node)) continue;
    if (isPair(node)) {
      stack.push({ node: node.value, depth }, { node: node.key, depth });
      continue;
    }
    const n = node as NodeLike;
    const offset = n.range?.[0] ?? 0;
    if (n.tag !== undefined && !CORE_TAGS.has(n.tag)) {
      problems.push(at(file, lc, offset, `YAML tag not allowed: ${n.tag.replace('tag:yaml.org,2002:', '!!')} (policy files use plain values only)`));
    }
    if (isScalar(node) || !(isMap(node) || isSeq(node))) continue;
    if (depth + 1 > MAX_POLICY_DEPTH) {
      problems.push(at(file, lc, offset, `nested more than ${MAX_POLICY_DEPTH} levels deep (the limit for a policy file)`));
      return problems;
    }
    for (let i = node.items.length - 1; i >= 0; i--) stack.push({ node: node.items[i], depth: depth + 1 });
  }
  return problems;
}

/**
 * Whether a parser error is the JavaScript stack running out (a document nested far too deeply).
 *
 * @example
 * ```ts
 * isStackExhaustion('Maximum call stack size exceeded'); // true
 * ```
 */
export function isStackExhaustion(message: string): boolean {
  return /maximum call stack|too much recursion/i.test(message);
}
