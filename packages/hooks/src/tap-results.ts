import { BUILTIN_PERMISSIONS, entityConditionSchema, OPERATIONS, permissionDefinitionSchema, type Criteria, type EntityCondition, type EntityPermission, type PermissionDefinition, type PolicySnapshot } from '@rowguard/core';
import { checkCriteria, deepFreeze, entityPermissionSchema, referencedGroups, type FieldInfo } from '@rowguard/core/extension';
import { z } from 'zod';
import { TapResultProblem } from './hook-errors.js';
import type { ClauseAdjustment, ContactGrant, PermissionVerdict } from './hook-model.js';

const MAX_ID = 2_147_483_647;

/**
 * zod schema of the id lists the `access` hooks pass along: positive integers, at most 10,000.
 *
 * @example
 * ```ts
 * idListSchema.parse([3, 4]); // [3, 4]
 * ```
 */
export const idListSchema = z.array(z.number().int().positive().max(MAX_ID)).max(10_000);

const grantBase = {
  operation: z.enum([...OPERATIONS, 'all']),
  priority: z.number().int().min(-1_000_000).max(1_000_000).default(0),
  level: z.enum(['group', 'contact']).default('group'),
};

/**
 * zod schema of one contact grant of `access.for('contacts')`: an operation (a decision operation or `all`),
 * then either up to 1,000 contact ids or criteria (checked separately against the configured fields);
 * `priority` (default 0) and `level` (`group`, the default, or `contact`).
 *
 * @example
 * ```ts
 * contactGrantSchema.parse({ operation: 'edit', contactIds: [12, 13] });
 * ```
 */
export const contactGrantSchema = z.union([
  z.object({ ...grantBase, contactIds: z.array(z.number().int().positive().max(MAX_ID)).min(1).max(1_000) }).strict(),
  z.object({ ...grantBase, criteria: z.unknown() }).strict(),
]);

/** A contact grant after validation: defaults filled in, criteria checked. */
export type CheckedGrant =
  | { readonly operation: ContactGrant['operation']; readonly priority: number; readonly level: 'group' | 'contact'; readonly contactIds: readonly number[] }
  | { readonly operation: ContactGrant['operation']; readonly priority: number; readonly level: 'group' | 'contact'; readonly criteria: Criteria };

/**
 * Checks a contact grant: shape (zod) and criteria (fields, types, tokens).
 *
 * @example
 * ```ts
 * checkGrant({ operation: 'view', criteria: { field: 'team_id', op: 'in', value: [4] } }, fields);
 * ```
 */
export function checkGrant(input: unknown, fields: ReadonlyMap<string, FieldInfo>): CheckedGrant {
  const parsed = contactGrantSchema.safeParse(input);
  if (!parsed.success) throw new TapResultProblem(`invalid contact grant: ${z.prettifyError(parsed.error)}`, { issues: parsed.error.issues });
  const g = parsed.data;
  if ('contactIds' in g) return Object.freeze({ operation: g.operation, priority: g.priority, level: g.level, contactIds: Object.freeze([...new Set(g.contactIds)]) });
  return deepFreeze({ operation: g.operation, priority: g.priority, level: g.level, criteria: checkCriteria(g.criteria, fields).criteria });
}

/**
 * Checks that every group criteria refer to (through `inGroup`) is a group of the snapshot's domain.
 *
 * @example
 * ```ts
 * checkGroupRefs({ inGroup: 3 }, snapshot); // throws TapResultProblem when group 3 is not in the domain
 * ```
 */
export function checkGroupRefs(criteria: Criteria, snapshot: PolicySnapshot): void {
  for (const id of referencedGroups(criteria)) {
    if (!snapshot.groups.has(id)) {
      throw new TapResultProblem(`criteria refer to group ${id}, which is not a group of domain ${snapshot.domainId}`, { groupId: id });
    }
  }
}

const adjustmentShape = z.object({ narrow: z.array(z.unknown()).max(100), widen: z.array(z.unknown()).max(100) }).strict();

/**
 * Checks an `aclWhereClause` answer: `{ narrow, widen }` arrays of criteria. Criteria that came in unchanged
 * (the same objects) are kept as they are; new ones are checked against the fields and the domain's groups
 * and reported through `added`.
 *
 * @example
 * ```ts
 * const next = checkAdjustment(output, previous, fields, snapshot, (c) => attribution.set(c, tap.name));
 * ```
 */
