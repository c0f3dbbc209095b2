import { createRowguard, type Domain, type Rowguard } from '@rowguard/core';
import type { TestDatabase } from '../../../core/test/support/test-databases.js';

/** The 300 x 300 policy of the browser suite, with the people its scenario uses. */
export interface MatrixWorld {
  readonly engine: Rowguard;
  readonly domain: Domain;
  readonly alice: number;
  readonly pat: number;
  readonly tom: number;
  readonly entries: number;
}

const pad = (n: number): string => String(n).padStart(3, '0');

/**
 * Writes 300 ACL roles and 300 groups with about 1,000 entries through the audited write API (the admin screen
 * the ACL seed describes), plus alice (administrator), pat (holds role 150, which has no entry on group 150)
 * and tom (a member of group 150). Deterministic.
 *
 * @example
 * ```ts
 * const w = await matrixWorld(t);
 * ```
 */
export async function matrixWorld(t: TestDatabase): Promise<MatrixWorld> {
  const engine = createRowguard({ db: t.db, contacts: { attributes: { country: { type: 'text' } } }, onError: () => undefined });
  await engine.migrate();
  const domain = await engine.domain('default');
  let seed = 20261126;
  const next = (n: number): number => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return Math.floor(seed / 65_536) % n;
  };
  const made = await domain.admin('matrix-setup').transaction(async (a) => {
    const countries = ['FR', 'VN', 'DE', 'IT'];
    const contacts: number[] = [];
    for (let i = 0; i < 40; i++) {
      contacts.push(await a.createContact({ key: `c${i}`, contactType: 'Individual', sortName: `Contact ${pad(i)}`, attributes: { country: countries[i % 4] as string } }));
    }
    const alice = await a.createContact({ key: 'alice', contactType: 'Individual', sortName: 'Admin, Alice', attributes: { country: 'FR' } });
    const pat = await a.createContact({ key: 'pat', contactType: 'Individual', sortName: 'Person, Pat', attributes: { country: 'VN' } });
    const tom = await a.createContact({ key: 'tom', contactType: 'Individual', sortName: 'Target, Tom', attributes: { country: 'DE' } });
    await a.linkUser({ userId: 'alice', contactId: alice });
    await a.linkUser({ userId: 'pat', contactId: pat });
    const groups: number[] = [];
    for (let g = 1; g <= 300; g++) {
      groups.push(
        g % 10 === 0
          ? await a.createGroup({ name: `Group ${pad(g)}`, kind: 'smart', criteria: { field: 'country', op: '=', value: countries[g % 4] as string } })
          : await a.createGroup({ name: `Group ${pad(g)}`, kind: 'static' }),
      );
    }
    for (const [i, id] of contacts.entries()) {
      for (let k = 0; k < 3; k++) {
        const g = groups[(i * 7 + k * 31) % 300] as number;
        if (((i * 7 + k * 31) % 300) % 10 !== 9) await a.setMembership({ groupId: g, contactId: id, status: 'Added' }).catch(() => undefined);
      }
    }
    await a.setMembership({ groupId: groups[149] as number, contactId: tom, status: 'Added' });
    const roles: number[] = [];
    for (let r = 1; r <= 300; r++) roles.push(await a.createRole({ name: `Role ${pad(r)}` }));
    const admins = await a.createRole({ name: 'Administrators' });
    await a.grantPermission({ roleId: admins, permission: 'administer CRM' });
    await a.assignRole({ roleId: admins, assignee: { type: 'contact', id: alice } });
    await a.assignRole({ roleId: roles[149] as number, assignee: { type: 'contact', id: pat } });
    // Most roles are held through a static group, as in the ACL seed (roles assigned to groups, never to people).
    for (const [r, roleId] of roles.entries()) {
      if (r !== 149 && (r + 1) % 10 !== 0) await a.assignRole({ roleId, assignee: { type: 'group', id: groups[r] as number } });
    }
    let entries = 0;
    const ops = ['view', 'edit', 'view', 'delete', 'all'] as const;
    for (const [r, roleId] of roles.entries()) {
      // Role 150 (pat's) starts empty: the scenario adds its first entry from the page.
      const n = r === 149 ? 0 : 2 + next(3);
      for (let k = 0; k < n; k++) {
        // Popular objects first (all contacts, the first groups), as real policies have them, then any group.
        const pick = next(10);
        const g = pick < 2 ? 300 : pick < 6 ? next(12) : next(300);
        const object = g === 300 ? { type: 'all-contacts' as const } : { type: 'group-members' as const, groupId: groups[g] as number };
        await a.createEntry({ effect: next(6) === 0 ? 'deny' : 'allow', operation: ops[next(ops.length)] as (typeof ops)[number], owner: { type: 'role', id: roleId }, object, priority: next(4) === 0 ? 1 : 0 });
        entries += 1;
      }
    }
    return { alice, pat, tom, entries };
  });
  return { engine, domain, ...made };
}
