import type { Criteria } from '@rowguard/core';
import type { FileCriteria } from './policy-file-schema.js';

/**
 * Converts policy-file criteria (groups by name) to engine criteria (groups by id).
 *
 * @example
 * ```ts
 * criteriaToIds({ inGroup: 'Managers' }, (name) => ids.get(name) ?? 0); // { inGroup: 4 }
 * ```
 */
export function criteriaToIds(c: FileCriteria, idOf: (name: string) => number): Criteria {
  if ('all' in c) return { all: c.all.map((x) => criteriaToIds(x, idOf)) };
  if ('any' in c) return { any: c.any.map((x) => criteriaToIds(x, idOf)) };
  if ('not' in c) return { not: criteriaToIds(c.not, idOf) };
  if ('inGroup' in c) return { inGroup: idOf(c.inGroup) };
  return c as Criteria;
}

/**
 * Converts engine criteria (groups by id) to policy-file criteria (groups by name).
 *
 * @example
 * ```ts
 * criteriaToNames({ inGroup: 4 }, (id) => names.get(id) ?? `#${id}`); // { inGroup: 'Managers' }
 * ```
 */
export function criteriaToNames(c: Criteria, nameOf: (id: number) => string): FileCriteria {
  if ('all' in c) return { all: c.all.map((x) => criteriaToNames(x, nameOf)) };
  if ('any' in c) return { any: c.any.map((x) => criteriaToNames(x, nameOf)) };
  if ('not' in c) return { not: criteriaToNames(c.not, nameOf) };
  if ('inGroup' in c) return { inGroup: nameOf(c.inGroup) };
  return c as FileCriteria;
}

/**
 * The names of the groups policy-file criteria refer to, at any depth.
 *
 * @example
 * ```ts
 * criteriaGroupNames({ any: [{ inGroup: 'A' }, { not: { inGroup: 'B' } }] }); // ['A', 'B']
 * ```
 */
export function criteriaGroupNames(c: FileCriteria): string[] {
  if ('all' in c) return c.all.flatMap(criteriaGroupNames);
  if ('any' in c) return c.any.flatMap(criteriaGroupNames);
  if ('not' in c) return criteriaGroupNames(c.not);
  if ('inGroup' in c) return [c.inGroup];
  return [];
}
