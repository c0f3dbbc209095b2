import { pathToFileURL } from 'node:url';
import type { Operation } from '@rowguard/core';
import { joinTeam } from './teams-store.js';
import { openOrganicGroups, type OrganicGroupsWorld } from './organic-groups-world.js';

async function names(world: OrganicGroupsWorld, userId: string, op: Operation): Promise<string> {
  const byId = new Map(Object.entries(world.people).map(([name, id]) => [id, name]));
  const ids = await world.domain.subject({ userId }).listIds(op);
  return ids.map((id) => byId.get(id) ?? `#${id}`).join(', ') || '(nobody)';
}

/**
 * Runs the organic-groups demo and returns what it prints: who may view and edit whom, why (the
 * explanations name the hook tap), and what changes when claire joins the Hanoi team.
 *
 * @example
 * ```ts
 * for (const line of await runDemo()) console.log(line);
 * ```
 */
export async function runDemo(): Promise<string[]> {
  const world = await openOrganicGroups();
  const out: string[] = [];
  try {
    const { people, domain } = world;
    out.push('Team contacts: Hanoi outreach = mai, linh, tuan; Lyon volunteers = claire, louis. paul has no team.');
    out.push('Team members (host table team_member): mai in Hanoi outreach, claire in Lyon volunteers.');
    out.push('tuan is in the Confidential group: a stored entry denies everything on its members to everyone.');
    for (const user of ['mai', 'claire', 'paul']) {
      out.push(`${user} may view: ${await names(world, user, 'view')}; edit: ${await names(world, user, 'edit')}`);
    }
    out.push(`why may mai edit linh? ${(await domain.subject({ userId: 'mai' }).explain('edit', people.linh)).summary}`);
    out.push(`why may mai not view tuan? ${(await domain.subject({ userId: 'mai' }).explain('view', people.tuan)).summary}`);
    out.push(`why may paul not view linh? ${(await domain.subject({ userId: 'paul' }).explain('view', people.linh)).summary}`);
    await joinTeam(world.db, world.rg, world.teams.hanoi, people.claire);
    out.push(`claire joins Hanoi outreach; claire may now edit: ${await names(world, 'claire', 'edit')}`);
    return out;
  } finally {
    await world.close();
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const line of await runDemo()) console.log(line);
}
