import { PolicyError, type Criteria, type Domain } from '../../src/index.js';
import type { WorldSpec } from './world-arbitrary.js';

/** The ids a written world got. */
export interface WrittenWorld {
  entryIds: number[];
  relTypes: number[];
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

/**
 * Writes a world spec through the audited write API (one transaction), then attempts its delegations (each is
 * checked against the committed policy; refused ones are skipped, as a host would see them refused).
 */
export async function writeWorld(domain: Domain, spec: WorldSpec): Promise<WrittenWorld> {
  const world = await writeBase(domain, spec);
  for (const d of spec.delegations) {
    if (world.entryIds.length === 0) break;
    await domain
      .admin('differential')
      .delegate({
        granter: world.contacts[d.granter] as number,
        recipient: world.contacts[d.recipient] as number,
        // Half of them pick the granter's own allow (added last for each delegation), half any entry.
        parentEntryId: (d.parent % 2 === 0 ? world.entryIds[world.entryIds.length - spec.delegations.length + spec.delegations.indexOf(d)] : world.entryIds[d.parent % world.entryIds.length]) as number,
        operation: d.operation,
        ...(d.criteria && !JSON.stringify(d.criteria).includes('inGroup') ? { criteria: d.criteria } : {}),
      })
      .catch((e: unknown) => {
        if (!(e instanceof PolicyError) || !['delegation_refused', 'delegation_loop'].includes(e.code)) throw e;
      });
  }
  return world;
}

async function writeBase(domain: Domain, spec: WorldSpec): Promise<WrittenWorld> {
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
    const relTypes: number[] = [];
    for (const [i, r] of spec.relTypes.entries()) {
      relTypes.push(await admin.createRelationshipType({ name: `rt${i}`, permissionAB: r.ab, permissionBA: r.ba, active: r.active }));
    }
    for (const r of spec.relationships) {
      if (relTypes.length === 0 || r.a === r.b || (r.start !== null && r.end !== null && r.start > r.end)) continue;
      await admin.createRelationship({
        typeId: relTypes[r.type % relTypes.length] as number,
        contactA: contacts[r.a] as number,
        contactB: contacts[r.b] as number,
        active: r.active,
        startDate: r.start,
        endDate: r.end,
      });
    }
    const entryIds: number[] = [];
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
            : b.type === 'related'
              ? { type: 'related' as const, relationshipTypeId: relTypes.length > 0 && b.index % 2 === 0 ? (relTypes[b.index % relTypes.length] as number) : null, permission: b.permission }
              : b.type === 'entity'
                ? { type: 'entity' as const, entity: 'profile', id: b.index % 5 === 0 ? null : (b.index % 4) + 1 }
                : { type: 'all-contacts' as const };
      entryIds.push(await admin.createEntry({ effect: e.effect, operation: e.operation, owner, object, priority: e.priority, active: e.active }));
    }
    // Each delegation comes with a grant right for its granter (over the recipient, or over everyone), and is
    // more likely to find a parent its granter holds: an allow owned by the granter's contact.
    for (const [i, d] of spec.delegations.entries()) {
      const granter = contacts[d.granter] as number;
      await admin.createEntry({
        effect: 'allow',
        operation: 'grant',
        owner: { type: 'contact', id: granter },
        object: i % 2 === 0 ? { type: 'contact', id: contacts[d.recipient] as number } : { type: 'all-contacts' },
      });
      const b = spec.entries[d.parent % Math.max(1, spec.entries.length)]?.object;
      entryIds.push(
        await admin.createEntry({
          effect: 'allow',
          operation: d.operation === 'delete' ? 'all' : 'edit',
          owner: { type: 'contact', id: granter },
          object: b?.type === 'group-members' ? { type: 'group-members', groupId: groups[b.index % groups.length] as number } : { type: 'all-contacts' },
          priority: i % 3 === 0 ? 1 : 0,
        }),
      );
    }
    return { contacts, groups, roles, userIds, entryIds, relTypes };
  });
}
