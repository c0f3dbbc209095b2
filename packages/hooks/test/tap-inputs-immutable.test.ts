import type { Operation, PolicySnapshot, ResolvedSubject, SubjectInput } from '@rowguard/core';
import { beforeEach, describe, expect, it } from 'vitest';
import type { ContactGrant, RowguardHooks } from '../src/index.js';
import { testDialects } from '../../core/test/support/test-databases.js';
import { failed, hookedWorld, seededSuite, visible, type HookedWorld, type People } from './support/hooked-world.js';

const dialects = await testDialects();
const OPS: readonly Operation[] = ['view', 'edit'];

/** Only alice's requests try the mutation; everyone else's pass untouched. */
const isAlice = (subject: { readonly userId: string | null }) => subject.userId === 'u-alice';

type Mutation = (p: People, ids: { boss: number; denyEntry: number }) => { readonly hook: string; readonly install: (rg: RowguardHooks) => void };

/** Every way a tap might try to change what it is given (each runs in strict mode, as ES modules do). */
const MUTATIONS: Record<string, Mutation> = {
  'access: add a group to subject.groupIds': (p) => ({
    hook: 'access.groups',
    install: (rg) => rg.hooks.access.for('groups').tap('m', (ids, r) => (isAlice(r.subject) && (r.subject.groupIds as Set<number>).add(p.g1), ids)),
  }),
  'access: Set.prototype.add on subject.groupIds': (p) => ({
    hook: 'access.groups',
    install: (rg) => rg.hooks.access.for('groups').tap('m', (ids, r) => (isAlice(r.subject) && Set.prototype.add.call(r.subject.groupIds, p.g1), ids)),
  }),
  'access: change subject.values': () => ({
    hook: 'access.roles',
    install: (rg) => rg.hooks.access.for('roles').tap('m', (ids, r) => (isAlice(r.subject) && ((r.subject.values as Record<string, unknown>).country = 'VN'), ids)),
  }),
  'access: push an allow-all entry into policy.entries': (_p) => ({
    hook: 'access.entries',
    install: (rg) =>
      rg.hooks.access.for('entries').tap('m', (ids, r) => {
        if (isAlice(r.subject)) {
          (r.policy.entries as unknown as object[]).push({ id: 999_999, key: null, effect: 'allow', operation: 'all', owner: { type: 'everyone' }, object: { type: 'all-contacts' }, priority: 99, active: true, source: 'entry' });
        }
        return ids;
      }),
  }),
  'access: disable the deny entry in policy.entries': (_p, ids) => ({
    hook: 'access.entries',
    install: (rg) =>
      rg.hooks.access.for('entries').tap('m', (out, r) => {
        const entry = r.policy.entries.find((e) => e.id === ids.denyEntry) as { active: boolean } | undefined;
        if (isAlice(r.subject) && entry) entry.active = false;
        return out;
      }),
  }),
  'access: disable the deny group in policy.groups': (p) => ({
    hook: 'access.groups',
    install: (rg) =>
      rg.hooks.access.for('groups').tap('m', (out, r) => {
        if (isAlice(r.subject)) (r.policy.groups.get(p.g1) as { active: boolean }).active = false;
        return out;
      }),
  }),
  'access: Map.prototype.delete on policy.groups': (p) => ({
    hook: 'access.groups',
    install: (rg) => rg.hooks.access.for('groups').tap('m', (out, r) => (isAlice(r.subject) && Map.prototype.delete.call(r.policy.groups, p.g1), out)),
  }),
  'access: make a role an administrator in policy.roles': (_p, ids) => ({
    hook: 'access.roles',
    install: (rg) =>
      rg.hooks.access.for('roles').tap('m', (out, r) => {
        if (isAlice(r.subject)) (r.policy.roles.get(ids.boss) as { isAdministrator: boolean }).isAdministrator = true;
        return out;
      }),
  }),
  'access: push a permission into policy.rolePermissions': (_p, ids) => ({
    hook: 'access.roles',
    install: (rg) =>
      rg.hooks.access.for('roles').tap('m', (out, r) => {
        if (isAlice(r.subject)) (r.policy.rolePermissions.get(ids.boss) as string[]).push('edit all contacts');
        return out;
      }),
  }),
  'access: assign a role in policy.assignments': (p, ids) => ({
    hook: 'access.roles',
    install: (rg) =>
      rg.hooks.access.for('roles').tap('m', (out, r) => {
        if (isAlice(r.subject)) (r.policy.assignments as unknown as object[]).push({ id: 999_999, roleId: ids.boss, assigneeType: 'contact', assigneeId: p.alice, active: true });
        return out;
      }),
  }),
  'access: change an earlier tap’s contact grant': (p) => ({
    hook: 'access.contacts',
    install: (rg) => {
      rg.hooks.access.for('contacts').tap('first', (so, r) => (isAlice(r.subject) ? [...so, { operation: 'view', contactIds: [p.dave] }] : so));
      rg.hooks.access.for('contacts').tap('m', (so) => {
        const grant = so[0] as (ContactGrant & { contactIds: number[] }) | undefined;
        if (grant) grant.contactIds.push(p.bob);
        return so;
      });
    },
  }),
  'aclWhereClause: set subject.isAdministrator': () => ({
    hook: 'aclWhereClause',
    install: (rg) => rg.hooks.aclWhereClause.tap('m', (adj, r) => (isAlice(r.subject) && ((r.subject as { isAdministrator: boolean }).isAdministrator = true), adj)),
  }),
  'aclWhereClause: add a role id to subject.roleIds': (_p, ids) => ({
    hook: 'aclWhereClause',
    install: (rg) => rg.hooks.aclWhereClause.tap('m', (adj, r) => (isAlice(r.subject) && (r.subject.roleIds as Set<number>).add(ids.boss), adj)),
  }),
  'aclWhereClause: add a permission to subject.permissions': () => ({
    hook: 'aclWhereClause',
    install: (rg) => rg.hooks.aclWhereClause.tap('m', (adj, r) => (isAlice(r.subject) && (r.subject.permissions as Set<string>).add('edit all contacts'), adj)),
  }),
  'aclWhereClause: push into subject.extraEntries': () => ({
    hook: 'aclWhereClause',
    install: (rg) =>
      rg.hooks.aclWhereClause.tap('m', (adj, r) => {
        if (isAlice(r.subject)) (r.subject.extraEntries as unknown as object[]).push({ id: null, key: null, effect: 'allow', operation: 'all', owner: { type: 'everyone' }, object: { type: 'all-contacts' }, priority: 99, active: true, source: 'x' });
        return adj;
      }),
  }),
  'aclWhereClause: change subject.via': () => ({
    hook: 'aclWhereClause',
    install: (rg) => rg.hooks.aclWhereClause.tap('m', (adj, r) => (isAlice(r.subject) && (r.subject.via as Map<string, string>).set('role:1', 'forged'), adj)),
  }),
  'aclWhereClause: disable the deny entry through request.policy': (_p, ids) => ({
    hook: 'aclWhereClause',
    install: (rg) =>
      rg.hooks.aclWhereClause.tap('m', (adj, r) => {
        if (isAlice(r.subject)) (r.policy.entries.find((e) => e.id === ids.denyEntry) as { effect: string }).effect = 'allow';
        return adj;
      }),
  }),
  'aclWhereClause: loosen an earlier tap’s narrow criteria': () => ({
    hook: 'aclWhereClause',
    install: (rg) => {
      rg.hooks.aclWhereClause.tap('first', (adj, r) => (isAlice(r.subject) ? { ...adj, narrow: [...adj.narrow, { field: 'country', op: '=', value: 'FR' }] } : adj));
      rg.hooks.aclWhereClause.tap('m', (adj) => {
        const c = adj.narrow[0] as { op: string } | undefined;
        if (c) c.op = '!=';
        return adj;
      });
    },
  }),
  'permissionCheck: add a role id to subject.roleIds': (_p, ids) => ({
    hook: 'permissionCheck',
    install: (rg) => rg.hooks.permissionCheck.for('edit all contacts').tap('m', (v, r) => (isAlice(r.subject) && (r.subject.roleIds as Set<number>).add(ids.boss), v)),
  }),
  'permissionCheck: add a group id to subject.groupIds': (p) => ({
    hook: 'permissionCheck',
    install: (rg) => rg.hooks.permissionCheck.for('edit all contacts').tap('m', (v, r) => (isAlice(r.subject) && (r.subject.groupIds as Set<number>).add(p.g1), v)),
  }),
  'aclGroup: set subject.isAdministrator': () => ({
    hook: 'aclGroup',
    install: (rg) => rg.hooks.aclGroup.for('profile').tap('m', (perm, r) => (isAlice(r.subject) && ((r.subject as { isAdministrator: boolean }).isAdministrator = true), perm)),
  }),
  'aclGroup: add to the permitted ids it is given': () => ({
    hook: 'aclGroup',
    install: (rg) => rg.hooks.aclGroup.for('profile').tap('m', (perm, r) => (isAlice(r.subject) && (perm.ids as number[]).push(77), perm)),
  }),
  'events.decisionMade: change the event subject': (p) => ({
    hook: 'events.decisionMade',
    install: (rg) =>
      rg.hooks.events.decisionMade.tap('m', (e) => {
        if (e.subject.userId === 'u-alice') (e.subject as { contactId?: number }).contactId = p.bob;
      }),
  }),
};

