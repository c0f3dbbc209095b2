import type { PolicySnapshot, Rowguard } from '@rowguard/core';
import { contactLabel, loadContacts, type ContactRow } from './contact-lookup.js';
import type { DecisionNames } from './decision-words.js';

/**
 * Names for the ids a decision mentions: groups and roles from the policy snapshot, contacts loaded for the
 * entries that name one plus `extraIds` (the subject, the target).
 *
 * @example
 * ```ts
 * const names = await loadDecisionNames(engine, snapshot, [subjectId, targetId]);
 * names.group(4); // 'Same country'
 * ```
 */
export async function loadDecisionNames(
  engine: Rowguard,
  snapshot: PolicySnapshot,
  extraIds: readonly (number | null)[],
): Promise<DecisionNames & { contactRow(id: number): ContactRow | undefined }> {
  const ids = new Set<number>();
  for (const id of extraIds) if (id !== null) ids.add(id);
  for (const e of snapshot.entries) {
    if (e.owner.type === 'contact') ids.add(e.owner.id);
    if (e.object.type === 'contact') ids.add(e.object.id);
  }
  const rows = new Map((await loadContacts(engine, [...ids])).map((r) => [r.id, r]));
  return {
    contact: (id) => contactLabel(rows.get(id), id),
    contactRow: (id) => rows.get(id),
    group: (id) => snapshot.groups.get(id)?.name ?? `#${id}`,
    role: (id) => snapshot.roles.get(id)?.name ?? `#${id}`,
    relationshipType: (id) => snapshot.relationshipTypes.get(id)?.name ?? `#${id}`,
  };
}