export function checkAdjustment(
  output: unknown,
  input: ClauseAdjustment,
  fields: ReadonlyMap<string, FieldInfo>,
  snapshot: PolicySnapshot,
  added: (criteria: Criteria) => void,
): ClauseAdjustment {
  const parsed = adjustmentShape.safeParse(output);
  if (!parsed.success) throw new TapResultProblem(`invalid clause adjustment: ${z.prettifyError(parsed.error)}`, { issues: parsed.error.issues });
  const known = new Set<unknown>([...input.narrow, ...input.widen]);
  const check = (items: readonly unknown[]): Criteria[] =>
    items.map((item) => {
      if (known.has(item)) return item as Criteria;
      const criteria = deepFreeze(checkCriteria(item, fields).criteria);
      checkGroupRefs(criteria, snapshot);
      added(criteria);
      return criteria;
    });
  return Object.freeze({ narrow: Object.freeze(check(parsed.data.narrow)), widen: Object.freeze(check(parsed.data.widen)) });
}

/**
 * Checks an `aclGroup` answer; for the `group` type every listed id must be a group of the domain.
 *
 * @example
 * ```ts
 * checkEntityPermission({ mode: 'only', ids: [2] }, 'group', snapshot);
 * ```
 */
export function checkEntityPermission(output: unknown, entity: string, snapshot: PolicySnapshot | undefined): EntityPermission {
  const parsed = entityPermissionSchema.safeParse(output);
  if (!parsed.success) throw new TapResultProblem(`invalid entity permission: ${z.prettifyError(parsed.error)}`, { issues: parsed.error.issues });
  if (entity === 'group') {
    if (!snapshot) throw new TapResultProblem('cannot check group ids: the subject’s policy is unknown', {});
    const foreign = parsed.data.ids.filter((id) => !snapshot.groups.has(id));
    if (foreign.length > 0) throw new TapResultProblem(`ids ${foreign.join(', ')} are not groups of domain ${snapshot.domainId}`, { ids: foreign });
  }
  return Object.freeze({ mode: parsed.data.mode, ids: Object.freeze([...new Set(parsed.data.ids)].sort((a, b) => a - b)) });
}

const conditionsSchema = z.array(entityConditionSchema).max(100);

/**
 * Checks a `selectWhereClause` answer: structured conditions (a plain column, an operator, bound values);
 * a raw SQL string is rejected.
 *
 * @example
 * ```ts
 * checkConditions([{ column: 'is_public', op: '=', value: 1 }]);
 * ```
 */
export function checkConditions(output: unknown): readonly EntityCondition[] {
  const parsed = conditionsSchema.safeParse(output);
  if (!parsed.success) throw new TapResultProblem(`invalid conditions: ${z.prettifyError(parsed.error)}`, { issues: parsed.error.issues });
  return deepFreeze(parsed.data);
}

const verdictSchema = z.enum(['allow', 'deny']);

/**
 * Combines a tap's opinion with the verdict so far: deny over allow over no opinion, so the order of the taps
 * never matters.
 *
 * @example
 * ```ts
 * foldVerdict('deny', 'allow'); // 'deny'
 * ```
 */
export function foldVerdict(so: PermissionVerdict, output: unknown): PermissionVerdict {
  const parsed = verdictSchema.safeParse(output);
  if (!parsed.success) throw new TapResultProblem(`invalid verdict ${JSON.stringify(output)} (expected 'allow', 'deny' or undefined)`, {});
  return so === 'deny' || parsed.data === 'deny' ? 'deny' : 'allow';
}

const BUILTIN_NAMES: ReadonlySet<string> = new Set(BUILTIN_PERMISSIONS.map((p) => p.name));

/**
 * Checks a `permissions` answer: valid definitions; the ones that came in are kept; a new one may not redefine
 * a built-in permission or one declared already.
 *
 * @example
 * ```ts
 * checkDefinitions([{ name: 'export contacts', implies: ['view all contacts'] }], []);
 * ```
 */
export function checkDefinitions(output: unknown, input: readonly PermissionDefinition[]): readonly PermissionDefinition[] {
  const parsed = z.array(z.unknown()).max(1_000).safeParse(output);
  if (!parsed.success) throw new TapResultProblem(`expected an array of permission definitions`, {});
  const known = new Set<unknown>(input);
  const names = new Set<string>();
  const out = parsed.data.map((item) => {
    const def = known.has(item) ? (item as PermissionDefinition) : permissionDefinitionSchema.parse(item);
    if (!known.has(item) && BUILTIN_NAMES.has(def.name)) throw new TapResultProblem(`'${def.name}' is a built-in permission and cannot be redefined`, { name: def.name });
    if (names.has(def.name)) throw new TapResultProblem(`permission '${def.name}' is declared twice`, { name: def.name });
    names.add(def.name);
    return known.has(item) ? def : deepFreeze(def);
  });
  return Object.freeze(out);
}
