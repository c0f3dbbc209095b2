import { HostDataError } from '../host/host-data-error.js';
import { HostWritesDisabledError, UnknownHostRoleError } from '../host/host-role-writes.js';
import type { HostUserRecord } from '../host/host-source.js';
import { syncGroupsToHostSource } from '../group-role-writeback.js';
import { HostSync } from '../sync/host-sync.js';
import { ConformanceFailure, type ConformanceCheck, type ConformanceContext, type ConformanceHost } from './conformance-host.js';

let serial = 0;
/** A fresh e-mail address for a check's user. */
function email(tag: string): string {
  serial += 1;
  return `Conf.${tag}.${process.pid}.${serial}@Example.org`;
}

function expect(check: string, ok: boolean, detail: string): void {
  if (!ok) throw new ConformanceFailure(check, detail);
}

async function read(host: ConformanceHost, userId: string): Promise<HostUserRecord | null> {
  return host.source.readUser(userId, await host.source.listRoles());
}

async function readAll(host: ConformanceHost, limit: number): Promise<HostUserRecord[]> {
  const roles = await host.source.listRoles();
  const out: HostUserRecord[] = [];
  let after = 0;
  for (;;) {
    const page = await host.source.readUsers({ after, limit }, roles);
    out.push(...page);
    if (page.length < limit) return out;
    after = page[page.length - 1]?.key ?? after;
  }
}

/** The kit's mappings: the first role to the first group, the second and third roles both to the second group. */
function mappings(host: ConformanceHost, ctx: ConformanceContext): { hostRole: string; groupId: number }[] {
  const [r0, r1, r2] = host.roles;
  const [g0, g1] = ctx.groupIds;
  return [
    { hostRole: r0, groupId: g0 },
    { hostRole: r1, groupId: g1 },
    { hostRole: r2, groupId: g1 },
  ];
}

function sync(host: ConformanceHost, ctx: ConformanceContext): HostSync {
  return new HostSync(ctx.domain, host.source, { emailAttribute: ctx.emailAttribute, mappings: mappings(host, ctx), rolesCacheMs: 0 });
}

async function statusIn(ctx: ConformanceContext, groupId: number, userId: string, contactId?: number): Promise<string | null> {
  const id = contactId ?? (await ctx.domain.userLinks().contactOf(userId));
  if (id === null) return null;
  return (await ctx.domain.userLinks().membershipsOf([id], [groupId]))[0]?.status ?? null;
}

/**
 * The checks of the conformance kit, in order. Reading: users paged in key order exactly once, one user read as
 * the page reads it, roles keyed by stable ids, e-mail kept as stored, role changes, blocks and deletions seen
 * on the next read, corrupt data named by table, row and user. Syncing through {@link HostSync}: a role change
 * reaches the groups after `reconcileUser`, several roles -> one group does not flap, a blocked or deleted user
 * loses the memberships the sync made and keeps its contact, and a batch with corrupt data writes nothing.
 * Writing roles (sources with a writer): a read-only source refuses, roles written read back the same, an
 * unknown role writes nothing.
 *
 * @example
 * ```ts
 * for (const check of conformanceChecks) it(check.name, () => check.run(host, ctx));
 * ```
 */
