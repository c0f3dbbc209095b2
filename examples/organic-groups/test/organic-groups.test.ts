import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { joinTeam, leaveTeam, openOrganicGroups, runDemo, type OrganicGroupsWorld } from '../src/index.js';

describe('organic groups example (embedded SQLite)', () => {
  let world: OrganicGroupsWorld;
  let queries = 0;

  beforeEach(async () => {
    world = await openOrganicGroups();
    queries = 0;
    world.rg.hooks.access.for('contacts').intercept({ name: 'count', tap: () => (queries += 1) });
  });
  afterEach(async () => {
    await world.close();
  });

  /** What a user may do, from the SQL clause, checked against the in-memory decision contact by contact. */
  async function scope(userId: string, op: 'view' | 'edit'): Promise<number[]> {
    const session = world.domain.subject({ userId });
    const viaSql = await session.listIds(op);
    const viaMemory: number[] = [];
    for (const id of Object.values(world.people)) if (await session.check(op, id)) viaMemory.push(id);
    expect(viaSql).toEqual(viaMemory.sort((a, b) => a - b));
    return viaSql;
  }

  it('team members may view and edit their team’s contacts, and nobody else’s', async () => {
    const { mai, linh, claire, louis } = world.people;
    expect(await scope('mai', 'view')).toEqual([mai, linh]);
    expect(await scope('mai', 'edit')).toEqual([mai, linh]);
    expect(await scope('claire', 'edit')).toEqual([claire, louis]);
    expect(await scope('paul', 'view')).toEqual([]);
    expect(await world.domain.subject({ userId: 'mai' }).check('delete', linh)).toBe(false);
  });

  it('explains a team grant by the hook tap, and a stored deny still wins over it', async () => {
    const mai = world.domain.subject({ userId: 'mai' });
    const allowed = await mai.explain('edit', world.people.linh);
    expect(allowed.allowed).toBe(true);
    expect(allowed.deciding?.source).toBe("hook tap 'organic-groups'");
    expect(allowed.summary).toContain("decided by hook tap 'organic-groups'");
    const denied = await mai.explain('view', world.people.tuan);
    expect([denied.allowed, denied.deciding?.key]).toEqual([false, 'confidential']);
  });

  it('asks the teams table once, until team membership changes', async () => {
    const { mai, linh, claire, louis } = world.people;
    await scope('claire', 'edit');
    await scope('claire', 'view');
    expect(queries).toBe(1);
    await joinTeam(world.db, world.rg, world.teams.hanoi, claire);
    expect(await scope('claire', 'edit')).toEqual([mai, linh, claire, louis]);
    expect(queries).toBe(2);
    await leaveTeam(world.db, world.rg, world.teams.lyon, claire);
    expect(await scope('claire', 'edit')).toEqual([mai, linh]);
  });

  it('the demo runs and tells the story', async () => {
    const lines = await runDemo();
    expect(lines).toContain('mai may view: mai, linh; edit: mai, linh');
    expect(lines).toContain('paul may view: (nobody); edit: (nobody)');
    expect(lines.some((l) => l.startsWith('why may mai edit linh? Allowed') && l.includes("hook tap 'organic-groups'"))).toBe(true);
    expect(lines.at(-1)).toBe('claire joins Hanoi outreach; claire may now edit: mai, linh, claire, louis');
  });
});
