import type {
  ChangeRecord,
  Criteria,
  FieldValue,
  Operation,
  PermissionOverride,
  PolicySnapshot,
  ResolvedSubject,
  SubjectInput,
} from '@rowguard/core';

/**
 * The grant types of the `access` hook: what a tap adds for the acting subject.
 *
 * @example
 * ```ts
 * for (const g of GRANT_TYPES) rg.hooks.access.for(g).intercept({ tap: (t) => trace(g, t.name) });
 * ```
 */
export const GRANT_TYPES = ['groups', 'roles', 'entries', 'contacts'] as const;
/** A grant type of the `access` hook. */
export type GrantType = (typeof GRANT_TYPES)[number];

/** The acting subject as the `access` hook sees it: before any tap added anything. */
export interface AccessSubject {
  readonly domainId: number;
  readonly contactId: number | null;
  /**
   * The subject's own contact when it is deleted: the subject then holds what an anonymous visitor holds
   * (`contactId` is null), and a tap may give it more on purpose.
   */
  readonly deletedContactId: number | null;
  readonly userId: string | null;
  readonly hasUser: boolean;
  /** The subject contact's field values (empty for anonymous subjects). */
  readonly values: Readonly<Record<string, FieldValue>>;
  /** The static groups the subject is an Added member of, as stored. */
  readonly groupIds: ReadonlySet<number>;
}

/**
 * The second argument of every `access` tap: who is asking, the domain's policy as of this request, and how
 * the tap declares what its answer depends on (so it can be reused across requests). Everything in it is
 * deeply immutable (frozen objects and arrays, read-only maps and sets): a tap that tries to change it throws,
 * and its contribution is refused.
 */
export interface AccessRequest {
  readonly grantType: GrantType;
  readonly subject: AccessSubject;
  /** The domain's policy (groups, roles, entries) the answer is checked against. */
  readonly policy: PolicySnapshot;
  /**
   * Declares that this tap's answer stays valid until one of these keys is invalidated with
   * `rowguardHooks.invalidate(key)`. The key `policy` means "until the domain's policy changes".
   */
  dependsOn(...keys: string[]): void;
  /** Declares that this tap's answer may be reused for at most `ms` milliseconds. */
  maxAge(ms: number): void;
}

/**
 * A contact scope added by the `access` hook for one operation: a list of contact ids, or criteria when the
 * set is large. It acts as an allow entry owned by the subject (group level unless `level: 'contact'`), so
 * deny entries of the same or a higher tier still apply.
 */
export type ContactGrant =
  | {
      readonly operation: Operation | 'all';
      readonly contactIds: readonly number[];
      readonly priority?: number;
      readonly level?: 'group' | 'contact';
    }
  | {
      readonly operation: Operation | 'all';
      readonly criteria: Criteria;
      readonly priority?: number;
      readonly level?: 'group' | 'contact';
    };

/** The value passed along the `aclWhereClause` taps: criteria every allowed contact must also match, and criteria that also allow. */
export interface ClauseAdjustment {
  /** Criteria ANDed into the decision (and the clause): the contact must match every one. */
  readonly narrow: readonly Criteria[];
  /** Criteria ORed into the decision (and the clause): a contact matching one is allowed. */
  readonly widen: readonly Criteria[];
}

/** The second argument of an `aclWhereClause` tap. */
export interface ClauseRequest {
  readonly subject: ResolvedSubject;
  readonly operation: Operation;
  readonly policy: PolicySnapshot;
}

/** The second argument of an `aclGroup` or `selectWhereClause` tap. */
export interface EntityRequest {
  /** The object type (`group`, `custom_group`, `profile` or a host type). */
  readonly entity: string;
  readonly operation: Operation;
  readonly subject: ResolvedSubject;
}

/** A tap's opinion on one functional-permission check: allow, deny, or no opinion (`undefined`). */
export type PermissionVerdict = 'allow' | 'deny' | undefined;

/** The subject of a permission check, as the engine resolved it (groups and roles included). */
export type PermissionSubject = Parameters<PermissionOverride>[0];

/** The second argument of a `permissionCheck` tap. */
export interface PermissionRequest {
  readonly permission: string;
  /** Whether the subject holds the permission without any tap's opinion. */
  readonly held: boolean;
  readonly subject: PermissionSubject;
}

/** Who caused an event: the domain, and the actor recorded in the audit log (or the deciding subject). */
export interface EventOrigin {
  readonly domainId: number;
  /** The `actor` of the write API (`domain.admin(actor)`), or `user:<id>` / `contact:<id>` / `anonymous` for a decision. */
  readonly actor: string;
}

/** A committed, audited change, as the `events` hooks report it. */
export interface ChangeEvent {
  /** The audit action, e.g. `entry.create`, `membership.set`, `role.assign`. */
  readonly action: ChangeRecord['action'];
  readonly targetType: string;
  readonly targetId: string | null;
  readonly before: unknown;
  readonly after: unknown;
  readonly origin: EventOrigin;
}

/** A single-contact decision (`check`, `explain`, `assert`), as `events.decisionMade` reports it. */
export interface DecisionEvent {
  readonly subject: SubjectInput;
  readonly operation: Operation;
  readonly contactId: number;
  readonly allowed: boolean;
  readonly origin: EventOrigin;
}
