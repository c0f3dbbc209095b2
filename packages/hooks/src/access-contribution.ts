import type { EntryDef, OwnerRef, PolicySnapshot } from '@rowguard/core';
import type { FieldInfo, SubjectContribution } from '@rowguard/core/extension';
import { HookTapError } from './hook-errors.js';
import { GRANT_TYPES, type AccessRequest, type AccessSubject, type ContactGrant, type GrantType } from './hook-model.js';
import type { AccessHooks, RowguardHookSet } from './hook-set.js';
import type { AccessDependencies } from './access-cache.js';
import { runWaterfall, type TapInfo, type TapSource } from './tap-runner.js';
import { checkGrant, checkGroupRefs, idListSchema, type CheckedGrant } from './tap-results.js';

/** What the `access` taps answered for one subject: every id and grant with the tap that added it. */
export interface AccessOutcome {
  readonly groups: ReadonlyMap<number, string>;
  readonly roles: ReadonlyMap<number, string>;
  readonly entries: ReadonlyMap<number, string>;
  readonly contacts: readonly { readonly grant: CheckedGrant; readonly tap: string }[];
  /** What the taps declared they depend on; `null` when a tap declared nothing (the answer is not reusable). */
  readonly dependencies: AccessDependencies | null;
}

/**
 * Whether any `access` hook has a tap (when none has, the engine is told nothing: no cost).
 *
 * @example
 * ```ts
 * if (!accessTapped(set)) return undefined;
 * ```
 */
export function accessTapped(set: RowguardHookSet): boolean {
  for (const g of GRANT_TYPES) if ((set.access.get(g)?.taps.length ?? 0) > 0) return true;
  return false;
}

interface Declarations {
  readonly keys: Set<string>;
  maxAgeMs: number | null;
  silent: boolean;
}

function requestFor(grantType: GrantType, subject: AccessSubject, policy: PolicySnapshot, decl: Declarations, tap: string): AccessRequest {
  const request: AccessRequest = {
    grantType,
    subject,
    policy,
    dependsOn: (...keys: string[]) => {
      for (const k of keys) {
        if (typeof k !== 'string' || k.length === 0 || k.length > 200) {
          throw new HookTapError(`access.${grantType}`, tap, 'threw', `declared an invalid dependency key ${JSON.stringify(k)}`, { key: k });
        }
        decl.keys.add(k);
      }
      decl.silent = false;
    },
    maxAge: (ms: number) => {
      if (!Number.isInteger(ms) || ms < 0 || ms > 86_400_000) {
        throw new HookTapError(`access.${grantType}`, tap, 'threw', `declared an invalid maxAge ${JSON.stringify(ms)} (0 to 86400000 ms)`, { ms });
      }
      decl.maxAgeMs = decl.maxAgeMs === null ? ms : Math.min(decl.maxAgeMs, ms);
      decl.silent = false;
    },
  };
  return Object.freeze(request);
}

async function runIds(
  source: TapSource,
  grantType: GrantType,
  subject: AccessSubject,
  policy: PolicySnapshot,
  timeoutMs: number,
  declare: (tap: string) => Declarations,
): Promise<Map<number, string>> {
  const attribution = new Map<number, string>();
  const shared = requestFor(grantType, subject, policy, { keys: new Set(), maxAgeMs: null, silent: true }, '(call)');
  const ids = await runWaterfall<readonly number[]>({
    source,
    initial: Object.freeze([]),
    callArgs: [[], shared],
    args: (tap, value) => [value, requestFor(grantType, subject, policy, declare(tap.name), tap.name)],
    accept: (tap: TapInfo, output, input) => {
      const next = [...new Set(idListSchema.parse(output))];
      const before = new Set(input);
      for (const id of next) if (!before.has(id)) attribution.set(id, tap.name);
      return Object.freeze(next);
    },
    timeoutMs,
  });
  return new Map(ids.map((id) => [id, attribution.get(id) ?? '(unknown)']));
}

