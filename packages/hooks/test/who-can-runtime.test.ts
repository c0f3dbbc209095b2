import { beforeEach, describe, expect, it } from 'vitest';
import { testDialects, type TestDatabase } from '../../core/test/support/test-databases.js';
import { hookedWorld, seededSuite, type People } from './support/hooked-world.js';

// The reverse lookup names the taps that may grant at run time ("may also be granted at runtime by tap X"), and
// decides the stored policy without them.
const dialects = await testDialects();

describe.each(dialects)('whoCan and hook taps, on %s', (dialect) => {
  const suite = seededSuite(dialect, 'hooks_who_can');
  let t: TestDatabase;
  let p: People;
  beforeEach(async () => {
    ({ t, p } = suite);
  });

  it('lists every access and aclWhereClause tap as a runtime source, and none without taps', async () => {
    const plain = await hookedWorld(t);
    expect((await plain.domain.whoCan('view', p.bob)).runtime).toEqual([]);
    const w = await hookedWorld(t, (rg) => {
      rg.plugin((h) => h.access.for('groups').tap('og-groups', (ids) => [...ids, p.g2]));
      rg.hooks.aclWhereClause.tap('fr-only', () => undefined);
    });
    await w.admin.createEntry({ effect: 'allow', operation: 'view', owner: { type: 'group', id: p.g2 }, object: { type: 'all-contacts' } });
    const report = await w.domain.whoCan('view', p.bob);
    expect(report.runtime).toEqual([
      { hook: "access.for('groups')", tap: 'og-groups' },
      { hook: 'aclWhereClause', tap: 'fr-only' },
    ]);
    expect(report.holders.find((h) => h.kind === 'group' && h.holder.type === 'group' && h.holder.id === p.g2)?.effect).toBe('allow');
    // The tap makes alice a member of g2 at run time: the holder listed for g2 reaches her then.
    const alice = await w.domain.subject({ userId: 'u-alice' }).resolve();
    expect(alice?.groupIds.has(p.g2)).toBe(true);
    expect(await w.domain.subject({ userId: 'u-alice' }).check('view', p.bob)).toBe(true);
    expect(JSON.parse(JSON.stringify(report)).runtime).toHaveLength(2);
    expect(w.failures).toEqual([]);
  });
});