export const conformanceChecks: readonly ConformanceCheck[] = [
  {
    name: 'pages users in key order, each exactly once',
    async run(host) {
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) ids.push(await host.createUser({ email: email('page'), name: `Page ${i}`, roles: [host.roles[0]] }));
      const all = await readAll(host, 2);
      const keys = all.map((u) => u.key);
      expect(this.name, keys.every((k, i) => i === 0 || k > (keys[i - 1] ?? -1)), `keys not strictly increasing: ${keys.join(',')}`);
      expect(this.name, new Set(all.map((u) => u.id)).size === all.length, 'a user is listed twice');
      for (const id of ids) expect(this.name, all.some((u) => u.id === id), `user ${id} is missing from the pages`);
      if (host.source.countUsers) {
        const n = await host.source.countUsers();
        expect(this.name, n === all.length, `countUsers says ${n}, the pages hold ${all.length}`);
      }
    },
  },
  {
    name: 'reads one user as the page reads it, and an unknown user as null',
    async run(host) {
      const id = await host.createUser({ email: email('one'), name: 'One', roles: [host.roles[1]] });
      const listed = (await readAll(host, 1000)).find((u) => u.id === id);
      const single = await read(host, id);
      expect(this.name, JSON.stringify(listed) === JSON.stringify(single), `page ${JSON.stringify(listed)} != single ${JSON.stringify(single)}`);
      expect(this.name, (await read(host, `${host.source.idPrefix}987654321`)) === null, 'an unknown user did not read as null');
    },
  },
  {
    name: 'keys roles by stable ids and gives users exactly their roles',
    async run(host) {
      const roles = await host.source.listRoles();
      const ids = new Set(roles.map((r) => r.id));
      expect(this.name, ids.size === roles.length, 'two roles share an id');
      for (const r of host.roles) expect(this.name, ids.has(r), `role ${r} is not listed`);
      const id = await host.createUser({ email: email('roles'), name: 'Roles', roles: [host.roles[0], host.roles[2]] });
      const user = await read(host, id);
      expect(this.name, user !== null, 'the user does not read');
      expect(this.name, user?.roles.every((r) => ids.has(r)) === true, `user roles ${user?.roles.join(',')} are not all listed roles`);
      expect(this.name, user?.roles.includes(host.roles[0]) === true && user.roles.includes(host.roles[2]), `user roles ${user?.roles.join(',')}`);
      expect(this.name, user?.roles.includes(host.roles[1]) === false || host.roles[1] === host.roles[0], 'the user holds a role it was not given');
    },
  },
  {
    name: 'keeps e-mail as stored and sees changes on the next read',
    async run(host) {
      const address = email('Mail');
      const id = await host.createUser({ email: address, name: 'Mail', roles: [host.roles[0]] });
      expect(this.name, (await read(host, id))?.email === address, 'the e-mail does not read back exactly');
      await host.setRoles(id, [host.roles[1]]);
      await host.setEmail(id, 'changed.' + address);
      const after = await read(host, id);
      expect(this.name, after?.email === 'changed.' + address, 'an e-mail change is not seen');
      expect(this.name, after?.roles.includes(host.roles[1]) === true && !after.roles.includes(host.roles[0]), `a role change is not seen: ${after?.roles.join(',')}`);
    },
  },
  {
    name: 'reads a blocked user as blocked',
    needsBlock: true,
    async run(host) {
      const id = await host.createUser({ email: email('block'), name: 'Block', roles: [host.roles[0]] });
      expect(this.name, (await read(host, id))?.blocked === false, 'a new user reads as blocked');
      await host.block?.(id);
      expect(this.name, (await read(host, id))?.blocked === true, 'a blocked user does not read as blocked');
    },
  },
  {
    name: 'forgets a deleted user',
    async run(host) {
      const id = await host.createUser({ email: email('gone'), name: 'Gone', roles: [host.roles[0]] });
      expect(this.name, (await host.source.existingUsers([id])).has(id), 'existingUsers misses a user');
      await host.deleteUser(id);
      expect(this.name, (await read(host, id)) === null, 'a deleted user still reads');
      expect(this.name, !(await readAll(host, 1000)).some((u) => u.id === id), 'a deleted user is still listed');
      expect(this.name, !(await host.source.existingUsers([id])).has(id), 'existingUsers keeps a deleted user');
    },
  },
  {
    name: 'names the table, row and user of corrupt role data',
    async run(host) {
      const id = await host.createUser({ email: email('bad'), name: 'Bad', roles: [host.roles[0]] });
      await host.corruptRoles(id);
      try {
        await read(host, id);
        throw new ConformanceFailure(this.name, 'corrupt role data read without an error');
      } catch (e) {
        if (e instanceof ConformanceFailure) throw e;
        expect(this.name, e instanceof HostDataError, `expected a HostDataError, got ${String(e)}`);
        const err = e as HostDataError;
        expect(this.name, err.userId === id && err.table.length > 0 && err.row.length > 0, `the error names ${err.table} / ${err.row} / ${err.userId}`);
      } finally {
        await host.deleteUser(id);
      }
    },
  },
  {
    name: 'writes: a read-only source refuses to set roles and writes nothing',
    async run(host) {
      const id = await host.createUser({ email: email('ro'), name: 'Read only', roles: [host.roles[0]] });
      if (!host.source.setUserRoles) return;
      try {
        await host.source.setUserRoles(id, [host.roles[1]]);
        throw new ConformanceFailure(this.name, 'a read-only source set roles');
      } catch (e) {
        if (e instanceof ConformanceFailure) throw e;
        expect(this.name, e instanceof HostWritesDisabledError, `expected a HostWritesDisabledError, got ${String(e)}`);
      }
      const user = await read(host, id);
      expect(this.name, user?.roles.includes(host.roles[0]) === true && !user.roles.includes(host.roles[1]), `the roles changed: ${user?.roles.join(',')}`);
    },
  },
  {
    name: 'writes: roles set by the source read back the same, in the host tables',
    needsWrites: true,
    async run(host) {
      const writer = host.writer?.setUserRoles ? host.writer : null;
      if (!writer?.setUserRoles) return;
      const id = await host.createUser({ email: email('wr'), name: 'Written', roles: [host.roles[0]] });
      const before = await read(host, id);
      await writer.setUserRoles(id, [host.roles[1], host.roles[2]]);
      const after = await read(host, id);
      expect(this.name, after?.roles.includes(host.roles[1]) === true && after.roles.includes(host.roles[2]) && !after.roles.includes(host.roles[0]), `read back ${after?.roles.join(',')}`);
      await writer.setUserRoles(id, before?.roles ?? []);
      const back = await read(host, id);
      expect(this.name, JSON.stringify(back) === JSON.stringify(before), `writing the roles read did not restore the user: ${JSON.stringify(back)} != ${JSON.stringify(before)}`);
      await writer.setUserRoles(id, []);
      expect(this.name, !(await read(host, id))?.roles.some((r) => host.roles.includes(r)), 'an empty write left a role');
    },
  },
  {
    name: 'writes: an unknown role or user is a named error and writes nothing',
    needsWrites: true,
    async run(host) {
      const writer = host.writer;
      if (!writer?.setUserRoles) return;
      const id = await host.createUser({ email: email('unk'), name: 'Unknown role', roles: [host.roles[0]] });
      try {
        await writer.setUserRoles(id, [host.roles[1], 'no_such_role_987']);
        throw new ConformanceFailure(this.name, 'an unknown role was written');
      } catch (e) {
        if (e instanceof ConformanceFailure) throw e;
        expect(this.name, e instanceof UnknownHostRoleError && e.roles.includes('no_such_role_987'), `expected an UnknownHostRoleError, got ${String(e)}`);
      }
      const user = await read(host, id);
      expect(this.name, user?.roles.includes(host.roles[0]) === true && !user.roles.includes(host.roles[1]), `the roles changed: ${user?.roles.join(',')}`);
      let missing: unknown = null;
      await writer.setUserRoles(`${writer.idPrefix}987654321`, [host.roles[0]]).catch((e: unknown) => (missing = e));
      expect(this.name, missing instanceof Error && missing.name === 'HostUserMissingError', `a missing user gave ${String(missing)}`);
    },
  },
  {
    name: 'sync: a role change reaches the groups at reconcileUser, several roles -> one group do not flap',
    async run(host, ctx) {
      const s = sync(host, ctx);
      const [g0, g1] = ctx.groupIds;
      const id = await host.createUser({ email: email('sync'), name: 'Sync', roles: [host.roles[0]] });
      await s.reconcileUser(id);
      expect(this.name, (await statusIn(ctx, g0, id)) === 'Added', 'the first role did not add the user to its group');
      await host.setRoles(id, [host.roles[1]]);
      await s.reconcileUser(id);
      expect(this.name, (await statusIn(ctx, g0, id)) === 'Removed' && (await statusIn(ctx, g1, id)) === 'Added', 'the role change did not move the user');
      await host.setRoles(id, [host.roles[1], host.roles[2]]);
      const again = await s.reconcileUser(id);
      const third = await s.reconcileUser(id);
      expect(this.name, again.addedCount + again.removedCount + third.addedCount + third.removedCount === 0, 'holding two roles of one group changed memberships');
      await host.setRoles(id, [host.roles[2]]);
      const dropped = await s.reconcileUser(id);
      expect(this.name, dropped.removedCount === 0 && (await statusIn(ctx, g1, id)) === 'Added', 'losing one of two roles of a group removed the user');
    },
  },
  {
    name: 'sync: a blocked user loses the memberships the sync made and keeps its contact',
    needsBlock: true,
    async run(host, ctx) {
      const s = sync(host, ctx);
      const id = await host.createUser({ email: email('blk'), name: 'Blocked', roles: [host.roles[0]] });
      await s.reconcileUser(id);
      const contactId = await ctx.domain.userLinks().contactOf(id);
      expect(this.name, contactId !== null, 'no contact was linked');
      await host.block?.(id);
      await s.reconcileUser(id);
      expect(this.name, (await ctx.domain.userLinks().contactOf(id)) === null, 'a blocked user still resolves to its contact');
      expect(this.name, (await statusIn(ctx, ctx.groupIds[0], id, contactId ?? 0)) === 'Removed', 'a blocked user is still a member');
      expect(this.name, (await ctx.domain.findContacts({ where: { field: 'id', op: '=', value: contactId ?? 0 } })).length === 1, 'the contact is gone');
    },
  },
  {
    name: 'sync: a deleted user is unlinked, its memberships Removed, its contact kept',
    async run(host, ctx) {
      const s = sync(host, ctx);
      const id = await host.createUser({ email: email('del'), name: 'Deleted', roles: [host.roles[0]] });
      await s.reconcileUser(id);
      const contactId = (await ctx.domain.userLinks().contactOf(id)) ?? 0;
      await host.deleteUser(id);
      await s.reconcileUser(id);
      expect(this.name, (await ctx.domain.userLinks().userOf(contactId)) === null, 'the link is still there');
      expect(this.name, (await statusIn(ctx, ctx.groupIds[0], id, contactId)) === 'Removed', 'the membership is still Added');
      expect(this.name, (await ctx.domain.findContacts({ where: { field: 'id', op: '=', value: contactId } })).length === 1, 'the contact is gone');
    },
  },
  {
    name: 'sync: a batch with corrupt data writes nothing and names the user',
    async run(host, ctx) {
      const s = sync(host, ctx);
      const good = await host.createUser({ email: email('ok'), name: 'Fine', roles: [host.roles[0]] });
      const bad = await host.createUser({ email: email('ko'), name: 'Broken', roles: [host.roles[0]] });
      await host.corruptRoles(bad);
      try {
        await s.reconcileAll({ batchSize: 5000 });
        throw new ConformanceFailure(this.name, 'the run did not stop');
      } catch (e) {
        if (e instanceof ConformanceFailure) throw e;
        expect(this.name, e instanceof HostDataError && e.userId === bad, `expected a HostDataError naming ${bad}, got ${String(e)}`);
      } finally {
        await host.deleteUser(bad);
      }
      expect(this.name, (await ctx.domain.userLinks().contactOf(good)) === null, 'the batch wrote a link');
      await s.reconcileAll({ batchSize: 5000 });
      expect(this.name, (await ctx.domain.userLinks().contactOf(good)) !== null, 'a clean rerun did not link the user');
    },
  },
  {
    name: 'writes: role -> group then group -> role reach a fixed point in one round',
    needsWrites: true,
    async run(host, ctx) {
      const writer = host.writer;
      if (!writer) return;
      const s = sync(host, ctx);
      const [, g1] = ctx.groupIds;
      const both = await host.createUser({ email: email('fix'), name: 'Two roles', roles: [host.roles[1], host.roles[2]] });
      const none = await host.createUser({ email: email('fix'), name: 'No role', roles: [] });
      await s.reconcileUser(both);
      await s.reconcileUser(none);
      const contact = await ctx.domain.userLinks().contactOf(none);
      expect(this.name, contact !== null, 'the user without roles was not linked');
      await ctx.domain.admin('conformance').setMembership({ groupId: g1, contactId: contact ?? 0, status: 'Added' });
      await s.reconcileAll();
      const first = await syncGroupsToHostSource(ctx.domain, writer, mappings(host, ctx));
      expect(this.name, first.rolesGranted.some((g) => g.userId === none && g.role === host.roles[1]), `the member of a group got no role: ${JSON.stringify(first)}`);
      expect(this.name, !first.rolesRevoked.some((r) => r.userId === both), 'a user holding two roles of one group lost one');
      expect(this.name, (await read(host, none))?.roles.includes(host.roles[1]) === true, 'the granted role does not read back');
      const again = await s.reconcileAll();
      const c = again.changes;
      expect(this.name, c.addedCount + c.removedCount + c.created + c.linked + c.unlinked === 0, `the second role -> group run changed ${JSON.stringify(c)}`);
      const second = await syncGroupsToHostSource(ctx.domain, writer, mappings(host, ctx));
      expect(this.name, second.rolesGranted.length + second.rolesRevoked.length === 0, `the second group -> role run changed ${JSON.stringify(second)}`);
    },
  },
];

