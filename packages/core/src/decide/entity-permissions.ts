import { z } from 'zod';
import { sameTier, type AccessPlan, type PlannedEntry } from './access-plan.js';
import { identifierSchema } from '../model/engine-config.js';
import { compareValues } from '../model/text-order.js';
import type { FieldValue } from '../model/policy-model.js';

/** The built-in non-contact object types. Hosts register more through the engine's `entityTypes`. */
export const BUILTIN_ENTITY_TYPES = ['group', 'custom_group', 'profile'] as const;

/**
 * The ids of one non-contact type a subject may act on: every id except `ids` (`mode: 'all-except'`), or
 * exactly `ids` (`mode: 'only'`).
 */
export interface EntityPermission {
  readonly mode: 'all-except' | 'only';
  readonly ids: readonly number[];
}

/** Nothing permitted. */
export const NO_ENTITY: EntityPermission = { mode: 'only', ids: [] };
/** Everything permitted. */
export const ALL_ENTITIES: EntityPermission = { mode: 'all-except', ids: [] };

/**
 * Whether a permission covers an id.
 *
 * @example
 * ```ts
 * entityAllowed({ mode: 'all-except', ids: [4] }, 4); // false
 * ```
 */
export function entityAllowed(permission: EntityPermission, id: number): boolean {
  return permission.mode === 'all-except' ? !permission.ids.includes(id) : permission.ids.includes(id);
}

/** The outcome for one id of a type, with the tiers' reasoning. */
export interface EntityDecision {
  readonly allowed: boolean;
  readonly applicable: readonly PlannedEntry[];
  readonly deciding: PlannedEntry | null;
}

/**
 * Decides one id of a non-contact type with the contact rules: entries for "all of that type" and for that id
 * share the tiers; the highest tier decides, deny beats allow inside it, nothing applicable means deny.
 *
 * @example
 * ```ts
 * decideEntity(plan, 'custom_group', 3).allowed;
 * ```
 */
export function decideEntity(plan: AccessPlan, entity: string, id: number): EntityDecision {
  if (plan.administrator) return { allowed: true, applicable: [], deciding: null };
  const applicable = plan.entries.filter(
    (p) => p.entry.object.type === 'entity' && p.entry.object.entity === entity && (p.entry.object.id === null || p.entry.object.id === id),
  );
  const top = applicable[0];
  if (!top) return { allowed: false, applicable, deciding: null };
  const inTier = applicable.filter((p) => sameTier(p.tier, top.tier));
  const deny = inTier.find((p) => p.entry.effect === 'deny');
  return { allowed: !deny, applicable, deciding: deny ?? (inTier[0] as PlannedEntry) };
}

/**
 * The permitted ids of a type for a plan, exactly as {@link decideEntity} would decide each id: ids no entry
 * names follow the "all of that type" entries; each named id is decided on its own.
 *
 * @example
 * ```ts
 * permittedEntities(plan, 'profile'); // { mode: 'only', ids: [2, 5] }
 * ```
 */
export function permittedEntities(plan: AccessPlan, entity: string): EntityPermission {
  if (plan.administrator) return ALL_ENTITIES;
  const named = new Set<number>();
  for (const p of plan.entries) {
    const o = p.entry.object;
    if (o.type === 'entity' && o.entity === entity && o.id !== null) named.add(o.id);
  }
  // An id that no entry names: only the "all" entries apply. Id 0 is never a real id.
  const rest = decideEntity(plan, entity, 0).allowed;
  const exceptions = [...named].filter((id) => decideEntity(plan, entity, id).allowed !== rest).sort((a, b) => a - b);
  return { mode: rest ? 'all-except' : 'only', ids: exceptions };
}

const scalar = z.union([z.string(), z.number().int().safe()]);

/**
 * zod schema of a structured condition on a column of a host entity table (never raw SQL; the column must be
 * a plain identifier).
 *
 * @example
 * ```ts
 * entityConditionSchema.parse({ column: 'is_public', op: '=', value: 1 });
 * ```
 */
export const entityConditionSchema = z.discriminatedUnion('op', [
  z.object({ column: identifierSchema, op: z.enum(['=', '!=', '<', '<=', '>', '>=']), value: scalar }).strict(),
  z.object({ column: identifierSchema, op: z.enum(['in', 'not in']), value: z.array(scalar).max(10_000) }).strict(),
  z.object({ column: identifierSchema, op: z.enum(['is null', 'is not null']) }).strict(),
]);

/** A structured condition on a column of a host entity table. */
export type EntityCondition = z.infer<typeof entityConditionSchema>;

/**
 * zod schema of an entity permission (what an extension may return).
 *
 * @example
 * ```ts
 * entityPermissionSchema.parse({ mode: 'only', ids: [1, 2] });
 * ```
 */
export const entityPermissionSchema = z
  .object({ mode: z.enum(['all-except', 'only']), ids: z.array(z.number().int().positive()).max(1_000_000) })
  .strict();

/**
 * Evaluates conditions against a host row in memory, with the same NULL rule as the SQL form.
 *
 * @example
 * ```ts
 * conditionsHold([{ column: 'is_public', op: '=', value: 1 }], { is_public: 1 }); // true
 * ```
 */
export function conditionsHold(conditions: readonly EntityCondition[], row: Readonly<Record<string, FieldValue>>): boolean {
  return conditions.every((c) => {
    const v = row[c.column] ?? null;
    switch (c.op) {
      case 'is null':
        return v === null;
      case 'is not null':
        return v !== null;
      case 'in':
      case 'not in': {
        if (v === null) return false;
        const found = c.value.some((x) => compareValues(v, x) === 0);
        return c.op === 'in' ? found : !found;
      }
      default: {
        if (v === null) return false;
        const cmp = compareValues(v, c.value);
        if (c.op === '=') return cmp === 0;
        if (c.op === '!=') return cmp !== 0;
        if (c.op === '<') return cmp < 0;
        if (c.op === '<=') return cmp <= 0;
        if (c.op === '>') return cmp > 0;
        return cmp >= 0;
      }
    }
  });
}

