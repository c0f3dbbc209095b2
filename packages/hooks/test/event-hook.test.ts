import { beforeEach, describe, expect, it } from 'vitest';
import type { ChangeEvent, DecisionEvent } from '../src/index.js';
import { testDialects, type TestDatabase } from '../../core/test/support/test-databases.js';
import { blockFor, failed, hookedWorld, type People, seededSuite } from './support/hooked-world.js';

const dialects = await testDialects();

describe.each(dialects)('events hooks on %s', (dialect) => {
  const suite = seededSuite(dialect, 'hooks_events');
  let t: TestDatabase;
  let p: People;
  beforeEach(async () => {
    ({ t, p } = suite);
  });

  it('reports entry, role, group and membership changes and contact creation, after commit, with their origin', async () => {
    const seen: string[] = [];
    const all: ChangeEvent[] = [];
    const w = await hookedWorld(t, (rg) =>
      rg.plugin((h) => {
        const record = (kind: string) => (e: ChangeEvent) => seen.push(`${kind}:${e.action}:${e.origin.actor}`);
        h.events.entryChanged.tap('audit', record('entry'));
        h.events.roleChanged.tap('audit', record('role'));
        h.events.groupChanged.tap('audit', record('group'));
        h.events.membershipChanged.tap('audit', record('membership'));
        h.events.contactCreated.tap('audit', record('contact'));
        h.events.changed.tap('audit', (e) => all.push(e));
      }),
    );
    const admin = w.domain.admin('alice@example.org');
    const g = await admin.createGroup({ name: 'team', kind: 'static' });
    const c = await admin.createContact({ contactType: 'Individual', sortName: 'new' });
    await admin.setMembership({ groupId: g, contactId: c, status: 'Added' });
    const role = await admin.createRole({ name: 'r' });
    const assignment = await admin.assignRole({ roleId: role, assignee: { type: 'group', id: g } });
    await admin.grantPermission({ roleId: role, permission: 'view all contacts' });
    const entry = await admin.createEntry({ effect: 'allow', operation: 'view', owner: { type: 'role', id: role }, object: { type: 'all-contacts' } });
    await admin.updateEntry(entry, { priority: 2 });
    await admin.unassignRole(assignment);
    await admin.linkUser({ userId: 'u-new', contactId: c });
    const who = 'alice@example.org';
    expect(seen).toEqual([
      `group:group.create:${who}`,
      `contact:contact.create:${who}`,
      `membership:membership.set:${who}`,
      `role:role.create:${who}`,
      `role:role.assign:${who}`,
      `role:permission.grant:${who}`,
      `entry:entry.create:${who}`,
      `entry:entry.update:${who}`,
      `role:role.unassign:${who}`,
    ]);
    expect(all.map((e) => e.action)).toEqual([
      'group.create', 'contact.create', 'membership.set', 'role.create', 'role.assign', 'permission.grant', 'entry.create', 'entry.update', 'role.unassign', 'user.link',
    ]);
    const update = all.find((e) => e.action === 'entry.update');
    expect(update).toMatchObject({ targetType: 'entry', targetId: String(entry), origin: { domainId: w.domain.id, actor: who } });
    expect((update?.after as { priority: number }).priority).toBe(2);
    expect(Object.isFrozen(update)).toBe(true);
  });

  it('a failed transaction reports nothing; a transaction reports each change once it commits', async () => {
    const all: string[] = [];
    const w = await hookedWorld(t, (rg) => rg.hooks.events.changed.tap('audit', (e) => all.push(e.action)));
    await expect(
      w.admin.transaction(async (tx) => {
        await tx.createGroup({ name: 'doomed', kind: 'static' });
        await tx.createGroup({ name: 'doomed', kind: 'static' });
      }),
    ).rejects.toThrow();
    expect(all).toEqual([]);
    await w.admin.transaction(async (tx) => {
      const g = await tx.createGroup({ name: 'kept', kind: 'static' });
      await tx.setMembership({ groupId: g, contactId: p.bob, status: 'Added' });
      expect(all).toEqual([]);
    });
    expect(all).toEqual(['group.create', 'membership.set']);
  });

  it('reports single-contact decisions with the deciding subject as origin', async () => {
    const decisions: DecisionEvent[] = [];
    const w = await hookedWorld(t, (rg) => rg.hooks.events.decisionMade.tap('trace', (d) => decisions.push(d)));
    await w.admin.createEntry({ effect: 'allow', operation: 'view', owner: { type: 'everyone' }, object: { type: 'group-members', groupId: p.g1 } });
    await w.domain.subject({ userId: 'u-alice' }).check('view', p.bob);
    await w.domain.subject({ contactId: p.bob }).explain('edit', p.carol);
    await w.domain.subject({}).check('view', p.dave);
    expect(decisions.map((d) => [d.origin.actor, d.operation, d.contactId, d.allowed])).toEqual([
      ['user:u-alice', 'view', p.bob, true],
      [`contact:${p.bob}`, 'edit', p.carol, false],
      ['anonymous', 'view', p.dave, false],
    ]);
    expect(decisions[0]?.origin.domainId).toBe(w.domain.id);
  });

  it('a throwing or blocking observer never undoes a write nor stops other observers; it is reported by name', async () => {
    const calls: string[] = [];
    const traced: string[] = [];
    const w = await hookedWorld(
      t,
      (rg) =>
        rg.plugin((h) => {
          h.events.groupChanged.tap('first', () => {
            throw new Error('audit store down');
          });
          h.events.groupChanged.tap('slow', () => blockFor(80));
          h.events.groupChanged.tap('last', (e) => calls.push(e.action));
          h.events.groupChanged.intercept({
            call: (e) => traced.push(`call:${e.action}`),
            tap: (tap) => traced.push(`tap:${tap.name}`),
            error: (err) => traced.push(`error:${err.message}`),
            done: () => traced.push('done'),
          });
          h.events.decisionMade.tap('bad', () => {
            throw new Error('tracer down');
          });
        }),
      { tapTimeoutMs: 40 },
    );
    const g = await w.admin.createGroup({ name: 'survives', kind: 'static' });
    expect((await w.domain.policy()).groups.has(g)).toBe(true);
    expect(calls).toEqual(['group.create']);
    expect(traced).toEqual([
      'call:group.create',
      'tap:first',
      "error:hook events.groupChanged: tap 'first' threw: audit store down",
      'tap:slow',
      "error:hook events.groupChanged: tap 'slow' did not answer within 40 ms",
      'tap:last',
      'done',
    ]);
    expect(await w.domain.subject({ userId: 'u-alice' }).check('view', p.bob)).toBe(false);
    expect(failed(w)).toEqual(['events.decisionMade/bad/threw', 'events.groupChanged/first/threw', 'events.groupChanged/slow/timeout']);
  });

  it('a throwing tapFailed listener falls back to the hooks’ onError', async () => {
    const w = await hookedWorld(
      t,
      (rg) => {
        rg.hooks.events.tapFailed.tap('broken-listener', () => {
          throw new Error('pager down');
        });
        rg.hooks.events.groupChanged.tap('first', () => {
          throw new Error('audit store down');
        });
      },
      { listen: false },
    );
    await w.admin.createGroup({ name: 'still there', kind: 'static' });
    expect(w.fallback.map((e) => `${e.hook}/${e.tap}`)).toEqual(['events.tapFailed/broken-listener']);
  });
});
