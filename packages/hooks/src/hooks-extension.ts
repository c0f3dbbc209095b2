import { type PolicySnapshot, type ResolvedSubject } from '@rowguard/core';
import { immutableCopy, type EngineExtension, type FieldInfo } from '@rowguard/core/extension';
import { accessTapped, buildContribution, runAccess, type AccessOutcome } from './access-contribution.js';
import { GRANT_TYPES } from './hook-model.js';
import type { AccessCache } from './access-cache.js';
import { emitChange, emitDecision } from './change-events.js';
import { adjustClause } from './clause-adjustment.js';
import { adjustEntityIds, entityConditions } from './entity-adjustment.js';
import { HookTapError } from './hook-errors.js';
import type { AccessSubject } from './hook-model.js';
import type { RowguardHookSet, TapEpoch } from './hook-set.js';
import { checkPermissions } from './permission-checks.js';
import { accessSubjectOf, sealed } from './tap-inputs.js';

/** What the extension needs from its {@link RowguardHooks}. */
export interface ExtensionContext {
  readonly set: RowguardHookSet;
  readonly permissionKeys: ReadonlySet<string>;
  /** The criteria fields of the engine's contact configuration. */
  readonly fields: ReadonlyMap<string, FieldInfo>;
  readonly timeoutMs: number;
  readonly cache: AccessCache<AccessOutcome>;
  readonly epoch: TapEpoch;
  /** Reports a failure that denied a decision the engine will also report (through `onError`). */
  announce(error: HookTapError): void;
  /** Reports a failure nothing else reports (a denied permission, a failing observer). */
  report(error: HookTapError): void;
}

function cacheKey(subject: AccessSubject): string {
  return `${subject.domainId}\u0000${subject.contactId ?? ''}\u0000${subject.userId ?? ''}`;
}

/**
 * Turns a hook set into the engine's extension. Every callback returns at once when its hooks have no taps;
 * otherwise the taps run one by one with their answers checked and a time limit, and any failure denies (the
 * callback throws the {@link HookTapError}, so the engine denies and calls its `onError`) after being
 * announced through `events.tapFailed`.
 *
 * @example
 * ```ts
 * const extension = createHooksExtension(context);
 * const engine = createRowguard({ db, extension });
 * ```
 */
export function createHooksExtension(ctx: ExtensionContext): EngineExtension {
  const { set, timeoutMs } = ctx;
  /** The policy each resolved subject was planned against (to check `aclGroup` group ids). */
  const policies = new WeakMap<ResolvedSubject, PolicySnapshot>();
  const fail = (err: unknown): unknown => {
    if (err instanceof HookTapError) ctx.announce(err);
    return err;
  };

  const contribute: NonNullable<EngineExtension['contributeToSubject']> = async (base, snapshot) => {
    if (!accessTapped(set)) return undefined;
    const subject = accessSubjectOf(base);
    const key = cacheKey(subject);
    try {
      const cached = ctx.cache.get(key, snapshot.version, ctx.epoch.value);
      if (cached) {
        try {
          return buildContribution(cached, subject, snapshot);
        } catch {
          // The policy moved under a kept answer (a group was deleted, ...): ask the taps again.
          ctx.cache.delete(key);
        }
      }
      const started = ctx.cache.generation;
      const epoch = ctx.epoch.value;
      const outcome = await runAccess(set, subject, sealed(snapshot), ctx.fields, timeoutMs);
      const contribution = buildContribution(outcome, subject, snapshot);
      if (outcome.dependencies) ctx.cache.set(key, outcome, outcome.dependencies, { version: snapshot.version, epoch, started });
      return contribution;
    } catch (err) {
      throw fail(err);
    }
  };

  return Object.freeze({
    contributeToSubject: contribute,
    overridePermissions: (subject, held) =>
      checkPermissions(set, ctx.permissionKeys, immutableCopy(subject), held, timeoutMs, (e) => ctx.report(e)),
    adjustScope: async (subject, operation, snapshot) => {
      policies.set(subject, snapshot);
      try {
        return await adjustClause(set.aclWhereClause, sealed(subject), operation, sealed(snapshot), ctx.fields, timeoutMs);
      } catch (err) {
        throw fail(err);
      }
    },
    adjustEntities: async (subject, entity, operation, permission) => {
      try {
        return await adjustEntityIds(set, sealed(subject), entity, operation, permission, policies.get(subject), timeoutMs);
      } catch (err) {
        throw fail(err);
      }
    },
    entityConditions: async (subject, entity, operation) => {
      try {
        return await entityConditions(set, sealed(subject), entity, operation, timeoutMs);
      } catch (err) {
        throw fail(err);
      }
    },
    // The reverse lookup names the taps that may grant at run time: every `access` tap and `aclWhereClause` tap.
    runtimeGrantSources: () => [
      ...GRANT_TYPES.flatMap((g) => (set.access.get(g)?.taps ?? []).map((t) => ({ hook: `access.for('${g}')`, tap: t.name }))),
      ...set.aclWhereClause.taps.map((t) => ({ hook: 'aclWhereClause', tap: t.name })),
    ],
    onChange: (change) => emitChange(set.events, change, (e) => ctx.report(e), timeoutMs),
    onDecision: (record) => emitDecision(set.events, record, (e) => ctx.report(e), timeoutMs),
  } satisfies EngineExtension);
}
