import type { Domain } from '@rowguard/core';
import { subjectUserId } from './dataset-plan.js';

/**
 * The objects the load test toggles, created through the engine's write API in the benchmark domain (found by
 * name when they exist). They touch no group or role the benchmark subjects hold, so the benchmark data keeps
 * its grants.
 */
export interface ProbeSetup {
  /** Subject 11 may view the Added members of group A; the writer toggles four contacts in and out of A. */
  readonly subjectA: string;
  readonly groupA: number;
  readonly targetsA: readonly number[];
  /** Subject 12 may view contact `targetB` (member of group B) while entry B is active; the writer toggles it. */
  readonly subjectB: string;
  readonly entryB: number;
  readonly targetB: number;
  /** Subject 13 holds role C (which may view `targetC`) while it is an Added member of group C. */
  readonly subjectC: string;
  readonly groupC: number;
  readonly contactC: number;
  readonly targetC: number;
  /** Groups and entries the writer changes as background churn. */
  readonly noiseGroups: readonly number[];
  readonly noiseEntries: readonly number[];
}

/** A probe's committed state, as the writer reports it after each commit. */
export interface ProbeState {
  readonly key: string;
  readonly seq: number;
  /** Whether the probe's subject may now view the probe's target. */
  readonly allowed: boolean;
}

const ACTOR = 'bench-load-test';

/**
 * Creates (or finds) the probe groups, roles and entries, and puts every probe in its initial state (target
 * visible), through the audited write API.
 *
 * @example
 * ```ts
 * const probes = await setUpProbes(domain, 1_000_000);
 * ```
 */
export async function setUpProbes(domain: Domain, contacts: number): Promise<ProbeSetup> {
  const admin = domain.admin(ACTOR);
  const policy = await domain.policy();
  const groupId = async (name: string): Promise<number> => {
    for (const g of policy.groups.values()) if (g.name === name) return g.id;
    return admin.createGroup({ name, kind: 'static' });
  };
  const roleId = async (name: string): Promise<number> => {
    for (const r of policy.roles.values()) if (r.name === name) return r.id;
    return admin.createRole({ name });
  };
  const assign = async (role: number, type: 'contact' | 'group', id: number): Promise<void> => {
    if (!policy.assignments.some((a) => a.roleId === role && a.assigneeType === type && a.assigneeId === id)) {
      await admin.assignRole({ roleId: role, assignee: { type, id } });
    }
  };
  const entry = async (role: number, object: { type: 'group-members'; groupId: number } | { type: 'contact'; id: number }): Promise<number> => {
    const found = policy.entries.find(
      (e) =>
        e.owner.type === 'role' &&
        e.owner.id === role &&
        e.object.type === object.type &&
        (object.type === 'contact' ? e.object.type === 'contact' && e.object.id === object.id : e.object.type === 'group-members' && e.object.groupId === object.groupId),
    );
    if (found?.id) return found.id;
    return admin.createEntry({ effect: 'allow', operation: 'view', owner: { type: 'role', id: role }, object });
  };
  const spread = (k: number): number => Math.max(21, Math.floor((contacts * (k + 1)) / 7));

  const groupA = await groupId('Load probe A');
  const roleA = await roleId('Load probe A viewer');
  await assign(roleA, 'contact', 11);
  await entry(roleA, { type: 'group-members', groupId: groupA });
  const targetsA = [spread(0), spread(1), spread(2), spread(3)];
  for (const c of targetsA) await admin.setMembership({ groupId: groupA, contactId: c, status: 'Added' });

  const groupB = await groupId('Load probe B');
  const targetB = spread(4);
  await admin.setMembership({ groupId: groupB, contactId: targetB, status: 'Added' });
  const roleB = await roleId('Load probe B viewer');
  await assign(roleB, 'contact', 12);
  const entryB = await entry(roleB, { type: 'group-members', groupId: groupB });
  await admin.updateEntry(entryB, { active: true });

  const groupC = await groupId('Load probe C holders');
  const roleC = await roleId('Load probe C role');
  await assign(roleC, 'group', groupC);
  const targetC = spread(5);
  await entry(roleC, { type: 'contact', id: targetC });
  await admin.setMembership({ groupId: groupC, contactId: 13, status: 'Added' });

  const noiseGroups = [await groupId('Load noise 1'), await groupId('Load noise 2'), await groupId('Load noise 3')];
  const noiseRole = await roleId('Load noise role');
  const noiseEntries: number[] = [];
  for (const g of noiseGroups) noiseEntries.push(await entry(noiseRole, { type: 'group-members', groupId: g }));
  return {
    subjectA: subjectUserId(11),
    groupA,
    targetsA,
    subjectB: subjectUserId(12),
    entryB,
    targetB,
    subjectC: subjectUserId(13),
    groupC,
    contactC: 13,
    targetC,
    noiseGroups,
    noiseEntries,
  };
}

/**
 * The probe keys and their initial states (everything visible).
 *
 * @example
 * ```ts
 * initialStates(probes).get('B'); // { key: 'B', seq: 0, allowed: true }
 * ```
 */
export function initialStates(p: ProbeSetup): Map<string, ProbeState> {
  const keys = [...p.targetsA.map((c) => `A:${c}`), 'B', 'C'];
  return new Map(keys.map((key) => [key, { key, seq: 0, allowed: true }]));
}

/**
 * The subject and target contact a probe key is about.
 *
 * @example
 * ```ts
 * probeTarget(probes, 'C'); // { userId: 'bench-user-13', contactId: ... }
 * ```
 */
export function probeTarget(p: ProbeSetup, key: string): { userId: string; contactId: number } {
  if (key === 'B') return { userId: p.subjectB, contactId: p.targetB };
  if (key === 'C') return { userId: p.subjectC, contactId: p.targetC };
  return { userId: p.subjectA, contactId: Number(key.slice(2)) };
}

/**
 * Whether an error is a deadlock, a lock-wait timeout or a serialization failure (MariaDB 1213 / 1205,
 * PostgreSQL 40P01 / 40001 / 55P03).
 *
 * @example
 * ```ts
 * isLockError({ errno: 1213 }); // true
 * ```
 */
export function isLockError(error: unknown): boolean {
  const e = (error as { cause?: unknown })?.cause ?? error;
  const code = String((e as { code?: unknown })?.code ?? '');
  const errno = Number((e as { errno?: unknown })?.errno ?? 0);
  return errno === 1213 || errno === 1205 || ['40P01', '40001', '55P03', 'ER_LOCK_DEADLOCK', 'ER_LOCK_WAIT_TIMEOUT'].includes(code);
}
