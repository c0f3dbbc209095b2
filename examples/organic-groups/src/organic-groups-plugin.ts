import type { RowguardPlugin } from '@rowguard/hooks';
import type { Kysely } from 'kysely';

/** The tap's name: explanations say "hook tap 'organic-groups'". */
export const ORGANIC_GROUPS_TAP = 'organic-groups';

/** The dependency key the tap declares; invalidate it whenever team membership changes. */
export const TEAMS_DEPENDENCY = 'teams';

/**
 * The organic-groups plugin: on the `access` hook, every member of a team (host table `team_member`) may
 * view and edit the team's contacts (contacts whose `team_id` attribute is that team). The scope is given as
 * criteria, so it stays one small condition however large the teams are; the answer declares that it
 * depends on `teams`, so it is reused across requests until the host calls `rg.invalidate('teams')`.
 *
 * @example
 * ```ts
 * const rg = createRowguardHooks().plugin(organicGroupsPlugin(db));
 * ```
 */
export function organicGroupsPlugin(db: Kysely<any>): RowguardPlugin {
  return {
    name: ORGANIC_GROUPS_TAP,
    apply(hooks) {
      hooks.access.for('contacts').tapPromise(ORGANIC_GROUPS_TAP, async (grants, request) => {
        request.dependsOn(TEAMS_DEPENDENCY);
        const contactId = request.subject.contactId;
        if (contactId === null) return undefined;
        const rows = await db.selectFrom('team_member').select('team_id').where('contact_id', '=', contactId).orderBy('team_id').execute();
        const teams = rows.map((r) => Number(r.team_id));
        if (teams.length === 0) return undefined;
        return [...grants, { operation: 'edit', criteria: { field: 'team_id', op: 'in', value: teams } }];
      });
    },
  };
}
