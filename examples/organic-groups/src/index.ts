/**
 * The organic-groups example: a host-side `teams` table feeding rowguard's `access` hook.
 *
 * @packageDocumentation
 */
export { organicGroupsPlugin, ORGANIC_GROUPS_TAP, TEAMS_DEPENDENCY } from './organic-groups-plugin.js';
export { createTeamTables, joinTeam, leaveTeam } from './teams-store.js';
export { openOrganicGroups, CONTACTS, type OrganicGroupsWorld, type People } from './organic-groups-world.js';
export { runDemo } from './organic-groups-demo.js';
