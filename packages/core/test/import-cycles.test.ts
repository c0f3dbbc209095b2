import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { findCycles, readImportGraph } from './support/import-graph.js';

// Type-only imports count: a cycle through types still ties the files together (and the folders they go to).
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

describe('no import cycles', () => {
  for (const dir of ['packages/core/src', 'packages/hooks/src', 'packages/cli/src', 'packages/adapters/src']) {
    it(`${dir} has none`, () => {
      const graph = readImportGraph(`${repoRoot}${dir}`);
      expect(graph.edges.size).toBeGreaterThan(0);
      expect(findCycles(graph)).toEqual([]);
    });
  }
});