/**
 * One check's outcome.
 *
 * @example
 * ```ts
 * const failed = (await runConformance(host, ctx)).filter((r: ConformanceResult) => r.status === 'failed');
 * ```
 */
export interface ConformanceResult {
  readonly name: string;
  readonly status: 'passed' | 'failed' | 'skipped';
  readonly error?: unknown;
}

/**
 * Runs every check against an adapter, in order, and returns each outcome (a check that needs a blocked state
 * or role writes is skipped when the host has none). For a test runner, loop over {@link conformanceChecks} instead.
 *
 * @example
 * ```ts
 * const results = await runConformance(host, { domain, emailAttribute: 'email', groupIds: [g1, g2] });
 * results.filter((r) => r.status === 'failed');
 * ```
 */
export async function runConformance(host: ConformanceHost, ctx: ConformanceContext): Promise<ConformanceResult[]> {
  const out: ConformanceResult[] = [];
  for (const check of conformanceChecks) {
    if ((check.needsBlock && !host.block) || (check.needsWrites && !host.writer?.setUserRoles)) {
      out.push({ name: check.name, status: 'skipped' });
      continue;
    }
    try {
      await check.run(host, ctx);
      out.push({ name: check.name, status: 'passed' });
    } catch (error) {
      out.push({ name: check.name, status: 'failed', error });
    }
  }
  return out;
}
