import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { findCycles, readImportGraph } from './support/import-graph.js';

// Type-only imports count: a cycle through types still ties the files together (and the folders they go to).
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const packages = readdirSync(`${repoRoot}packages`).map((p) => `packages/${p}/src`);

describe('no import cycles', () => {
  it('checks every package', () => {
    expect(packages).toEqual(expect.arrayContaining(['packages/core/src', 'packages/hooks/src', 'packages/policy/src', 'packages/cli/src', 'packages/adapters/src']));
  });
  for (const dir of packages) {
    it(`${dir} has none`, () => {
      const graph = readImportGraph(`${repoRoot}${dir}`);
      expect(graph.edges.size).toBeGreaterThan(0);
      expect(findCycles(graph)).toEqual([]);
    });
  }
  it('finds a cycle when there is one (the check itself works)', () => {
    const graph = { root: '', edges: new Map([['a.ts', ['b.ts']], ['b.ts', ['c.ts']], ['c.ts', ['a.ts']]]) };
    expect(findCycles(graph)).toEqual([['a.ts', 'b.ts', 'c.ts', 'a.ts']]);
  });
});
