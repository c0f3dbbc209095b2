import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as extension from '../src/extension.js';
import * as publicApi from '../src/index.js';
import { importSpecifiers } from './support/import-graph.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

describe('entry points', () => {
  it('the public and extension entry points export disjoint names', () => {
    const shared = Object.keys(extension).filter((name) => name in publicApi);
    expect(shared).toEqual([]);
  });

  it('the engine internals stay out of the public entry point', () => {
    for (const name of ['buildPlan', 'decideInMemory', 'loadSnapshot', 'compileClause', 'criteriaSql', 'tableNames', 'PermissionRegistry']) {
      expect(name in publicApi, name).toBe(false);
      expect(name in extension, name).toBe(true);
    }
  });

  it('the package exports exactly the two entry points', () => {
    const pkg = JSON.parse(readFileSync(`${repoRoot}packages/core/package.json`, 'utf8')) as { exports: Record<string, unknown> };
    expect(Object.keys(pkg.exports).sort()).toEqual(['.', './extension']);
  });

  it('reads import specifiers the lint rules and cycle check rely on', () => {
    const text = "import { a } from '@rowguard/core';\nimport type { B } from '@rowguard/core/extension';\nexport { c } from './c.js';";
    expect(importSpecifiers(text)).toEqual(['@rowguard/core', '@rowguard/core/extension', './c.js']);
  });
});
