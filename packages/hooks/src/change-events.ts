import { type ChangeRecord, type SubjectInput } from '@rowguard/core';
import { immutableCopy, type DecisionRecord } from '@rowguard/core/extension';
import type { HookTapError } from './hook-errors.js';
import type { ChangeEvent, DecisionEvent } from './hook-model.js';
import type { EventHooks } from './hook-set.js';
import { runObservers, type TapSource } from './tap-runner.js';

type ChangeHookName = 'entryChanged' | 'roleChanged' | 'groupChanged' | 'membershipChanged' | 'contactCreated';

/**
 * The specific event hook of an audit action, if any: `entry.*` -> `entryChanged`; `role.*` and
 * `permission.*` (roles, assignments, permissions granted to roles) -> `roleChanged`; `group.*` ->
 * `groupChanged`; `membership.*` -> `membershipChanged`; `contact.create` -> `contactCreated`.
 *
 * @example
 * ```ts
 * eventFor('role.assign'); // 'roleChanged'
 * eventFor('user.link'); // undefined (only `changed` reports it)
 * ```
 */
export function eventFor(action: string): ChangeHookName | undefined {
  const kind = action.slice(0, action.indexOf('.'));
  if (kind === 'entry') return 'entryChanged';
  if (kind === 'role' || kind === 'permission') return 'roleChanged';
  if (kind === 'group') return 'groupChanged';
  if (kind === 'membership') return 'membershipChanged';
  if (action === 'contact.create') return 'contactCreated';
  return undefined;
}

/**
 * Reports a committed change to `events.changed` and to its specific event hook. Observer failures never
 * reach the write (it is committed); they go to `report`.
 *
 * @example
 * ```ts
 * emitChange(set.events, change, report, 1000);
 * ```
 */
export function emitChange(events: EventHooks, change: ChangeRecord, report: (error: HookTapError) => void, timeoutMs: number): void {
  const specific = eventFor(change.action);
  const hooks = [events.changed, ...(specific ? [events[specific]] : [])].filter((h) => h.taps.length > 0);
  if (hooks.length === 0) return;
  const event: ChangeEvent = Object.freeze({
    action: change.action,
    targetType: change.targetType,
    targetId: change.targetId,
    before: immutableCopy(change.before),
    after: immutableCopy(change.after),
    origin: Object.freeze({ domainId: change.domainId, actor: change.actor }),
  });
  for (const hook of hooks) runObservers(hook as unknown as TapSource, [event], report, timeoutMs);
}

/**
 * Names the subject of a decision as an event origin's actor.
 *
 * @example
 * ```ts
 * subjectActor({ userId: 'u-7' }); // 'user:u-7'
 * ```
 */
export function subjectActor(subject: SubjectInput): string {
  if (subject.userId !== undefined) return `user:${subject.userId}`;
  if (subject.contactId !== undefined) return `contact:${subject.contactId}`;
  return 'anonymous';
}

/**
 * Reports a single-contact decision to `events.decisionMade`.
 *
 * @example
 * ```ts
 * emitDecision(set.events, record, report, 1000);
 * ```
 */
export function emitDecision(events: EventHooks, record: DecisionRecord, report: (error: HookTapError) => void, timeoutMs: number): void {
  if (events.decisionMade.taps.length === 0) return;
  const event: DecisionEvent = Object.freeze({
    subject: immutableCopy(record.subject),
    operation: record.operation,
    contactId: record.contactId,
    allowed: record.allowed,
    origin: Object.freeze({ domainId: record.domainId, actor: subjectActor(record.subject) }),
  });
  runObservers(events.decisionMade as unknown as TapSource, [event], report, timeoutMs);
}
