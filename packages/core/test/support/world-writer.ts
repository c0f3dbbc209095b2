import type { Criteria, Domain } from '../../src/index.js';
import type { WorldSpec } from './world-arbitrary.js';

/** The ids a written world got. */
export interface WrittenWorld {
  contacts: number[];
  groups: number[];
  roles: number[];
  userIds: Map<number, string>;
}

function mapGroups(c: Criteria, groups: readonly number[]): Criteria {
  if ('all' in c) return { all: c.all.map((x) => mapGroups(x, groups)) };
  if ('any' in c) return { any: c.any.map((x) => mapGroups(x, groups)) };
  if ('not' in c) return { not: mapGroups(c.not, groups) };
  if ('inGroup' in c) return { inGroup: groups[c.inGroup] as number };
  return c;
}

/** Writes a world spec through the audited write API, in one transaction. */
export async function writeWorld(domain: Domain, spec: WorldSpec): Promise<WrittenWorld> {
  return domain.admin('differential').transaction(async (admin) => {
    const contacts: number[] = [];
    const userIds = new Map<number, string>();
    for (const [i, c] of spec.contacts.entries()) {
      const id = await admin.createContact({
        key: `c${i}`,
        contactType: c.type,
        sortName: `c${i}`,
        subTypes: c.subTypes,
        attributes: { country: c.country, state: c.state, age: c.age },
        isDeleted: c.deleted,
      });
      contacts.push(id);
      if (c.user) {
        await admin.linkUser({ userId: `user-${i}`, contactId: id });
        userIds.set(id, `user-${i}`);
      }
    }
    const groups: number[] = [];
    for (const [i, g] of spec.groups.entries()) {
      groups.push(
        await admin.createGroup({
          name: `g${i}`,
          kind: g.kind,
          ...(g.criteria ? { criteria: mapGroups(g.criteria, groups) } : {}),
          active: g.active,
        }),
      );
    }
    for (const m of spec.memberships) {
      await admin.setMembership({ groupId: groups[m.group] as number, contactId: contacts[m.contact] as number, status: m.status });
    }
    const staticGroups = groups.filter((_, i) => spec.groups[i]?.kind === 'static');
    const roles: number[] = [];
    for (const [i, r] of spec.roles.entries()) {
      const id = await admin.createRole({ name: `r${i}`, isAdministrator: r.admin, active: r.active });
      for (const permission of r.permissions) await admin.grantPermission({ roleId: id, permission });
      roles.push(id);
    }
    for (const a of spec.assignments) {
      const roleId = roles[a.role] as number;
      if (a.to === 'contact') await admin.assignRole({ roleId, assignee: { type: 'contact', id: contacts[a.index % contacts.length] as number } });
      else if (staticGroups.length > 0) {
        const id = staticGroups[a.index % staticGroups.length] as number;
        await admin.assignRole({ roleId, assignee: { type: 'group', id } }).catch((e: unknown) => {
          if (!(e instanceof Error) || !/already assigned/.test(e.message)) throw e;
        });
      }
    }
    for (const e of spec.entries) {
      const o = e.owner;
      const owner =
        o.type === 'contact'
          ? { type: 'contact' as const, id: contacts[o.index % contacts.length] as number }
          : o.type === 'group' && staticGroups.length > 0
            ? { type: 'group' as const, id: staticGroups[o.index % staticGroups.length] as number }
            : o.type === 'role' && roles.length > 0
              ? { type: 'role' as const, id: roles[o.index % roles.length] as number }
              : o.type === 'authenticated'
                ? { type: 'authenticated' as const }
                : { type: 'everyone' as const };
      const b = e.object;
      const object =
        b.type === 'contact'
          ? { type: 'contact' as const, id: contacts[b.index % contacts.length] as number }
          : b.type === 'group-members'
            ? { type: 'group-members' as const, groupId: groups[b.index % groups.length] as number }
            : { type: 'all-contacts' as const };
      await admin.createEntry({ effect: e.effect, operation: e.operation, owner, object, priority: e.priority, active: e.active });
    }
    return { contacts, groups, roles, userIds };
  });
}
