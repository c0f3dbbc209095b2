import { beforeEach, describe, expect, it } from 'vitest';
import { createRowguardHooks, HookTapError, type PermissionVerdict, type RowguardHooks } from '../src/index.js';
import { testDialects, type TestDatabase } from '../../core/test/support/test-databases.js';
import { blockFor, failed, hookedWorld, sleep, visible, type People, seededSuite } from './support/hooked-world.js';

const dialects = await testDialects();

describe.each(dialects)('permissions and permissionCheck hooks on %s', (dialect) => {
  const suite = seededSuite(dialect, 'hooks_permission');
  let t: TestDatabase;
  let p: People;
  let live: number[];
  beforeEach(() => {
    ({ t, p } = suite);
    live = [p.alice, p.bob, p.carol, p.dave, p.erin];
  });

  it('permissions: declared at start-up, then known to the engine with their implications', async () => {
    const w = await hookedWorld(t, (rg) =>
      rg.plugin((h) => {
        h.permissions.tap('exports', (defs) => [...defs, { name: 'export contacts', label: 'Export contacts', description: 'Download CSV files', implies: ['view all contacts'] }]);
        h.permissions.tap('teams', (defs) => [...defs, { name: 'manage teams', implies: ['export contacts'] }]);
      }),
    );
    expect(w.rg.declaredPermissions().map((d) => d.name)).toEqual(['export contacts', 'manage teams']);
    expect(w.engine.permissions.list().find((d) => d.name === 'export contacts')?.label).toBe('Export contacts');
    const role = await w.admin.createRole({ name: 'team managers' });
    await w.admin.grantPermission({ roleId: role, permission: 'manage teams' });
    await w.admin.assignRole({ roleId: role, assignee: { type: 'contact', id: p.alice } });
    const me = w.domain.subject({ userId: 'u-alice' });
    expect(await me.hasPermission('export contacts')).toBe(true);
    expect(await me.hasPermission('view my contact')).toBe(true);
    expect(await visible(me, 'view', p.all)).toEqual(live);
  });

  it('permissions: redefining a built-in, declaring twice, throwing or blocking stops start-up, naming the tap', () => {
    const attempt = (setup: (rg: RowguardHooks) => void) => {
      const rg = createRowguardHooks({ tapTimeoutMs: 20 });
      setup(rg);
      try {
        rg.declaredPermissions();
      } catch (err) {
        return err instanceof HookTapError ? `${err.hook}/${err.tap}/${err.reason}` : String(err);
      }
      return 'started';
    };
    expect(attempt((rg) => rg.hooks.permissions.tap('evil', (d) => [...d, { name: 'administer CRM', implies: [] }]))).toBe('permissions/evil/invalid-result');
    expect(attempt((rg) => { rg.hooks.permissions.tap('a', (d) => [...d, { name: 'x' }]); rg.hooks.permissions.tap('b', (d) => [...d, { name: 'x' }]); })).toBe('permissions/b/invalid-result');
    expect(attempt((rg) => rg.hooks.permissions.tap('bad', (d) => [...d, { name: '' }]))).toBe('permissions/bad/invalid-result');
    expect(attempt((rg) => rg.hooks.permissions.tap('boom', () => { throw new Error('x'); }))).toBe('permissions/boom/threw');
    expect(attempt((rg) => rg.hooks.permissions.tap('slow', (d) => { blockFor(40); return d; }))).toBe('permissions/slow/timeout');
    expect(attempt((rg) => rg.hooks.permissions.tap('quiet', () => undefined))).toBe('started');
  });

  it('permissionCheck: a tap may grant a permission the subject lacks, with what it implies', async () => {
    const w = await hookedWorld(t, (rg) =>
      rg.plugin((h) =>
        h.permissionCheck.for('view all contacts').tap('og-viewers', (_v, request) => (request.subject.groupIds.has(p.staff) ? 'allow' : undefined)),
      ),
    );
    const me = w.domain.subject({ userId: 'u-alice' });
    expect(await me.hasPermission('view all contacts')).toBe(true);
    expect(await me.hasPermission('view my contact')).toBe(true);
    expect(await visible(me, 'view', p.all)).toEqual(live);
    expect(await visible(me, 'edit', p.all)).toEqual([]);
    expect(await visible(w.domain.subject({ contactId: p.bob }), 'view', p.all)).toEqual([]);
  });

  it('permissionCheck: deny over allow over no opinion, whatever the order of the taps', async () => {
    const role = await (await hookedWorld(t)).admin.createRole({ name: 'editors' });
    const admin = (await hookedWorld(t)).admin;
    await admin.grantPermission({ roleId: role, permission: 'edit all contacts' });
    await admin.assignRole({ roleId: role, assignee: { type: 'contact', id: p.alice } });
    const orders: [string, number][][] = [
      [['allow', 0], ['deny', 1], ['none', 2]],
      [['deny', 0], ['allow', 1], ['none', 2]],
      [['none', 0], ['allow', -1], ['deny', 5]],
      [['allow', 3], ['none', -3], ['deny', -5]],
    ];
    for (const order of orders) {
      const seen: PermissionVerdict[] = [];
      const w = await hookedWorld(t, (rg) => {
        for (const [verdict, stage] of order) {
          rg.hooks.permissionCheck.for('edit all contacts').tap({ name: verdict, stage }, (so, request) => {
            seen.push(so);
            expect(request.held).toBe(true);
            return verdict === 'none' ? undefined : (verdict as PermissionVerdict);
          });
        }
        rg.hooks.permissionCheck.for('add contacts').tap('allow-only', () => 'allow');
      });
      const me = w.domain.subject({ userId: 'u-alice' });
      expect(await me.hasPermission('edit all contacts'), JSON.stringify(order)).toBe(false);
      expect(await me.hasPermission('add contacts')).toBe(true);
      expect(seen).toHaveLength(3);
    }
    const none = await hookedWorld(t, (rg) => rg.hooks.permissionCheck.for('edit all contacts').tap('shrug', () => undefined));
    expect(await visible(none.domain.subject({ userId: 'u-alice' }), 'edit', p.all)).toEqual(live);
  });

  it('permissionCheck: a failing tap denies that permission only, reported with its name', async () => {
    const role = await (await hookedWorld(t)).admin.createRole({ name: 'viewers' });
    const admin = (await hookedWorld(t)).admin;
    await admin.grantPermission({ roleId: role, permission: 'view all contacts' });
    await admin.grantPermission({ roleId: role, permission: 'add contacts' });
    await admin.assignRole({ roleId: role, assignee: { type: 'contact', id: p.alice } });
    const cases: [string, (rg: RowguardHooks) => void, string][] = [
      ['throws', (rg) => rg.hooks.permissionCheck.for('view all contacts').tap('og-perm', () => { throw new Error('x'); }), 'threw'],
      ['wrong shape', (rg) => rg.hooks.permissionCheck.for('view all contacts').tap('og-perm', () => true as never), 'invalid-result'],
      ['allow string typo', (rg) => rg.hooks.permissionCheck.for('view all contacts').tap('og-perm', () => 'Allow' as never), 'invalid-result'],
      ['slow', (rg) => rg.hooks.permissionCheck.for('view all contacts').tapPromise('og-perm', async () => { await sleep(300); return 'allow'; }), 'timeout'],
    ];
    for (const [label, setup, reason] of cases) {
      const w = await hookedWorld(t, setup, { tapTimeoutMs: 60 });
      const me = w.domain.subject({ userId: 'u-alice' });
      expect(await me.hasPermission('view all contacts'), label).toBe(false);
      expect(await me.hasPermission('add contacts'), label).toBe(true);
      // One check is overridden: what it had implied (view my contact) is still held.
      expect(await visible(me, 'view', p.all), label).toEqual([p.alice]);
      expect(failed(w), label).toEqual([`permissionCheck.view all contacts/og-perm/${reason}`]);
    }
    // Without a tapFailed listener, the failure still reaches the hooks' onError.
    const quiet = await hookedWorld(t, (rg) => rg.hooks.permissionCheck.for('view all contacts').tap('og-perm', () => { throw new Error('x'); }), { listen: false });
    expect(await quiet.domain.subject({ userId: 'u-alice' }).hasPermission('view all contacts')).toBe(false);
    expect(quiet.fallback.map((e) => e.tap)).toEqual(['og-perm']);
  });
});