interface Outcome {
  readonly decisions: Record<string, number[]>;
  readonly profiles: string;
  readonly permission: boolean;
}

async function outcome(w: HookedWorld, p: People, input: SubjectInput): Promise<Outcome> {
  const decisions: Record<string, number[]> = {};
  for (const op of OPS) decisions[op] = await visible(w.domain.subject(input), op, p.all);
  const me = w.domain.subject(input);
  return { decisions, profiles: JSON.stringify(await me.permittedEntityIds('profile', 'view')), permission: await me.hasPermission('edit all contacts') };
}

/** The policy as plain data, to compare the engine's cached snapshot before and after. */
function policyText(s: PolicySnapshot): string {
  return JSON.stringify({ entries: s.entries, groups: [...s.groups], roles: [...s.roles], assignments: s.assignments, perms: [...s.rolePermissions] });
}

describe.each(dialects)('what taps receive is immutable, on %s', (dialect) => {
  const suite = seededSuite(dialect, 'hooks_immutable');
  let p: People;
  let ids: { boss: number; denyEntry: number };
  beforeEach(async () => {
    p = suite.p;
    const { admin } = await hookedWorld(suite.t);
    await admin.createEntry({ effect: 'allow', operation: 'edit', owner: { type: 'everyone' }, object: { type: 'all-contacts' } });
    const denyEntry = await admin.createEntry({ effect: 'deny', operation: 'view', owner: { type: 'everyone' }, object: { type: 'group-members', groupId: p.g1 } });
    await admin.createEntry({ effect: 'allow', operation: 'view', owner: { type: 'everyone' }, object: { type: 'entity', entity: 'profile', id: 3 } });
    const boss = await admin.createRole({ name: 'boss' });
    await admin.grantPermission({ roleId: boss, permission: 'view my contact' });
    ids = { boss, denyEntry };
  });

  it('every mutation a tap tries throws: its contribution is refused (deny), other subjects and the cached policy are unchanged', async () => {
    const plain = await hookedWorld(suite.t);
    const others: SubjectInput[] = [{}, { contactId: p.bob }, { contactId: p.dave }];
    const baseline = await Promise.all(others.map((s) => outcome(plain, p, s)));
    const aliceBaseline = await outcome(plain, p, { userId: 'u-alice' });
    const policyBefore = policyText(await plain.domain.policy());
    let tried = 0;
    for (const [name, make] of Object.entries(MUTATIONS)) {
      const { hook, install } = make(p, ids);
      const w = await hookedWorld(suite.t, install);
      const alice = await outcome(w, p, { userId: 'u-alice' });
      // Fail closed: the throwing tap refuses what it would have given, and is reported by name.
      expect.soft(failed(w).some((f) => f.startsWith(hook) && f.endsWith("/m/threw")), `${name}: reported ${JSON.stringify(failed(w))}`).toBe(true);
      if (hook.startsWith('access.') || hook === 'aclWhereClause') expect.soft(alice.decisions, name).toEqual({ view: [], edit: [] });
      if (hook === 'aclGroup') expect.soft(JSON.parse(alice.profiles), name).toEqual({ mode: 'only', ids: [] });
      if (hook === 'permissionCheck') expect.soft(alice.permission, name).toBe(false);
      if (hook === 'events.decisionMade') expect.soft(alice, name).toEqual(aliceBaseline);
      // Everyone else decides exactly as without the tap, on the same engine (same cached snapshot).
      for (const [i, s] of others.entries()) expect.soft(await outcome(w, p, s), `${name}: subject ${JSON.stringify(s)}`).toEqual(baseline[i]);
      expect.soft(policyText(await w.domain.policy()), name).toBe(policyBefore);
      // A resolved subject cannot be changed from outside either.
      const resolved = (await w.domain.subject({ contactId: p.bob }).resolve()) as ResolvedSubject;
      expect.soft(Object.isFrozen(resolved) && !('add' in resolved.roleIds), name).toBe(true);
      tried += 1;
    }
    console.log(`[immutable tap inputs] ${dialect}: ${tried} mutations tried, each refused`);
    expect(tried).toBe(Object.keys(MUTATIONS).length);
  });
});
