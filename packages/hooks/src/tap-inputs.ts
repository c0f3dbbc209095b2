import { type PolicySnapshot, type ResolvedSubject } from '@rowguard/core';
import { deepFreeze, FrozenSet } from '@rowguard/core/extension';
import type { AccessSubject } from './hook-model.js';

const sealedValues = new WeakMap<object, unknown>();

/**
 * What taps receive, made deeply immutable: plain objects and arrays frozen, maps and sets read-only. The engine
 * hands over snapshots and subjects already frozen, so this is a walk without copies, done once per object; a
 * value that is not frozen yet is frozen in place (the engine never changes a snapshot or a resolved subject
 * after making it), and a frozen object holding a mutable map or set is copied.
 *
 * @example
 * ```ts
 * const request = Object.freeze({ subject: sealed(subject), policy: sealed(snapshot) });
 * ```
 */
export function sealed<T extends PolicySnapshot | ResolvedSubject>(value: T): T {
  const kept = sealedValues.get(value);
  if (kept !== undefined) return kept as T;
  const out = deepFreeze(value);
  sealedValues.set(value, out);
  return out;
}

/**
 * The acting subject as the `access` taps see it: an immutable copy of the engine's subject base.
 *
 * @example
 * ```ts
 * const subject = accessSubjectOf(base); // subject.groupIds has no `add`
 * ```
 */
export function accessSubjectOf(base: Omit<AccessSubject, 'groupIds'> & { readonly groupIds: Iterable<number> }): AccessSubject {
  return Object.freeze({
    domainId: base.domainId,
    contactId: base.contactId,
    deletedContactId: base.deletedContactId,
    userId: base.userId,
    hasUser: base.hasUser,
    values: Object.freeze({ ...base.values }),
    groupIds: new FrozenSet(base.groupIds),
  });
}
