import type { Transaction } from 'kysely';
import { buildPlan, ownerHeld } from '../decide/access-plan.js';
import { checkCriteria } from '../model/criteria-schema.js';
import { decideInMemory } from '../decide/decision-memory.js';
import { PolicyError } from '../model/engine-errors.js';
import { operationWithin } from '../model/operation-model.js';
import { delegationInputSchema, type DelegationInput } from './admin-schemas.js';
import { parseInput, type AdminWriter } from './admin-writer.js';

/**
 * Delegation: a contact hands a subset of one of its allow entries to another contact, checked against the
 * snapshot inside the write's transaction (held parent, grant right over the recipient, narrower operation,
 * no loop in the chain of granters). Behind {@link PolicyAdmin.delegate}, which documents the call.
 *
 * @example
 * ```ts
 * const delegations = new DelegationWrites(writer);
 * await delegations.delegate({ granter: 7, recipient: 9, parentEntryId: 12, operation: 'view' });
 * ```
 */
export class DelegationWrites {
  readonly #w: AdminWriter;

  /** Writes through `writer` (its transaction, audit and reference checks). */
  constructor(writer: AdminWriter) {
    this.#w = writer;
  }

  /** Delegates a subset of one of the granter's allow entries (the parent) to a recipient; refused unless every check holds. */
  async delegate(input: DelegationInput): Promise<number> {
    const d = parseInput(delegationInputSchema, input, 'delegation');
    const refuse = (message: string, details: Record<string, unknown> = {}): never => {
      throw new PolicyError('delegation_refused', message, { ...d, ...details });
    };
    if (d.granter === d.recipient) throw new PolicyError('delegation_loop', 'a contact cannot delegate to itself', { granter: d.granter });
    const criteria = d.criteria === undefined || d.criteria === null ? null : checkCriteria(d.criteria, this.#w.ctx.fields, { dialect: this.#w.ctx.dialect });
    return this.#w.write('entry.delegate', 'entry', async (trx) => {
      if (!this.#w.ctx.delegationContext) throw new PolicyError('invalid_input', 'delegation needs the engine', {});
      const { snapshot, granter, recipient } = await this.#w.ctx.delegationContext(d.granter, d.recipient, trx as Transaction<any>);
      if (!recipient || (recipient.domainId !== null && recipient.domainId !== this.#w.ctx.domainId)) {
        throw new PolicyError('unknown_contact', `contact ${d.recipient} does not exist in this domain`, { contactId: d.recipient });
      }
      const byId = new Map(snapshot.entries.map((e) => [e.id, e]));
      const parent = byId.get(d.parentEntryId);
      if (!parent) throw new PolicyError('unknown_entry', `entry ${d.parentEntryId} does not exist in this domain`, { id: d.parentEntryId });
      if (!parent.active || parent.effect !== 'allow' || parent.operation === 'grant') {
        refuse(`entry ${parent.id} is not an active allow that can be delegated`);
      }
      const held =
        parent.object.type === 'delegation'
          ? granter.extraEntries.some((e) => e.id === parent.id && e.object.type === 'delegated')
          : ownerHeld(parent.owner, granter) !== undefined;
      if (!held) refuse(`contact ${d.granter} does not hold entry ${parent.id}`);
      if (parent.object.type === 'related' || parent.object.type === 'entity') refuse(`entry ${parent.id} governs ${parent.object.type} objects, which cannot be delegated`);
      if (!operationWithin(d.operation, parent.operation)) refuse(`operation '${d.operation}' is wider than the parent's '${parent.operation}'`);
      const grantPlan = buildPlan(snapshot, granter, 'grant');
      if (!grantPlan.administrator && grantPlan.entries.length === 0) refuse(`contact ${d.granter} has no grant right`);
      if (!decideInMemory(grantPlan, snapshot, recipient).allowed) refuse(`contact ${d.recipient} is outside contact ${d.granter}'s grant set`);
      for (let link = parent; link.object.type === 'delegation'; ) {
        if (link.object.granterId === d.recipient) {
          throw new PolicyError('delegation_loop', `contact ${d.recipient} already granted entry ${link.id}'s chain`, { chain: link.id });
        }
        const next = byId.get(link.object.parentEntryId);
        if (!next) break;
        link = next;
      }
      if (criteria) for (const g of criteria.groupIds) await this.#w.own(trx, this.#w.ctx.tables.group, g, 'unknown_group', 'group');
      if (d.key) await this.#w.uniqueName(trx, this.#w.ctx.tables.entry, 'entry_key', d.key, null, 'entry key');
      const id = await this.#w.insert(trx, this.#w.ctx.tables.entry, {
        domain_id: this.#w.ctx.domainId,
        entry_key: d.key ?? null,
        effect: 'allow',
        operation: d.operation,
        owner_type: 'contact',
        owner_id: d.recipient,
        object_type: 'delegation',
        object_entity: null,
        object_id: parent.id,
        priority: parent.priority,
        is_active: 1,
        parent_entry_id: parent.id,
        criteria: criteria ? JSON.stringify(criteria.criteria) : null,
        granted_by: d.granter,
      });
      return { targetId: id, before: null, after: { id, ...d }, result: id };
    });
  }
}
