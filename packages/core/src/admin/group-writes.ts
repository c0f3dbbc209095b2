import { referencedGroups } from '../model/criteria-schema.js';
import { PolicyError } from '../model/engine-errors.js';
import {
  groupInputSchema,
  groupPatchSchema,
  idSchema,
  membershipInputSchema,
  type GroupInput,
  type GroupPatch,
  type MembershipInput,
} from './admin-schemas.js';
import { parseInput, type AdminWriter } from './admin-writer.js';
import { dropGroupMembers, refreshContactMembers, refreshGroupMembers } from './group-member-refresh.js';

/**
 * Writes of groups (static, or smart with criteria checked for references, cycles and nesting depth) and of
 * contacts' memberships in them. Behind {@link PolicyAdmin}'s group and membership methods, which document
 * each call.
 *
 * @example
 * ```ts
 * const groups = new GroupWrites(writer);
 * const g = await groups.createGroup({ name: 'VN', kind: 'static' });
 * await groups.setMembership({ groupId: g, contactId: 7, status: 'Added' });
 * ```
 */
export class GroupWrites {
  readonly #w: AdminWriter;

  /** Writes through `writer` (its transaction, audit and reference checks). */
  constructor(writer: AdminWriter) {
    this.#w = writer;
  }

  /** Creates a group: static, or smart with criteria (validated; referenced groups must exist in this domain). */
  async createGroup(input: GroupInput): Promise<number> {
    const group = parseInput(groupInputSchema, input, 'group');
    return this.#w.write('group.create', 'group', async (trx) => {
      await this.#w.uniqueName(trx, this.#w.ctx.tables.group, 'name', group.name, null, 'group');
      const criteria = group.kind === 'smart' ? await this.#w.checkCriteria(trx, group.criteria, null) : null;
      const id = await this.#w.insert(trx, this.#w.ctx.tables.group, {
        domain_id: this.#w.ctx.domainId,
        name: group.name,
        kind: group.kind,
        criteria,
        is_active: group.active ? 1 : 0,
      });
      if (group.kind === 'smart') await refreshGroupMembers(trx, this.#w.ctx, [id]);
      return { targetId: id, before: null, after: { id, ...group }, result: id };
    });
  }

  /** Changes a group's name, criteria (smart groups only; cycles refused) or active flag. */
  async updateGroup(id: number, patch: GroupPatch): Promise<void> {
    parseInput(idSchema, id, 'group id');
    const changes = parseInput(groupPatchSchema, patch, 'group change');
    await this.#w.write('group.update', 'group', async (trx) => {
      const row = await this.#w.own(trx, this.#w.ctx.tables.group, id, 'unknown_group', 'group');
      const set: Record<string, unknown> = {};
      if (changes.name !== undefined) {
        await this.#w.uniqueName(trx, this.#w.ctx.tables.group, 'name', changes.name, id, 'group');
        set.name = changes.name;
      }
      if (changes.criteria !== undefined) {
        if (row.kind !== 'smart') throw new PolicyError('invalid_input', `group ${id} is static and has no criteria`, { groupId: id });
        set.criteria = await this.#w.checkCriteria(trx, changes.criteria, id);
      }
      if (changes.active !== undefined) set.is_active = changes.active ? 1 : 0;
      if (Object.keys(set).length > 0) await trx.updateTable(this.#w.ctx.tables.group).set(set).where('id', '=', id).execute();
      if (set.criteria !== undefined || set.is_active !== undefined) await refreshGroupMembers(trx, this.#w.ctx, [id]);
      return { targetId: id, before: row, after: { ...row, ...set }, result: undefined };
    });
  }

  /** Deletes a group and its memberships; refused (`in_use`) while anything refers to it. */
  async deleteGroup(id: number): Promise<void> {
    parseInput(idSchema, id, 'group id');
    await this.#w.write('group.delete', 'group', async (trx) => {
      const { tables: t, domainId } = this.#w.ctx;
      const row = await this.#w.own(trx, t.group, id, 'unknown_group', 'group');
      const entries = await trx
        .selectFrom(t.entry)
        .select('id')
        .where('domain_id', '=', domainId)
        .where((eb) =>
          eb.or([
            eb.and([eb('owner_type', '=', 'group'), eb('owner_id', '=', id)]),
            eb.and([eb('object_type', '=', 'group-members'), eb('object_id', '=', id)]),
            eb.and([eb('object_type', '=', 'entity'), eb('object_entity', '=', 'group'), eb('object_id', '=', id)]),
          ]),
        )
        .execute();
      const assignments = await trx
        .selectFrom(t.roleAssignment)
        .select('id')
        .where('assignee_type', '=', 'group')
        .where('assignee_id', '=', id)
        .execute();
      const smart = await trx.selectFrom(t.group).select(['id', 'criteria']).where('domain_id', '=', domainId).where('kind', '=', 'smart').execute();
      const dependents = smart.filter((g) => g.criteria && referencedGroups(JSON.parse(String(g.criteria))).includes(id)).map((g) => Number(g.id));
      if (entries.length + assignments.length + dependents.length > 0) {
        throw new PolicyError('in_use', `group ${id} is still referred to`, {
          entries: entries.map((e) => Number(e.id)),
          assignments: assignments.map((a) => Number(a.id)),
          groups: dependents,
        });
      }
      await trx.deleteFrom(t.groupContact).where('group_id', '=', id).execute();
      await dropGroupMembers(trx, this.#w.ctx, id);
      await trx.deleteFrom(t.group).where('id', '=', id).execute();
      return { targetId: id, before: row, after: null, result: undefined };
    });
  }

  /**
   * Recomputes the materialised members of every non-tokenized smart group of the domain (and materialises them,
   * also over a host's own contact table), in one audited write; returns how many groups were refreshed.
   */
  async refreshGroups(): Promise<number> {
    return this.#w.write('groups.refresh', 'group', async (trx) => {
      const refreshed = await refreshGroupMembers(trx, this.#w.ctx, 'all');
      return { targetId: null, before: null, after: { refreshed }, result: refreshed };
    });
  }

  /** Sets a contact's status in a group (Added, Removed or Pending), recording its source (null: by hand). */
  async setMembership(input: MembershipInput): Promise<void> {
    const m = parseInput(membershipInputSchema, input, 'membership');
    await this.#w.write('membership.set', 'group_contact', async (trx) => {
      const t = this.#w.ctx.tables;
      await this.#w.own(trx, t.group, m.groupId, 'unknown_group', 'group');
      await this.#w.contact(trx, m.contactId);
      const existing = await trx
        .selectFrom(t.groupContact)
        .select(['status', 'source'])
        .where('group_id', '=', m.groupId)
        .where('contact_id', '=', m.contactId)
        .executeTakeFirst();
      // The provenance is the last writer's: a change by hand (no source) makes the membership a hand-made one.
      const source = m.source ?? null;
      if (existing) {
        await trx
          .updateTable(t.groupContact)
          .set({ status: m.status, source })
          .where('group_id', '=', m.groupId)
          .where('contact_id', '=', m.contactId)
          .execute();
      } else {
        await trx.insertInto(t.groupContact).values({ group_id: m.groupId, contact_id: m.contactId, status: m.status, source }).execute();
      }
      await refreshContactMembers(trx, this.#w.ctx, m.contactId);
      return { targetId: `${m.groupId}:${m.contactId}`, before: existing ?? null, after: m, result: undefined };
    });
  }

  /** Forgets a contact's membership row in a group entirely (neither Added, Removed nor Pending). */
  async removeMembership(input: { groupId: number; contactId: number }): Promise<void> {
    const m = parseInput(membershipInputSchema.omit({ status: true }), input, 'membership');
    await this.#w.write('membership.remove', 'group_contact', async (trx) => {
      const t = this.#w.ctx.tables;
      await this.#w.own(trx, t.group, m.groupId, 'unknown_group', 'group');
      await trx.deleteFrom(t.groupContact).where('group_id', '=', m.groupId).where('contact_id', '=', m.contactId).execute();
      await refreshContactMembers(trx, this.#w.ctx, m.contactId);
      return { targetId: `${m.groupId}:${m.contactId}`, before: m, after: null, result: undefined };
    });
  }
}
