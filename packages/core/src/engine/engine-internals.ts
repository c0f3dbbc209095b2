import type { ScopeAdjustment } from '../decide/access-plan.js';
import type { ClauseShapeSetting, GrantSizeEstimator } from '../sql/clause-shape.js';
import type { DialectKind } from '../model/dialect-kind.js';
import type { EntityCondition, EntityPermission } from '../decide/entity-permissions.js';
import type { Operation } from '../model/operation-model.js';
import type { PolicySnapshot } from '../model/policy-model.js';
import type { StoreContext } from '../store/policy-store.js';
import type { ResolvedSubject, SubjectInput } from '../model/subject-model.js';
import type { RuntimeGrantSource } from '../decide/who-can.js';

/** A decision as reported to observers. */
export interface DecisionRecord {
  readonly domainId: number;
  readonly subject: SubjectInput;
  readonly operation: Operation;
  readonly contactId: number;
  readonly allowed: boolean;
}

/** What a subject session needs from the engine (kept narrow so sessions do not depend on the engine class). */
export interface EngineInternals {
  readonly dialect: DialectKind;
  readonly store: StoreContext;
  /** The contact table's name (the engine's reference table, or the host's). */
  readonly contactTable: string;
  snapshot(domainId: number): Promise<PolicySnapshot>;
  resolve(snapshot: PolicySnapshot, input: SubjectInput): Promise<ResolvedSubject>;
  /** Extension adjustments of one subject's scope for one operation. */
  adjust(subject: ResolvedSubject, operation: Operation, snapshot: PolicySnapshot): Promise<ScopeAdjustment>;
  reportError(error: unknown, context: Readonly<Record<string, unknown>>): void;
  /** Today, `YYYY-MM-DD` (relationship dates). */
  today(): string;
  /** Whether second-degree relationships count. */
  readonly secondDegree: boolean;
  /** Grant-size estimates (they steer the clause shape, never its answer). */
  readonly grantSizes: GrantSizeEstimator;
  /** The configured shape setting. */
  readonly clauseShape: ClauseShapeSetting;
  /** Known non-contact object types (built-in and host-registered). */
  readonly entityTypes: ReadonlySet<string>;
  /** Extension adjustment of a non-contact type's permitted ids. */
  adjustEntities(
    subject: ResolvedSubject,
    entity: string,
    operation: Operation,
    permission: EntityPermission,
    snapshot: PolicySnapshot,
  ): Promise<EntityPermission>;
  /** Extension conditions on a host entity table. */
  entityConditions(subject: ResolvedSubject, entity: string, operation: Operation): Promise<readonly EntityCondition[]>;
  decided(record: DecisionRecord): void;
  /** Longest time one decision may take (milliseconds); past it the decision denies. */
  readonly decisionTimeoutMs: number;
  /** Functional permissions with what they imply (the engine's permission registry). */
  expandPermissions(names: readonly string[]): ReadonlySet<string>;
  /** Taps that may grant at run time (for the reverse lookup's account); empty without an extension. */
  runtimeGrantSources(): readonly RuntimeGrantSource[];
  /** Whether the host supplies functional permissions through a permission provider. */
  readonly hasPermissionProvider: boolean;
}
