import type { Kysely } from 'kysely';
import { z } from 'zod';
import { candidateSchema, type CandidateInput, type CreateDecision } from '../decide/create-check.js';
import type { EngineInternals } from './engine-internals.js';
import { consistencyTokenSchema, type ConsistencyToken } from '../model/cluster-config.js';
import { PolicyError } from '../model/engine-errors.js';
import type { AuditRecord, PolicyAdmin } from '../admin/policy-admin.js';
import type { PolicySnapshot } from '../model/policy-model.js';
import { subjectInputSchema, type SubjectInput } from '../model/subject-model.js';
import { SubjectSession } from './subject-session.js';
import type { TableNames } from '../store/table-names.js';
import { UserLinks } from '../store/user-links.js';
import { findContacts, parseContactQuery, type ContactQuery, type ContactRecord } from './contact-query.js';
import { operationSchema, type Operation } from '../model/operation-model.js';
import { lookUpWhoCan, type WhoCanOptions } from './who-can-lookup.js';
import type { WhoCanReport } from './who-can-report.js';

function parseSubject(input: SubjectInput): SubjectInput {
  const parsed = subjectInputSchema.safeParse(input);
  if (!parsed.success) {
    throw new PolicyError('invalid_input', `invalid subject: ${z.prettifyError(parsed.error)}`, { issues: parsed.error.issues });
  }
  return parsed.data;
}

/**
 * What a domain needs from the engine that made it (the `Rowguard` class provides it): the database and table
 * names (for the audit log) and the write API of a domain. Kept narrow so this file does not import the engine.
 */
export interface DomainHost {
  readonly db: Kysely<any>;
  readonly tables: TableNames;
  adminFor(domainId: number, actor: string): PolicyAdmin;
  /** Where a session without a consistency token reads (the primary, or a replica). */
  readInternals(): EngineInternals;
  /** Where a session given a consistency token reads. */
  readInternalsAfter(token: ConsistencyToken): Promise<EngineInternals>;
}

/**
 * One domain (tenant): subject sessions for decisions, the audited write API, the policy as the engine sees it.
 *
 * @example
 * ```ts
 * const domain = await rowguard.domain('default');
 * const admin = domain.admin('setup-script');
 * const me = domain.subject({ contactId: 7 });
 * ```
 */
export class Domain {
  readonly #engine: DomainHost;
  readonly #internals: EngineInternals;

  constructor(
    engine: DomainHost,
    internals: EngineInternals,
    readonly id: number,
    readonly name: string,
  ) {
    this.#engine = engine;
    this.#internals = internals;
  }

  /**
   * The write API, recording `actor` in the audit log.
   *
   * @example
   * ```ts
   * await domain.admin('alice').createRole({ name: 'Staff' });
   * ```
   */
  admin(actor: string): PolicyAdmin {
    return this.#engine.adminFor(this.id, actor);
  }

