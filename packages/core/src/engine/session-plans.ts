import { buildPlan, type AccessPlan } from '../decide/access-plan.js';
import type { EngineInternals } from './engine-internals.js';
import type { Operation } from '../model/operation-model.js';
import type { PolicySnapshot } from '../model/policy-model.js';
import type { ResolvedSubject, SubjectInput } from '../model/subject-model.js';

/** The policy and one operation's plan for the session's subject, as of the domain's current version. */
export interface PlannedFor {
  readonly snapshot: PolicySnapshot;
  readonly plan: AccessPlan;
}

/**
 * What a subject session knows between calls: the engine it asks, the subject as resolved at the domain's
 * current version (and today's date), and the plan of each operation built for it. Every read first asks the
 * engine for the domain's snapshot; a new version (or a new day) re-resolves the subject and drops the plans, so
 * a committed change is seen by the very next call. The helpers behind `SubjectSession` take it as their scope.
 *
 * @example
 * ```ts
 * const plans = new SessionPlans(engine, domainId, { contactId: 7 });
 * const { snapshot, plan } = await plans.plan('view');
 * ```
 */
export class SessionPlans {
  readonly engine: EngineInternals;
  readonly #domainId: number;
  readonly #input: SubjectInput;
  #resolved: { version: number; today: string; subject: ResolvedSubject; plans: Map<Operation, AccessPlan> } | undefined;

  constructor(engine: EngineInternals, domainId: number, input: SubjectInput) {
    this.engine = engine;
    this.#domainId = domainId;
    this.#input = input;
  }

  /**
   * The domain's current snapshot and the subject resolved against it (re-resolved when the version or the day
   * changed since the last call).
   *
   * @example
   * ```ts
   * (await plans.current()).subject.roleIds;
   * ```
   */
  async current(): Promise<{ snapshot: PolicySnapshot; subject: ResolvedSubject; plans: Map<Operation, AccessPlan> }> {
    const snapshot = await this.engine.snapshot(this.#domainId);
    const today = this.engine.today();
    if (this.#resolved?.version !== snapshot.version || this.#resolved.today !== today) {
      const subject = await this.engine.resolve(snapshot, this.#input);
      this.#resolved = { version: snapshot.version, today, subject, plans: new Map() };
    }
    return { snapshot, subject: this.#resolved.subject, plans: this.#resolved.plans };
  }

  /**
   * The plan of one operation for the current subject (built once per version, with the extension's scope
   * adjustment).
   *
   * @example
   * ```ts
   * const { snapshot, plan } = await plans.plan('edit');
   * ```
   */
  async plan(op: Operation): Promise<PlannedFor> {
    const { snapshot, subject, plans } = await this.current();
    let plan = plans.get(op);
    if (!plan) {
      plan = buildPlan(snapshot, subject, op, await this.engine.adjust(subject, op, snapshot));
      plans.set(op, plan);
    }
    return { snapshot, plan };
  }

  /**
   * The subject as last resolved, or null before the first successful resolution (for explanations of a
   * decision that failed).
   *
   * @example
   * ```ts
   * plans.lastSubject?.contactId;
   * ```
   */
  get lastSubject(): ResolvedSubject | null {
    return this.#resolved?.subject ?? null;
  }
}
