import { connectDatabase, createRowguard, type Domain, type Rowguard } from '@rowguard/core';
import { createRowguardHooks, type RowguardHooks } from '@rowguard/hooks';
import type { Kysely } from 'kysely';
import { organicGroupsPlugin } from './organic-groups-plugin.js';
import { createTeamTables } from './teams-store.js';

/** The people of the example and their contact ids. */
export type People = Readonly<Record<'mai' | 'linh' | 'tuan' | 'claire' | 'louis' | 'paul', number>>;

/** The example, ready to query: the database, the hooks, the engine, its domain and the people. */
export interface OrganicGroupsWorld {
  readonly db: Kysely<any>;
  readonly rg: RowguardHooks;
  readonly engine: Rowguard;
  readonly domain: Domain;
  readonly people: People;
  readonly teams: { readonly hanoi: number; readonly lyon: number };
  close(): Promise<void>;
}

/** The contact attribute the teams scope is written over. */
export const CONTACTS = { attributes: { team_id: { type: 'integer' } } } as const;

/**
 * Builds the example on an embedded SQLite database (in memory unless a path is given): the host's team
 * tables, an engine with the organic-groups plugin, and a small CRM. Team contacts (the `team_id` attribute):
 * Hanoi outreach = mai, linh, tuan; Lyon volunteers = claire, louis; paul has no team. Team members (the
 * host's `team_member` table): mai in Hanoi outreach, claire in Lyon volunteers. tuan is in the Confidential
 * group, which a stored entry hides from everyone (hook grants are entries: a deny still wins).
 *
 * @example
 * ```ts
 * const world = await openOrganicGroups();
 * await world.domain.subject({ userId: 'mai' }).check('edit', world.people.linh); // true
 * await world.close();
 * ```
 */
export async function openOrganicGroups(path = ':memory:'): Promise<OrganicGroupsWorld> {
  const { db, close } = await connectDatabase(`sqlite:${path}`);
  await createTeamTables(db);
  const rg = createRowguardHooks({ tapTimeoutMs: 500 }).plugin(organicGroupsPlugin(db));
  const engine = createRowguard(rg.engineOptions({ db, contacts: CONTACTS }));
  await engine.migrate();
  const domain = await engine.domain('organic-groups');
  const admin = domain.admin('example-setup');
  const teams = { hanoi: 1, lyon: 2 };
  await db.insertInto('team').values([{ id: teams.hanoi, name: 'Hanoi outreach' }, { id: teams.lyon, name: 'Lyon volunteers' }]).execute();
  const contact = (name: string, team: number | null) =>
    admin.createContact({ key: name, contactType: 'Individual', sortName: name, attributes: { team_id: team } });
  const people: People = {
    mai: await contact('mai', teams.hanoi),
    linh: await contact('linh', teams.hanoi),
    tuan: await contact('tuan', teams.hanoi),
    claire: await contact('claire', teams.lyon),
    louis: await contact('louis', teams.lyon),
    paul: await contact('paul', null),
  };
  for (const user of ['mai', 'claire', 'paul'] as const) await admin.linkUser({ userId: user, contactId: people[user] });
  await db.insertInto('team_member').values([{ team_id: teams.hanoi, contact_id: people.mai }, { team_id: teams.lyon, contact_id: people.claire }]).execute();
  const confidential = await admin.createGroup({ name: 'Confidential', kind: 'static' });
  await admin.setMembership({ groupId: confidential, contactId: people.tuan, status: 'Added' });
  await admin.createEntry({ key: 'confidential', effect: 'deny', operation: 'all', owner: { type: 'everyone' }, object: { type: 'group-members', groupId: confidential } });
  return { db, rg, engine, domain, people, teams, close };
}
