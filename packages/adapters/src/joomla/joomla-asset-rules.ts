import type { Kysely } from 'kysely';
import { HostDataError } from '../host/host-data-error.js';

/**
 * The root asset's rules (`#__assets`, `parent_id = 0`) as permissions per group id: `{ 'core.admin': { '8': 1 },
 * 'core.manage': { '6': 1, '2': 0 } }` becomes `Map { '8' => { 'core.admin': true }, '6' => { 'core.manage': true },
 * '2' => { 'core.manage': false } }` (1 allow, 0 explicit deny). Rules that are not a JSON object of objects throw
 * {@link HostDataError}; no root asset means no rules.
 *
 * @example
 * ```ts
 * const rules = await rootAssetRules(hostDb, 'jos_assets');
 * ```
 */
export async function rootAssetRules(db: Kysely<any>, table: string): Promise<Map<string, Record<string, boolean>>> {
  const row = await db.selectFrom(table).select(['id', 'rules']).where('parent_id', '=', 0).orderBy('lft').executeTakeFirst();
  const out = new Map<string, Record<string, boolean>>();
  if (!row) return out;
  const origin = { table, row: `id=${String(row.id)}`, userId: null };
  let rules: unknown;
  try {
    rules = JSON.parse(String(row.rules));
  } catch (cause) {
    throw new HostDataError({ ...origin, reason: `rules are not JSON: ${(cause as Error).message}`, cause });
  }
  if (rules === null || typeof rules !== 'object' || Array.isArray(rules)) throw new HostDataError({ ...origin, reason: 'rules are not a JSON object' });
  for (const [action, byGroup] of Object.entries(rules)) {
    if (Array.isArray(byGroup) && byGroup.length === 0) continue; // PHP's json_encode writes an empty rule as [].
    if (byGroup === null || typeof byGroup !== 'object' || Array.isArray(byGroup)) throw new HostDataError({ ...origin, reason: `rule '${action}' is not an object` });
    for (const [group, value] of Object.entries(byGroup as Record<string, unknown>)) {
      if (value !== 0 && value !== 1 && value !== '0' && value !== '1' && value !== true && value !== false) {
        throw new HostDataError({ ...origin, reason: `rule '${action}' for group ${group} is ${JSON.stringify(value)}, not 0 or 1` });
      }
      const perms = out.get(group) ?? {};
      perms[action] = value === 1 || value === '1' || value === true;
      out.set(group, perms);
    }
  }
  return out;
}
