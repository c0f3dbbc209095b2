import type { DialectKind } from './dialect-kind.js';

/**
 * The limits a policy must respect so that every decision can run. The write API checks them and the decision
 * enforces them from these very constants, so a policy the write API accepts never fails at decision time.
 */

/**
 * How many smart groups deep an `inGroup` chain may go: a group's chain length is 1 plus the longest chain of
 * the groups its criteria name (a static group has length 1). Decisions refuse to evaluate deeper nesting.
 */
export const MAX_GROUP_NESTING = 64;

/**
 * The integers an integer attribute (and the contact id) can hold on each dialect: the engine's columns are
 * `integer`, which is 32-bit on PostgreSQL and MariaDB/MySQL, and 64-bit on SQLite (of which JavaScript holds
 * the safe-integer range exactly).
 *
 * @example
 * ```ts
 * integerRange('postgres'); // { min: -2147483648, max: 2147483647 }
 * ```
 */
export function integerRange(dialect: DialectKind | undefined): { readonly min: number; readonly max: number } {
  return dialect === 'mysql' || dialect === 'postgres' ? INT32_RANGE : SAFE_RANGE;
}

const INT32_RANGE = { min: -2_147_483_648, max: 2_147_483_647 } as const;
const SAFE_RANGE = { min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER } as const;

/**
 * How many values an `in (...)` list of ids may bind before the clause switches to one parameter holding the
 * whole list (see `id-list-sql.ts`). Well below the per-statement parameter limits (SQLite 32766, PostgreSQL
 * and MariaDB prepared statements 65535), so a clause stays within them whatever the number of entries.
 */
export const MAX_INLINE_IDS = 500;

/**
 * How many parameters one smart group's predicate may bind once compiled (its criteria with the groups it names
 * inlined; a list over {@link MAX_INLINE_IDS} values counts as one, a materialised group as two). The write API
 * refuses criteria past it (`group_too_large`), so that a clause naming a handful of such groups stays far below
 * the smallest parameter limit of the three dialects (SQLite's 32,766).
 */
export const MAX_GROUP_PARAMETERS = 4_000;
