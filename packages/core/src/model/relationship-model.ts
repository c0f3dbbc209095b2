/**
 * Relationships as the engine models them, without SQL: relationship types and rows, the date rule that makes
 * a relationship current, and the contacts a subject reaches through them in memory (first degree and, opt-in,
 * second degree). The SQL form of the same rule is in `relationship-sql.ts`.
 */

/** What a relationship type lets one side do to the other. */
export type RelationshipPermission = 'none' | 'view' | 'edit';

/** A relationship type: names and a permission in each direction (A over B, B over A). */
export interface RelationshipTypeDef {
  readonly id: number;
  readonly name: string;
  readonly nameBA: string | null;
  readonly permissionAB: RelationshipPermission;
  readonly permissionBA: RelationshipPermission;
  readonly active: boolean;
}

/** A stored relationship between two contacts. */
export interface RelationshipRow {
  readonly id: number;
  readonly typeId: number;
  readonly contactA: number;
  readonly contactB: number;
  readonly active: boolean;
  readonly startDate: string | null;
  readonly endDate: string | null;
}

/** A contact the subject reaches through permissioned relationships. */
export interface Relation {
  readonly contactId: number;
  /** The relationship type (first degree); null for second-degree relations. */
  readonly typeId: number | null;
  readonly level: 'view' | 'edit';
  readonly degree: 1 | 2;
  /** In words, for explanations. */
  readonly path: string;
}

/**
 * Today's date as the engine compares it with relationship dates (`YYYY-MM-DD`, UTC).
 *
 * @example
 * ```ts
 * isoDay(new Date('2026-11-22T10:00:00Z')); // '2026-11-22'
 * ```
 */
export function isoDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/**
 * Whether a relationship counts today: active, of an active type, and today within its dates (inclusive;
 * a missing date is open-ended).
 *
 * @example
 * ```ts
 * relationshipCurrent(row, type, '2026-11-22');
 * ```
 */
export function relationshipCurrent(row: RelationshipRow, type: RelationshipTypeDef | undefined, today: string): boolean {
  return (
    row.active &&
    type !== undefined &&
    type.active &&
    (row.startDate === null || row.startDate <= today) &&
    (row.endDate === null || row.endDate >= today)
  );
}

function weaker(a: 'view' | 'edit', b: 'view' | 'edit'): 'view' | 'edit' {
  return a === 'edit' && b === 'edit' ? 'edit' : 'view';
}

/** The permissioned steps out of `from` through current relationships. */
function steps(
  from: number,
  rows: readonly RelationshipRow[],
  types: ReadonlyMap<number, RelationshipTypeDef>,
  today: string,
): { to: number; typeId: number; level: 'view' | 'edit'; name: string }[] {
  const out: { to: number; typeId: number; level: 'view' | 'edit'; name: string }[] = [];
  for (const r of rows) {
    const type = types.get(r.typeId);
    if (!type || !relationshipCurrent(r, type, today)) continue;
    if (r.contactA === from && type.permissionAB !== 'none') out.push({ to: r.contactB, typeId: r.typeId, level: type.permissionAB, name: type.name });
    if (r.contactB === from && type.permissionBA !== 'none') {
      out.push({ to: r.contactA, typeId: r.typeId, level: type.permissionBA, name: type.nameBA ?? type.name });
    }
  }
  return out;
}

/**
 * The contacts a subject reaches in memory: first degree through each current permissioned relationship, and
 * (opt-in) second degree, where both legs must carry permission and the weaker leg decides view or edit (the
 * subject itself is never reached through a second degree).
 *
 * @example
 * ```ts
 * computeRelations(7, rows, types, '2026-11-22', false); // [{ contactId: 9, typeId: 2, level: 'edit', degree: 1, ... }]
 * ```
 */
export function computeRelations(
  subjectId: number,
  rows: readonly RelationshipRow[],
  types: ReadonlyMap<number, RelationshipTypeDef>,
  today: string,
  secondDegree: boolean,
): Relation[] {
  const out: Relation[] = [];
  for (const s of steps(subjectId, rows, types, today)) {
    out.push({ contactId: s.to, typeId: s.typeId, level: s.level, degree: 1, path: `${s.name} of contact ${s.to}` });
    if (!secondDegree) continue;
    for (const t of steps(s.to, rows, types, today)) {
      if (t.to === subjectId) continue;
      out.push({
        contactId: t.to,
        typeId: null,
        level: weaker(s.level, t.level),
        degree: 2,
        path: `${t.name} of contact ${t.to}, through ${s.name} of contact ${s.to}`,
      });
    }
  }
  return out;
}

/**
 * Whether the subject reaches a contact through relationships at the required level (and type, first degree
 * only, when one is named).
 *
 * @example
 * ```ts
 * relationCovers(subject.relations, 9, null, 'view');
 * ```
 */
export function relationCovers(
  relations: readonly Relation[],
  contactId: number,
  typeId: number | null,
  permission: 'view' | 'edit',
): boolean {
  return relations.some(
    (r) => r.contactId === contactId && (permission === 'view' || r.level === 'edit') && (typeId === null || (r.degree === 1 && r.typeId === typeId)),
  );
}