async function runContacts(
  source: TapSource,
  subject: AccessSubject,
  policy: PolicySnapshot,
  fields: ReadonlyMap<string, FieldInfo>,
  timeoutMs: number,
  declare: (tap: string) => Declarations,
): Promise<{ grant: CheckedGrant; tap: string }[]> {
  const attribution = new WeakMap<object, string>();
  const shared = requestFor('contacts', subject, policy, { keys: new Set(), maxAgeMs: null, silent: true }, '(call)');
  const grants = await runWaterfall<readonly ContactGrant[]>({
    source,
    initial: Object.freeze([]),
    callArgs: [[], shared],
    args: (tap, value) => [value, requestFor('contacts', subject, policy, declare(tap.name), tap.name)],
    accept: (tap, output, input) => {
      if (!Array.isArray(output)) throw new TypeError('expected an array of contact grants');
      if (output.length > 1_000) throw new TypeError('more than 1000 contact grants');
      const before = new Set<unknown>(input);
      return Object.freeze(
        output.map((item: unknown) => {
          if (before.has(item)) return item as ContactGrant;
          const checked = checkGrant(item, fields);
          attribution.set(checked, tap.name);
          return checked as ContactGrant;
        }),
      );
    },
    timeoutMs,
  });
  return grants.map((grant) => ({ grant: grant as CheckedGrant, tap: attribution.get(grant) ?? '(unknown)' }));
}

/**
 * Runs every `access` hook for one subject (the four grant types concurrently, the taps of each in order),
 * checking each tap's answer as it comes. Throws the {@link HookTapError} of the first failing tap.
 *
 * @example
 * ```ts
 * const outcome = await runAccess(set, subject, snapshot, fields, 200);
 * outcome.groups; // Map { 3 => 'og-sync' }
 * ```
 */
export async function runAccess(
  set: RowguardHookSet,
  subject: AccessSubject,
  policy: PolicySnapshot,
  fields: ReadonlyMap<string, FieldInfo>,
  timeoutMs: number,
): Promise<AccessOutcome> {
  const declarations = new Map<string, Declarations>();
  const declare = (grantType: GrantType) => (tap: string) => {
    const key = `${grantType}:${tap}`;
    let d = declarations.get(key);
    if (!d) {
      d = { keys: new Set(), maxAgeMs: null, silent: true };
      declarations.set(key, d);
    }
    return d;
  };
  const hook = <K extends keyof AccessHooks>(g: K): TapSource | undefined => {
    const h = set.access.get(g) as TapSource | undefined;
    return h && h.taps.length > 0 ? h : undefined;
  };
  const ids = (g: 'groups' | 'roles' | 'entries') => {
    const source = hook(g);
    return source ? runIds(source, g, subject, policy, timeoutMs, declare(g)) : Promise.resolve(new Map<number, string>());
  };
  const contactSource = hook('contacts');
  const [groups, roles, entries, contacts] = await Promise.all([
    ids('groups'),
    ids('roles'),
    ids('entries'),
    contactSource ? runContacts(contactSource, subject, policy, fields, timeoutMs, declare('contacts')) : Promise.resolve([]),
  ]);
  let dependencies: AccessDependencies | null = { keys: new Set(), maxAgeMs: null };
  const keys = new Set<string>();
  let maxAgeMs: number | null = null;
  for (const d of declarations.values()) {
    if (d.silent) {
      dependencies = null;
      break;
    }
    for (const k of d.keys) keys.add(k);
    if (d.maxAgeMs !== null) maxAgeMs = maxAgeMs === null ? d.maxAgeMs : Math.min(maxAgeMs, d.maxAgeMs);
  }
  if (dependencies !== null) dependencies = { keys, maxAgeMs };
  return { groups, roles, entries, contacts, dependencies };
}

const entryIndexes = new WeakMap<PolicySnapshot, ReadonlyMap<number, EntryDef>>();

