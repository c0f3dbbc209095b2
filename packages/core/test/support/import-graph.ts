import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

/** One source file's relative imports (type-only imports included: a cycle through types is still a cycle). */
export interface ImportGraph {
  readonly root: string;
  readonly edges: ReadonlyMap<string, readonly string[]>;
}

const IMPORT_RE = /(?:import|export)\s[^'";]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...sourceFiles(path));
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

/** Every module specifier a file names, in order. */
export function importSpecifiers(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(IMPORT_RE)) {
    const spec = m[1] ?? m[2];
    if (spec !== undefined) out.push(spec);
  }
  return out;
}

/**
 * Reads the relative-import graph of every `.ts` file under `root` (paths relative to `root`).
 *
 * @example
 * ```ts
 * const graph = readImportGraph('packages/core/src');
 * ```
 */
export function readImportGraph(root: string): ImportGraph {
  const edges = new Map<string, string[]>();
  for (const file of sourceFiles(root)) {
    const targets: string[] = [];
    for (const spec of importSpecifiers(readFileSync(file, 'utf8'))) {
      if (!spec.startsWith('.')) continue;
      targets.push(relative(root, resolve(dirname(file), spec.replace(/\.js$/, '.ts'))));
    }
    edges.set(relative(root, file), targets);
  }
  return { root, edges };
}

/**
 * The import cycles of a graph, each as the list of files around it (empty when there is none).
 *
 * @example
 * ```ts
 * expect(findCycles(readImportGraph('packages/core/src'))).toEqual([]);
 * ```
 */
export function findCycles(graph: ImportGraph): string[][] {
  const cycles: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string): void => {
    state.set(node, 'open');
    stack.push(node);
    for (const next of graph.edges.get(node) ?? []) {
      const s = state.get(next);
      if (s === 'open') cycles.push([...stack.slice(stack.indexOf(next)), next]);
      else if (s === undefined && graph.edges.has(next)) visit(next);
    }
    stack.pop();
    state.set(node, 'done');
  };
  for (const node of [...graph.edges.keys()].sort()) if (!state.has(node)) visit(node);
  return cycles;
}
