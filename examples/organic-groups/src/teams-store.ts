import type { RowguardHooks } from '@rowguard/hooks';
import type { Kysely } from 'kysely';
import { TEAMS_DEPENDENCY } from './organic-groups-plugin.js';

/**
 * Creates the host's own tables: `team (id, name)` and `team_member (team_id, contact_id)`. They are not
 * rowguard's: the plugin reads them.
 *
 * @example
 * ```ts
 * await createTeamTables(db);
 * ```
 */
export async function createTeamTables(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('team')
    .ifNotExists()
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('name', 'varchar(100)', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('team_member')
    .ifNotExists()
    .addColumn('team_id', 'integer', (c) => c.notNull())
    .addColumn('contact_id', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('team_member_pk', ['team_id', 'contact_id'])
    .execute();
}

/**
 * The host's write path for team membership: change the table, then tell the hooks that answers depending
 * on `teams` are stale.
 *
 * @example
 * ```ts
 * await joinTeam(db, rg, 1, claire);
 * ```
 */
export async function joinTeam(db: Kysely<any>, rg: RowguardHooks, teamId: number, contactId: number): Promise<void> {
  await db.insertInto('team_member').values({ team_id: teamId, contact_id: contactId }).execute();
  rg.invalidate(TEAMS_DEPENDENCY);
}

/**
 * Removes a contact from a team (and invalidates the answers depending on `teams`).
 *
 * @example
 * ```ts
 * await leaveTeam(db, rg, 1, claire);
 * ```
 */
export async function leaveTeam(db: Kysely<any>, rg: RowguardHooks, teamId: number, contactId: number): Promise<void> {
  await db.deleteFrom('team_member').where('team_id', '=', teamId).where('contact_id', '=', contactId).execute();
  rg.invalidate(TEAMS_DEPENDENCY);
}