function entryIndex(snapshot: PolicySnapshot): ReadonlyMap<number, EntryDef> {
  let index = entryIndexes.get(snapshot);
  if (!index) {
    index = new Map(snapshot.entries.filter((e) => e.id !== null).map((e) => [e.id as number, e]));
    entryIndexes.set(snapshot, index);
  }
  return index;
}

/**
 * How an explanation names a tap.
 *
 * @example
 * ```ts
 * tapLabel('og-sync'); // "hook tap 'og-sync'"
 * ```
 */
export function tapLabel(tap: string): string {
  return `hook tap '${tap}'`;
}

function invalid(grantType: GrantType, tap: string, message: string, details: Record<string, unknown>): HookTapError {
  return new HookTapError(`access.${grantType}`, tap, 'invalid-result', `returned an invalid value: ${message}`, details);
}

/**
 * Turns an access outcome into what the engine adds to the subject, checked against the domain's policy:
 * group ids must be static groups of the domain (disabled ones are dropped), role ids roles of the domain,
 * entry ids entries of the domain (copied as held by the subject, disabled ones dropped); contact grants become
 * allow entries. Each names its tap (`hook tap 'og-sync'`) for explanations.
 *
 * @example
 * ```ts
 * const contribution = buildContribution(outcome, subject, snapshot);
 * contribution.via?.get('group:3'); // "added by hook tap 'og-sync' as a member"
 * ```
 */
export function buildContribution(outcome: AccessOutcome, subject: AccessSubject, snapshot: PolicySnapshot): SubjectContribution {
  const via = new Map<string, string>();
  const groupIds: number[] = [];
  for (const [id, tap] of outcome.groups) {
    const group = snapshot.groups.get(id);
    if (!group || group.kind !== 'static') {
      throw invalid('groups', tap, `${id} is not a static group of domain ${snapshot.domainId}`, { groupId: id, domainId: snapshot.domainId });
    }
    if (!group.active) continue;
    groupIds.push(id);
    if (!subject.groupIds.has(id)) via.set(`group:${id}`, `added by ${tapLabel(tap)} as a member`);
  }
  const roleIds: number[] = [];
  for (const [id, tap] of outcome.roles) {
    if (!snapshot.roles.has(id)) throw invalid('roles', tap, `${id} is not a role of domain ${snapshot.domainId}`, { roleId: id, domainId: snapshot.domainId });
    roleIds.push(id);
    via.set(`role:${id}`, `through ${tapLabel(tap)}`);
  }
  const own = (level: 'group' | 'contact', grantType: GrantType, tap: string): OwnerRef => {
    if (level === 'group') return { type: 'everyone' };
    if (subject.contactId === null) throw invalid(grantType, tap, 'a contact-level grant needs a subject with a contact', { level });
    return { type: 'contact', id: subject.contactId };
  };
  const entries: EntryDef[] = [];
  const index = entryIndex(snapshot);
  for (const [id, tap] of outcome.entries) {
    const entry = index.get(id);
    if (!entry) throw invalid('entries', tap, `${id} is not an entry of domain ${snapshot.domainId}`, { entryId: id, domainId: snapshot.domainId });
    if (!entry.active) continue;
    const level = entry.owner.type === 'contact' && subject.contactId !== null ? 'contact' : 'group';
    entries.push({ ...entry, id: null, owner: own(level, 'entries', tap), source: `${tapLabel(tap)} (entry #${id})` });
  }
  for (const { grant, tap } of outcome.contacts) {
    if ('criteria' in grant) {
      try {
        checkGroupRefs(grant.criteria, snapshot);
      } catch (err) {
        throw invalid('contacts', tap, err instanceof Error ? err.message : String(err), {});
      }
    }
    entries.push({
      id: null,
      key: null,
      effect: 'allow',
      operation: grant.operation,
      owner: own(grant.level, 'contacts', tap),
      object: 'criteria' in grant ? { type: 'criteria', criteria: grant.criteria } : { type: 'contact-ids', ids: grant.contactIds },
      priority: grant.priority,
      active: true,
      source: tapLabel(tap),
    });
  }
  return { groupIds, roleIds, entries, via };
}
