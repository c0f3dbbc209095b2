import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { PolicyAdmin } from '../src/index.js';
import { openTestDatabase, testDialects, truncateEngine, type TestDatabase } from './support/test-databases.js';
import { createWorld, visible, type TestWorld } from './support/test-world.js';

const dialects = await testDialects();

describe.each(dialects)('decision rules on %s', (dialect) => {
  let t: TestDatabase;
  let w: TestWorld;
  let admin: PolicyAdmin;
  // Contacts: alice (the subject, with a user), bob & carol (group g1), dave (group g2), erin (VN), frank (deleted).
  let alice: number, bob: number, carol: number, dave: number, erin: number, frank: number;
  let staff: number, g1: number, g2: number;
  let all: number[];

  beforeAll(async () => {
    t = await openTestDatabase(dialect, 'decision_rules');
    w = await createWorld(t);
  });
  afterAll(async () => {
    await t.close();
  });

  beforeEach(async () => {
    await truncateEngine(t.db);
    admin = w.domain.admin('rules-test');
    const c = (key: string, country: string | null, isDeleted = false) =>
      admin.createContact({ key, contactType: 'Individual', sortName: key, attributes: { country }, isDeleted });
    alice = await c('alice', 'FR');
    bob = await c('bob', 'FR');
    carol = await c('carol', 'VN');
    dave = await c('dave', null);
    erin = await c('erin', 'VN');
    frank = await c('frank', 'FR', true);
    all = [alice, bob, carol, dave, erin, frank];
    await admin.linkUser({ userId: 'u-alice', contactId: alice });
    staff = await admin.createGroup({ name: 'staff', kind: 'static' });
    g1 = await admin.createGroup({ name: 'g1', kind: 'static' });
    g2 = await admin.createGroup({ name: 'g2', kind: 'static' });
    await admin.setMembership({ groupId: staff, contactId: alice, status: 'Added' });
    for (const id of [bob, carol]) await admin.setMembership({ groupId: g1, contactId: id, status: 'Added' });
    await admin.setMembership({ groupId: g2, contactId: dave, status: 'Added' });
  });

  const me = () => w.domain.subject({ userId: 'u-alice' });

  it('no entries: nothing is visible, and the clause is a constant false', async () => {
    expect(await visible(me(), 'view', all)).toEqual([]);
    const q = t.db.selectFrom('rg_contact as c').select('c.id').where(await me().clause('view', { alias: 'c' }));
    expect(q.compile().sql).toMatch(/1 = 0/);
  });

  it('design case 1: allow and deny both on the contact -> deny, reported as a conflict', async () => {
    await admin.createEntry({ effect: 'allow', operation: 'view', owner: { type: 'contact', id: alice }, object: { type: 'contact', id: bob } });
    await admin.createEntry({ effect: 'deny', operation: 'view', owner: { type: 'contact', id: alice }, object: { type: 'group-members', groupId: g1 } });
    expect(await visible(me(), 'view', all)).toEqual([]);
    const why = await me().explain('view', bob);
    expect(why.allowed).toBe(false);
    expect(why.conflicts).toHaveLength(1);
    expect(why.deciding?.effect).toBe('deny');
  });

  it('design case 2: contact allow beats group deny', async () => {
    await admin.createEntry({ effect: 'allow', operation: 'view', owner: { type: 'contact', id: alice }, object: { type: 'contact', id: bob } });
    await admin.createEntry({ effect: 'deny', operation: 'view', owner: { type: 'group', id: staff }, object: { type: 'group-members', groupId: g1 } });
    await admin.createEntry({ effect: 'allow', operation: 'view', owner: { type: 'group', id: staff }, object: { type: 'all-contacts' } });
    expect(await visible(me(), 'view', all)).toEqual([alice, bob, dave, erin]);
    const why = await me().explain('view', bob);
    expect(why.deciding?.level).toBe('contact');
    expect(why.losers.map((l) => l.why)).toContain('lower-tier');
  });

  it('design case 3: group allow loses to contact deny', async () => {
    await admin.createEntry({ effect: 'allow', operation: 'view', owner: { type: 'group', id: staff }, object: { type: 'group-members', groupId: g1 } });
    await admin.createEntry({ effect: 'deny', operation: 'view', owner: { type: 'contact', id: alice }, object: { type: 'contact', id: carol } });
    expect(await visible(me(), 'view', all)).toEqual([bob]);
  });

  it('a deny on all contacts is honoured like any other deny', async () => {
    await admin.createEntry({ effect: 'allow', operation: 'view', owner: { type: 'everyone' }, object: { type: 'group-members', groupId: g1 } });
    await admin.createEntry({ effect: 'deny', operation: 'view', owner: { type: 'group', id: staff }, object: { type: 'all-contacts' } });
    expect(await visible(me(), 'view', all)).toEqual([]);
  });

  it('priority: deny-all for Everyone + allow one group at priority 1 -> that group is visible', async () => {
    await admin.createEntry({ effect: 'deny', operation: 'view', owner: { type: 'everyone' }, object: { type: 'all-contacts' } });
    await admin.createEntry({ effect: 'allow', operation: 'view', owner: { type: 'everyone' }, object: { type: 'group-members', groupId: g1 }, priority: 1 });
    expect(await visible(me(), 'view', all)).toEqual([bob, carol]);
  });

  it('priority: deny-all at 2 beats an allow at 1; allow-all at 2 beats a deny at 1', async () => {
    const deny = await admin.createEntry({ effect: 'deny', operation: 'view', owner: { type: 'everyone' }, object: { type: 'all-contacts' }, priority: 2 });
    await admin.createEntry({ effect: 'allow', operation: 'view', owner: { type: 'contact', id: alice }, object: { type: 'group-members', groupId: g1 }, priority: 1 });
    expect(await visible(me(), 'view', all)).toEqual([]);
    await admin.deleteEntry(deny);
    await admin.createEntry({ effect: 'allow', operation: 'view', owner: { type: 'everyone' }, object: { type: 'all-contacts' }, priority: 2 });
    await admin.createEntry({ effect: 'deny', operation: 'view', owner: { type: 'contact', id: alice }, object: { type: 'group-members', groupId: g1 }, priority: 1 });
    expect(await visible(me(), 'view', all)).toEqual([alice, bob, carol, dave, erin]);
  });

  it('allow-all + deny one group (same tier) hides that group', async () => {
    await admin.createEntry({ effect: 'allow', operation: 'view', owner: { type: 'everyone' }, object: { type: 'all-contacts' } });
    await admin.createEntry({ effect: 'deny', operation: 'view', owner: { type: 'everyone' }, object: { type: 'group-members', groupId: g1 } });
    expect(await visible(me(), 'view', all)).toEqual([alice, dave, erin]);
  });

  it('Authenticated is decided from the subject, not from a session', async () => {
    await admin.createEntry({ effect: 'allow', operation: 'view', owner: { type: 'authenticated' }, object: { type: 'group-members', groupId: g2 } });
    expect(await visible(me(), 'view', all)).toEqual([dave]);
    expect(await visible(w.domain.subject({ contactId: alice }), 'view', all)).toEqual([dave]);
    expect(await visible(w.domain.subject({ contactId: bob }), 'view', all)).toEqual([]);
    expect(await visible(w.domain.subject({}), 'view', all)).toEqual([]);
    expect(await visible(w.domain.subject({ userId: 'u-unlinked' }), 'view', all)).toEqual([dave]);
  });

  it('disabled groups grant nothing and deny nothing', async () => {
    await admin.createEntry({ effect: 'allow', operation: 'view', owner: { type: 'everyone' }, object: { type: 'group-members', groupId: g1 } });
    await admin.createEntry({ effect: 'deny', operation: 'view', owner: { type: 'everyone' }, object: { type: 'group-members', groupId: g2 } });
    await admin.createEntry({ effect: 'allow', operation: 'view', owner: { type: 'group', id: staff }, object: { type: 'group-members', groupId: g2 } });
    await admin.createEntry({ effect: 'allow', operation: 'edit', owner: { type: 'group', id: staff }, object: { type: 'all-contacts' } });
    expect(await visible(me(), 'view', all)).toEqual([alice, bob, carol, erin]);
    await admin.updateGroup(g1, { active: false });
    await admin.updateGroup(g2, { active: false });
    expect(await visible(me(), 'view', all)).toEqual([alice, bob, carol, dave, erin]);
    await admin.updateGroup(staff, { active: false });
    expect(await visible(me(), 'view', all)).toEqual([]);
  });

  it('a role assigned to a disabled group is not held', async () => {
    const role = await admin.createRole({ name: 'viewer' });
    await admin.assignRole({ roleId: role, assignee: { type: 'group', id: staff } });
    await admin.createEntry({ effect: 'allow', operation: 'view', owner: { type: 'role', id: role }, object: { type: 'group-members', groupId: g1 } });
    expect(await visible(me(), 'view', all)).toEqual([bob, carol]);
    await admin.updateGroup(staff, { active: false });
    expect(await visible(me(), 'view', all)).toEqual([]);
  });

  it('deleted contacts are hidden, from administrators too, unless the subject may access deleted contacts', async () => {
    const role = await admin.createRole({ name: 'admins', isAdministrator: true });
    const assignment = await admin.assignRole({ roleId: role, assignee: { type: 'contact', id: alice } });
    expect(await visible(me(), 'view', all)).toEqual([alice, bob, carol, dave, erin]);
    expect((await me().explain('view', frank)).reason).toBe('deleted');
    const trash = await admin.createRole({ name: 'trash' });
    await admin.grantPermission({ roleId: trash, permission: 'access deleted contacts' });
    await admin.assignRole({ roleId: trash, assignee: { type: 'contact', id: alice } });
    expect(await visible(me(), 'view', all)).toEqual(all);
    await admin.unassignRole(assignment);
    expect(await visible(me(), 'view', all)).toEqual([]);
  });

  it('Administrator is allowed everything, whatever denies say', async () => {
    const role = await admin.createRole({ name: 'admins', isAdministrator: true });
    await admin.assignRole({ roleId: role, assignee: { type: 'group', id: staff } });
    await admin.createEntry({ effect: 'deny', operation: 'all', owner: { type: 'contact', id: alice }, object: { type: 'all-contacts' }, priority: 99 });
    for (const op of ['view', 'edit', 'delete', 'create', 'search'] as const) {
      expect(await visible(me(), op, all)).toEqual([alice, bob, carol, dave, erin]);
    }
    expect((await me().explain('edit', bob)).reason).toBe('administrator');
  });

  it('functional "view all contacts" acts as an entry: an explicit deny still applies', async () => {
    const role = await admin.createRole({ name: 'viewers' });
    await admin.grantPermission({ roleId: role, permission: 'view all contacts' });
    await admin.assignRole({ roleId: role, assignee: { type: 'contact', id: alice } });
    expect(await visible(me(), 'view', all)).toEqual([alice, bob, carol, dave, erin]);
    expect(await visible(me(), 'search', all)).toEqual([alice, bob, carol, dave, erin]);
    expect(await visible(me(), 'edit', all)).toEqual([]);
    await admin.createEntry({ effect: 'deny', operation: 'view', owner: { type: 'role', id: role }, object: { type: 'group-members', groupId: g1 } });
    expect(await visible(me(), 'view', all)).toEqual([alice, dave, erin]);
    expect((await me().explain('view', bob)).deciding?.effect).toBe('deny');
  });

  it('functional permissions imply each other, and come from the host too', async () => {
    const role = await admin.createRole({ name: 'editors' });
    await admin.grantPermission({ roleId: role, permission: 'edit all contacts' });
    await admin.assignRole({ roleId: role, assignee: { type: 'contact', id: bob } });
    const bobs = w.domain.subject({ contactId: bob });
    expect(await bobs.hasPermission('view my contact')).toBe(true);
    expect(await visible(bobs, 'edit', all)).toEqual([alice, bob, carol, dave, erin]);

    const hosted = await createWorld(t, { permissionProvider: ({ userId }) => (userId === 'u-alice' ? ['edit my contact'] : []) }, 'test');
    const mine = hosted.domain.subject({ userId: 'u-alice' });
    expect(await visible(mine, 'edit', all)).toEqual([alice]);
    expect(await visible(mine, 'view', all)).toEqual([alice]);
    expect((await mine.explain('edit', alice)).deciding?.level).toBe('contact');
  });

  it('a throwing permission provider makes every decision deny (fail closed)', async () => {
    await admin.createEntry({ effect: 'allow', operation: 'view', owner: { type: 'everyone' }, object: { type: 'all-contacts' } });
    const errors: unknown[] = [];
    const broken = await createWorld(t, { permissionProvider: () => { throw new Error('host down'); }, onError: (e) => errors.push(e) }, 'test');
    const s = broken.domain.subject({ userId: 'u-alice' });
    expect(await s.check('view', bob)).toBe(false);
    expect(await s.checkMany('view', all)).toEqual(new Set());
    expect(await s.listIds('view')).toEqual([]);
    const why = await s.explain('view', bob);
    expect(why.reason).toBe('error');
    expect(why.error).toMatch(/host down/);
    expect(errors.length).toBeGreaterThan(0);
  });

  it('edit implies view; all implies every operation; grant implies none', async () => {
    await admin.createEntry({ effect: 'allow', operation: 'edit', owner: { type: 'everyone' }, object: { type: 'group-members', groupId: g1 } });
    await admin.createEntry({ effect: 'allow', operation: 'all', owner: { type: 'everyone' }, object: { type: 'group-members', groupId: g2 } });
    await admin.createEntry({ effect: 'allow', operation: 'grant', owner: { type: 'everyone' }, object: { type: 'all-contacts' } });
    expect(await visible(me(), 'view', all)).toEqual([bob, carol, dave]);
    expect(await visible(me(), 'edit', all)).toEqual([bob, carol, dave]);
    expect(await visible(me(), 'delete', all)).toEqual([dave]);
    expect(await visible(me(), 'search', all)).toEqual([dave]);
    expect(await visible(me(), 'create', all)).toEqual([dave]);
  });

  it('tokenized smart groups resolve per subject; a NULL token matches nothing', async () => {
    const sameCountry = await admin.createGroup({ name: 'same country', kind: 'smart', criteria: { field: 'country', op: '=', value: { $subject: 'country' } } });
    await admin.createEntry({ effect: 'allow', operation: 'view', owner: { type: 'everyone' }, object: { type: 'group-members', groupId: sameCountry } });
    expect(await visible(me(), 'view', all)).toEqual([alice, bob]);
    expect(await visible(w.domain.subject({ contactId: carol }), 'view', all)).toEqual([carol, erin]);
    expect(await visible(w.domain.subject({ contactId: dave }), 'view', all)).toEqual([]);
    expect(await visible(w.domain.subject({}), 'view', all)).toEqual([]);
  });

  it('smart groups: (criteria or Added) minus Removed', async () => {
    const vn = await admin.createGroup({ name: 'vn', kind: 'smart', criteria: { field: 'country', op: '=', value: 'VN' } });
    await admin.setMembership({ groupId: vn, contactId: dave, status: 'Added' });
    await admin.setMembership({ groupId: vn, contactId: erin, status: 'Removed' });
    await admin.setMembership({ groupId: vn, contactId: bob, status: 'Pending' });
    await admin.createEntry({ effect: 'allow', operation: 'view', owner: { type: 'everyone' }, object: { type: 'group-members', groupId: vn } });
    expect(await visible(me(), 'view', all)).toEqual([carol, dave]);
  });

  it('criteria may test membership of other groups, sub-types and NULLs', async () => {
    await admin.setSubTypes(carol, ['sales']);
    const mixed = await admin.createGroup({
      name: 'mixed',
      kind: 'smart',
      criteria: { any: [{ all: [{ inGroup: g1 }, { not: { subType: 'sales' } }] }, { field: 'country', op: 'is null' }] },
    });
    await admin.createEntry({ effect: 'allow', operation: 'view', owner: { type: 'everyone' }, object: { type: 'group-members', groupId: mixed } });
    expect(await visible(me(), 'view', all)).toEqual([bob, dave]);
  });

  it('compiles to bound parameters only, and the host can AND it into its own query', async () => {
    await admin.createEntry({ effect: 'allow', operation: 'view', owner: { type: 'everyone' }, object: { type: 'group-members', groupId: g1 } });
    // The exact text of the `exists` shape (which shape `auto` picks is tested in clause-shapes.test.ts).
    const clause = await me().clause('view', { alias: 'c', shape: 'exists' });
    const query = t.db.selectFrom('rg_contact as c').select(['c.id', 'c.sort_name']).where('c.sort_name', '!=', 'nobody').where(clause).orderBy('c.sort_name');
    const compiled = query.compile();
    const q = dialect === 'mysql' ? '`' : '"';
    const p = (n: number) => (dialect === 'postgres' ? `$${n}` : '?');
    expect(compiled.sql).toBe(
      `select ${q}c${q}.${q}id${q}, ${q}c${q}.${q}sort_name${q} from ${q}rg_contact${q} as ${q}c${q} where ${q}c${q}.${q}sort_name${q} != ${p(1)} and ` +
        `(${q}c${q}.${q}domain_id${q} = ${p(2)} and ${q}c${q}.${q}is_deleted${q} = ${p(3)} and exists (select 1 from ${q}rg_group_contact${q} as ${q}rg_q1${q} ` +
        `where ${q}rg_q1${q}.${q}contact_id${q} = ${q}c${q}.${q}id${q} and ${q}rg_q1${q}.${q}group_id${q} = ${p(4)} and ${q}rg_q1${q}.${q}status${q} = ${p(5)})) ` +
        `order by ${q}c${q}.${q}sort_name${q}`,
    );
    expect(compiled.parameters).toEqual(['nobody', w.domain.id, 0, g1, 'Added']);
    const rows = await query.execute();
    expect(rows.map((r) => r.sort_name)).toEqual(['bob', 'carol']);
  });

  it('explains the applicable entries per tier, the deciding entry and the losers', async () => {
    const role = await admin.createRole({ name: 'r' });
    await admin.assignRole({ roleId: role, assignee: { type: 'group', id: staff } });
    await admin.createEntry({ key: 'role-view-all', effect: 'allow', operation: 'view', owner: { type: 'role', id: role }, object: { type: 'all-contacts' } });
    await admin.createEntry({ key: 'no-g1', effect: 'deny', operation: 'view', owner: { type: 'everyone' }, object: { type: 'group-members', groupId: g1 } });
    await admin.createEntry({ key: 'bob-ok', effect: 'allow', operation: 'view', owner: { type: 'everyone' }, object: { type: 'contact', id: bob }, priority: 5 });
    const why = await me().explain('view', carol);
    expect(why.allowed).toBe(false);
    expect(why.tiers).toHaveLength(1);
    expect(why.tiers[0]?.entries.map((e) => e.key).sort()).toEqual(['no-g1', 'role-view-all']);
    expect(why.deciding?.key).toBe('no-g1');
    expect(why.losers).toEqual([expect.objectContaining({ why: 'deny-beats-allow', entry: expect.objectContaining({ key: 'role-view-all', heldVia: `role ${role} via group ${staff}` }) })]);
    expect(why.summary).toMatch(/Denied/);
    const bobWhy = await me().explain('view', bob);
    expect(bobWhy.allowed).toBe(true);
    expect(bobWhy.deciding?.key).toBe('bob-ok');
    expect(bobWhy.tiers.map((t) => t.priority)).toEqual([5, 0]);
  });

  it('a partial update leaves every field it does not name as it was', async () => {
    const role = await admin.createRole({ name: 'supers', isAdministrator: true });
    await admin.updateRole(role, { name: 'supers renamed' });
    expect((await w.domain.policy()).roles.get(role)).toMatchObject({ name: 'supers renamed', isAdministrator: true, active: true });
    const entry = await admin.createEntry({ effect: 'deny', operation: 'view', owner: { type: 'everyone' }, object: { type: 'all-contacts' }, priority: 7, active: false });
    await admin.updateEntry(entry, { operation: 'edit' });
    expect((await w.domain.policy()).entries.find((e) => e.id === entry)).toMatchObject({ operation: 'edit', priority: 7, active: false, effect: 'deny' });
  });

  it('extension adjustments: (tiers or widen) and every narrow, in memory as in SQL', async () => {
    await admin.setSubTypes(bob, ['sales']);
    await admin.setSubTypes(dave, ['sales']);
    await admin.createEntry({ effect: 'allow', operation: 'view', owner: { type: 'everyone' }, object: { type: 'group-members', groupId: g1 } });
    const adjusted = await createWorld(t, {
      extension: {
        adjustScope: () =>
          Promise.resolve({
            widen: [{ criteria: { field: 'country', op: 'is null' }, via: "tap 'widen-null'" }],
            narrow: [{ criteria: { subType: 'sales' }, via: "tap 'sales-only'" }],
          }),
      },
    }, 'test');
    const s = adjusted.domain.subject({ userId: 'u-alice' });
    // g1 = bob (sales), carol (not sales); widen adds dave (NULL country, sales); narrow keeps sales only.
    expect(await visible(s, 'view', all)).toEqual([bob, dave]);
    expect((await s.explain('view', carol)).extension).toBe("tap 'sales-only'");
    expect((await s.explain('view', dave)).reason).toBe('allowed-by-extension');
  });

  it('contacts of another domain are invisible', async () => {
    await admin.createEntry({ effect: 'allow', operation: 'view', owner: { type: 'everyone' }, object: { type: 'all-contacts' } });
    const other = await w.engine.domain('other');
    const stranger = await other.admin('rules-test').createContact({ contactType: 'Individual', sortName: 'stranger' });
    expect(await me().check('view', stranger)).toBe(false);
    expect((await me().explain('view', stranger)).reason).toBe('other-domain');
    expect(await me().listIds('view')).not.toContain(stranger);
  });
});