  /**
   * The domain's user <-> contact links, read only: the contact of a host user, the user of a contact, and
   * every link by page or for a batch of ids. Link and unlink through {@link Domain.admin}.
   *
   * @example
   * ```ts
   * const contactId = await domain.userLinks().contactOf('wp:12');
   * ```
   */
  userLinks(): UserLinks {
    return new UserLinks(this.#internals.store, this.#internals.dialect, this.id);
  }

  /**
   * One page of the domain's contacts matching criteria, ordered by id, with their type, sort name and
   * declared attributes; not a decision (no subject is acting). Bad input throws {@link PolicyError}.
   *
   * @example
   * ```ts
   * const [lan] = await domain.findContacts({ where: { field: 'email', op: '=', value: 'lan@example.org' }, limit: 1 });
   * const managers = await domain.findContacts({ where: { inGroup: 4 }, afterId: 0, limit: 1000 });
   * const marked = await domain.findContacts({ membership: { groupId: 4, status: 'Removed' } });
   * ```
   */
  async findContacts(query: ContactQuery = {}): Promise<ContactRecord[]> {
    const i = this.#internals;
    const parsed = parseContactQuery(query, i.store.fields, i.dialect);
    const snapshot = await i.snapshot(this.id);
    return findContacts(
      { store: i.store, dialect: i.dialect, contactTable: i.contactTable, domainId: this.id, snapshot, today: i.today(), secondDegree: i.secondDegree },
      parsed,
    );
  }

  /**
   * A decision session for a subject: `{ contactId }`, `{ userId }` or `{}` (anonymous). Invalid input throws
   * {@link PolicyError} at once. With PostgreSQL replicas (`cluster: { kind: 'postgres-replicas' }`) it reads a
   * replica (or the primary, with `untokenedReads: 'primary'`) and may lag the primary by the replication
   * delay; use {@link Domain.subjectAfter} with a consistency token to see a given write.
   *
   * @example
   * ```ts
   * const me = domain.subject({ userId: 'wp:3' });
   * await me.check('view', 12);
   * ```
   */
  subject(input: SubjectInput): SubjectSession {
    return new SubjectSession(this.#engine.readInternals(), this.id, parseSubject(input));
  }

  /**
   * A decision session that sees at least everything a consistency token covers. With PostgreSQL replicas
   * (`cluster: { kind: 'postgres-replicas' }`) it reads a replica once that replica has replayed the token
   * (waiting at most `replicaWaitMs`), else the primary; the choice is made here, once, for the session's
   * life. Without replicas it is {@link Domain.subject}. A malformed token throws {@link PolicyError}.
   *
   * @example
   * ```ts
   * await domain.admin('alice').createEntry({ effect: 'allow', operation: 'view', owner: { type: 'everyone' }, object: { type: 'all-contacts' } });
   * const token = await rowguard.consistencyToken();
   * const me = await domain.subjectAfter(token, { contactId: 7 });
   * await me.check('view', 12); // true, on a replica that caught up or on the primary
   * ```
   */
  async subjectAfter(token: ConsistencyToken, input: SubjectInput): Promise<SubjectSession> {
    const subject = parseSubject(input);
    const parsed = consistencyTokenSchema.safeParse(token);
    if (!parsed.success) {
      throw new PolicyError('invalid_input', `invalid consistency token: ${z.prettifyError(parsed.error)}`, { issues: parsed.error.issues });
    }
    return new SubjectSession(await this.#engine.readInternalsAfter(parsed.data), this.id, subject);
  }

  /**
   * Creates a contact on behalf of a subject, if the subject may: checks the candidate against the subject's
   * `create` entries, then inserts it and adds it to the groups the decision names, in one audited
   * transaction. A denied or invalid create writes nothing and says why.
   *
   * @example
   * ```ts
   * const result = await domain.createContactAs({ userId: 'mgr-vn' }, { contactType: 'Individual', subTypes: ['sales'], attributes: { country: 'VN' } }, 'mgr-vn');
   * if (!result.created) console.log(result.decision.explanation.summary);
   * ```
   */
  async createContactAs(
    subject: SubjectInput,
    candidate: CandidateInput,
    actor: string,
  ): Promise<{ created: true; contactId: number; decision: CreateDecision } | { created: false; decision: CreateDecision }> {
    const parsed = candidateSchema.safeParse(candidate);
    if (!parsed.success) {
      throw new PolicyError('invalid_input', `invalid candidate: ${z.prettifyError(parsed.error)}`, { issues: parsed.error.issues });
    }
    const decision = await this.subject(subject).checkCreate(parsed.data);
    if (!decision.allowed) return { created: false, decision };
    const c = parsed.data;
    const contactId = await this.admin(actor).transaction(async (tx) => {
      const id = await tx.createContact({ key: c.key ?? null, contactType: c.contactType, sortName: c.sortName ?? null, subTypes: c.subTypes, attributes: c.attributes });
      for (const groupId of decision.addToGroups) await tx.setMembership({ groupId, contactId: id, status: 'Added' });
      return id;
    });
    return { created: true, contactId, decision };
  }

  /**
   * The reverse lookup: every holder of an operation on one contact (administrators, contacts, delegations,
   * relationship holders, groups, roles, Everyone, Authenticated, functional permissions), each with its
   * deciding entry and, for groups and roles, how many contacts and users it reaches; plus the taps that may
   * grant more at run time. Reads the contact by indexed lookups, never a scan of contacts. Bad input or an
   * unknown contact throws {@link PolicyError}.
   *
   * @example
   * ```ts
   * const report = await domain.whoCan('view', 12);
   * report.holders.filter((h) => h.effect === 'allow').map((h) => h.label);
   * ```
   */
  whoCan(operation: Operation, contactId: number, options: WhoCanOptions = {}): Promise<WhoCanReport> {
    const parsed = z.object({ operation: operationSchema, contactId: z.number().int().positive() }).safeParse({ operation, contactId });
    if (!parsed.success) {
      return Promise.reject(new PolicyError('invalid_input', `invalid reverse lookup: ${z.prettifyError(parsed.error)}`, { issues: parsed.error.issues }));
    }
    return lookUpWhoCan(this.#internals, this.id, parsed.data.operation, parsed.data.contactId, options);
  }

  /**
   * Recomputes the materialised members of every non-tokenized smart group of the domain, in one audited write.
   * Writes made through the write API keep those rows exact in their own transaction; a host that writes its own
   * contact table directly calls this after such writes (or on a schedule): until then the clause reads the
   * rows as of the last refresh, which `explainClause` reports (`materialised[].stalenessMs`). Calling it on a
   * host table also opts the domain in: smart groups written afterwards are materialised too.
   *
   * @example
   * ```ts
   * await db.updateTable('crm_person').set({ country: 'VN' }).where('person_id', '=', 7).execute();
   * await domain.refreshGroups();
   * ```
   */
  refreshGroups(actor = 'rowguard:refresh-groups'): Promise<number> {
    return this.admin(actor).refreshGroups();
  }

  /**
   * The domain's policy as of its current version (entries, groups, roles, assignments, permissions per role).
   *
   * @example
   * ```ts
   * (await domain.policy()).entries.length;
   * ```
   */
  policy(): Promise<PolicySnapshot> {
    return this.#internals.snapshot(this.id);
  }

  /**
   * The newest audit rows, newest first.
   *
   * @example
   * ```ts
   * const [last] = await domain.auditLog({ limit: 1 });
   * last?.actor; // 'alice'
   * ```
   */
  async auditLog(options: { limit?: number } = {}): Promise<AuditRecord[]> {
    const limit = z.number().int().min(1).max(10_000).parse(options.limit ?? 100);
    const rows = await this.#engine.db
      .selectFrom(this.#engine.tables.audit)
      .selectAll()
      .where('domain_id', '=', this.id)
      .orderBy('id', 'desc')
      .limit(limit)
      .execute();
    return rows.map((r) => ({
      domainId: Number(r.domain_id),
      actor: String(r.actor),
      action: String(r.action),
      targetType: String(r.target_type),
      targetId: r.target_id === null ? null : String(r.target_id),
      before: r.before_json ? JSON.parse(String(r.before_json)) : null,
      after: r.after_json ? JSON.parse(String(r.after_json)) : null,
      at: String(r.created_at),
    }));
  }
}
