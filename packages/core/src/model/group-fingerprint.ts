import { createHash } from 'node:crypto';
import { referencedGroups, type Criteria } from './criteria-schema.js';

/** What a group's fingerprint depends on: its kind and its criteria as stored (text) and parsed (null: static). */
export interface FingerprintedGroup {
  readonly kind: 'static' | 'smart';
  readonly criteriaText: string | null;
  readonly criteria: Criteria | null;
}

/** A stored group row (its `id`, `kind`, `members_at` and `members_of` columns are read). */
export type MaterialisationColumns = Readonly<Record<string, unknown>>;

/**
 * The fingerprint of each smart group's definition: a hash of its criteria and of the fingerprints of the smart
 * groups it names, transitively. Materialised members are stored with the fingerprint they were computed for
 * (`members_of`); a group whose stored fingerprint differs from its definition's (criteria changed behind the
 * write API, in the group or in a group it names) is read as not materialised, so the clause inlines its
 * criteria and keeps agreeing with the in-memory decision. Static groups have no fingerprint.
 *
 * @example
 * ```ts
 * const criteria = { field: 'country', op: '=', value: 'VN' } as const;
 * const fp = groupFingerprints(new Map([[7, { kind: 'smart', criteriaText: JSON.stringify(criteria), criteria }]]));
 * fp.get(7); // a 64-character hex string
 * ```
 */
export function groupFingerprints(groups: ReadonlyMap<number, FingerprintedGroup>): Map<number, string> {
  const out = new Map<number, string>();
  const visiting = new Set<number>();
  const of = (id: number): string => {
    const known = out.get(id);
    if (known !== undefined) return known;
    const group = groups.get(id);
    if (!group || group.kind !== 'smart' || group.criteria === null) return `static:${id}`;
    // A cycle cannot be written through the API; one stored behind it gets a fingerprint no refresh writes.
    if (visiting.has(id)) return 'cycle';
    visiting.add(id);
    const hash = createHash('sha256').update(group.criteriaText ?? '');
    for (const ref of [...new Set(referencedGroups(group.criteria))].sort((a, b) => a - b)) hash.update(`|${ref}:${of(ref)}`);
    visiting.delete(id);
    const fingerprint = hash.digest('hex');
    out.set(id, fingerprint);
    return fingerprint;
  };
  for (const id of groups.keys()) of(id);
  return out;
}

/**
 * When a stored group's materialised members were computed, or null when they do not count: the group is not
 * materialised, or its rows were computed for another definition than its current one.
 *
 * @example
 * ```ts
 * materialisedAt({ id: 7, kind: 'smart', members_at: '2026-11-26T05:00:00.000Z', members_of: 'ab…' }, fingerprints); // null unless 'ab…' matches
 * ```
 */
export function materialisedAt(row: MaterialisationColumns, fingerprints: ReadonlyMap<number, string>): string | null {
  const at = row['members_at'];
  if (row['kind'] !== 'smart' || at === null || at === undefined) return null;
  const expected = fingerprints.get(Number(row['id']));
  return expected !== undefined && row['members_of'] === expected ? String(at) : null;
}
