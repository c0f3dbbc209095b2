import type { Rowguard } from '@rowguard/core';
import type { NormalPolicy } from './policy-normal-form.js';
import type { StateIds } from './policy-state-read.js';

/** The part of a diff's change provenance reads (a structural view of `Change`, which imports this module). */
interface ChangeRef {
  readonly kind: string;
  readonly action: 'create' | 'update' | 'delete';
  readonly key: string;
}

/**
 * The audit action that marks a contact or a user link as created by a policy file. An apply writes one such row
 * (in its own transaction) for every contact it creates and every user link it makes; `--prune` removes only
 * contacts and links that carry the mark, so contacts and links made by hand, by a host sync or by anything else
 * survive a prune.
 *
 * @example
 * ```ts
 * await db.selectFrom('rg_audit_log').selectAll().where('action', '=', POLICY_CREATED).execute();
 * ```
 */
export const POLICY_CREATED = 'policy.created';

/** The audit action the engine writes when a user is linked to a contact (by anyone). */
const USER_LINK = 'user.link';

/**
 * What a policy file created in a domain, by contact key: the contacts it created, and the contacts whose current
 * user link it made. Only these may be pruned.
 *
 * @example
 * ```ts
 * const made: PolicyProvenance = { contacts: new Set(['mgr-vn']), userLinks: new Set(['mgr-vn']) };
 * ```
 */
export interface PolicyProvenance {
  readonly contacts: ReadonlySet<string>;
  readonly userLinks: ReadonlySet<string>;
}

const linkKey = (contactId: number, userId: string) => `${contactId}\u001f${userId}`;

function parseJson(text: unknown): Record<string, unknown> {
  if (typeof text !== 'string') return {};
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/**
 * Reads what policy files created in a domain from its audit log: contacts with a {@link POLICY_CREATED} mark, and
 * user links whose last `user.link` event is followed by the mark (a link made again later by someone else loses
 * it). `current` maps contact ids to keys (see `readDatabaseState`); `from` may be a transaction.
 *
 * @example
 * ```ts
 * const made = await readProvenance(engine, domain.id, new Map([[3, 'mgr-vn']]));
 * ```
 */
export async function readProvenance(
  engine: Rowguard,
  domainId: number | undefined,
  keyOf: ReadonlyMap<number, string>,
  from: Rowguard['db'] = engine.db,
): Promise<PolicyProvenance> {
  const contacts = new Set<string>();
  const userLinks = new Set<string>();
  if (domainId === undefined) return { contacts, userLinks };
  const rows = await from
    .selectFrom(engine.tables.audit)
    .select(['id', 'action', 'target_type', 'target_id', 'after_json'])
    .where('domain_id', '=', domainId)
    .where((eb) => eb.or([eb('action', '=', POLICY_CREATED), eb.and([eb('action', '=', USER_LINK), eb('target_type', '=', 'user_link')])]))
    .orderBy('id')
    .execute();
  const links = new Set<string>();
  for (const r of rows) {
    const after = parseJson(r.after_json);
    if (r.action === POLICY_CREATED && r.target_type === 'contact') {
      const key = keyOf.get(Number(r.target_id));
      if (key !== undefined) contacts.add(key);
    } else if (typeof after.userId === 'string' && after.contactId !== undefined) {
      const pair = linkKey(Number(after.contactId), after.userId);
      // The engine's own `user.link` row comes first in an apply, then the mark; anyone's later link clears it.
      if (r.action === POLICY_CREATED) links.add(pair);
      else links.delete(pair);
    }
  }
  for (const pair of links) {
    const [contactId, userId] = pair.split('\u001f') as [string, string];
    const key = keyOf.get(Number(contactId));
    if (key !== undefined) userLinks.add(`${key}\u001f${userId}`);
  }
  return { contacts, userLinks };
}

/**
 * Whether the current link of a contact (by key) to `userId` was made by a policy file.
 *
 * @example
 * ```ts
 * madeLink(made, 'mgr-vn', 'crm:mgr-vn'); // true
 * ```
 */
export function madeLink(provenance: PolicyProvenance, contactKey: string, userId: string): boolean {
  return provenance.userLinks.has(`${contactKey}\u001f${userId}`);
}

/**
 * Writes the {@link POLICY_CREATED} marks for the contacts an apply created and the user links it made, in the
 * apply's transaction (so a dry run or a refused apply keeps none).
 *
 * @example
 * ```ts
 * await recordProvenance(trx, engine, domain.id, 'ci', diff.changes, state.ids, desired);
 * ```
 */
export async function recordProvenance(
  trx: Rowguard['db'],
  engine: Rowguard,
  domainId: number,
  actor: string,
  changes: readonly ChangeRef[],
  ids: StateIds,
  desired: NormalPolicy,
): Promise<void> {
  const createdAt = new Date().toISOString();
  const rows: Record<string, unknown>[] = [];
  for (const c of changes) {
    const contactId = ids.contacts.get(c.key);
    if (contactId === undefined) continue;
    if (c.kind === 'contact' && c.action === 'create') {
      rows.push({ target_type: 'contact', target_id: String(contactId), after_json: JSON.stringify({ key: c.key }) });
    }
    const userId = desired.userLinks.get(c.key);
    if (c.kind === 'user-link' && c.action !== 'delete' && userId !== undefined) {
      rows.push({ target_type: 'user_link', target_id: String(contactId), after_json: JSON.stringify({ contactId, userId, key: c.key }) });
    }
  }
  for (let i = 0; i < rows.length; i += 200) {
    const part = rows.slice(i, i + 200).map((r) => ({ domain_id: domainId, actor, action: POLICY_CREATED, before_json: null, created_at: createdAt, ...r }));
    await trx.insertInto(engine.tables.audit).values(part).execute();
  }
}
