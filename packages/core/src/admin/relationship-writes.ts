import { PolicyError } from '../model/engine-errors.js';
import {
  idSchema,
  relationshipInputSchema,
  relationshipPatchSchema,
  relationshipTypeInputSchema,
  relationshipTypePatchSchema,
  type RelationshipInput,
  type RelationshipPatch,
  type RelationshipTypeInput,
  type RelationshipTypePatch,
} from './admin-schemas.js';
import { parseInput, type AdminWriter } from './admin-writer.js';

/**
 * Writes of relationship types (a permission in each direction) and of the relationships between contacts
 * of this domain. Behind {@link PolicyAdmin}'s relationship methods, which document each call.
 *
 * @example
 * ```ts
 * const relationships = new RelationshipWrites(writer);
 * const employee = await relationships.createRelationshipType({ name: 'Employee of', permissionBA: 'edit' });
 * await relationships.createRelationship({ typeId: employee, contactA: 7, contactB: 3 });
 * ```
 */
export class RelationshipWrites {
  readonly #w: AdminWriter;

  /** Writes through `writer` (its transaction, audit and reference checks). */
  constructor(writer: AdminWriter) {
    this.#w = writer;
  }

  /** Creates a relationship type with a permission in each direction (`none`, `view` or `edit`). */
  async createRelationshipType(input: RelationshipTypeInput): Promise<number> {
    const r = parseInput(relationshipTypeInputSchema, input, 'relationship type');
    return this.#w.write('relationship_type.create', 'relationship_type', async (trx) => {
      await this.#w.uniqueName(trx, this.#w.ctx.tables.relationshipType, 'name', r.name, null, 'relationship type');
      const id = await this.#w.insert(trx, this.#w.ctx.tables.relationshipType, {
        domain_id: this.#w.ctx.domainId,
        name: r.name,
        name_b_a: r.nameBA ?? null,
        permission_a_b: r.permissionAB,
        permission_b_a: r.permissionBA,
        is_active: r.active ? 1 : 0,
      });
      return { targetId: id, before: null, after: { id, ...r }, result: id };
    });
  }

  /** Changes a relationship type (names, permissions, active flag). */
  async updateRelationshipType(id: number, patch: RelationshipTypePatch): Promise<void> {
    parseInput(idSchema, id, 'relationship type id');
    const c = parseInput(relationshipTypePatchSchema, patch, 'relationship type change');
    await this.#w.write('relationship_type.update', 'relationship_type', async (trx) => {
      const t = this.#w.ctx.tables.relationshipType;
      const row = await this.#w.own(trx, t, id, 'unknown_relationship_type', 'relationship type');
      const set: Record<string, unknown> = {};
      if (c.name !== undefined) {
        await this.#w.uniqueName(trx, t, 'name', c.name, id, 'relationship type');
        set.name = c.name;
      }
      if (c.nameBA !== undefined) set.name_b_a = c.nameBA;
      if (c.permissionAB !== undefined) set.permission_a_b = c.permissionAB;
      if (c.permissionBA !== undefined) set.permission_b_a = c.permissionBA;
      if (c.active !== undefined) set.is_active = c.active ? 1 : 0;
      if (Object.keys(set).length > 0) await trx.updateTable(t).set(set).where('id', '=', id).execute();
      return { targetId: id, before: row, after: { ...row, ...set }, result: undefined };
    });
  }

  /** Deletes a relationship type. Refused (`in_use`) while relationships of that type exist or entries name it. */
  async deleteRelationshipType(id: number): Promise<void> {
    parseInput(idSchema, id, 'relationship type id');
    await this.#w.write('relationship_type.delete', 'relationship_type', async (trx) => {
      const t = this.#w.ctx.tables;
      const row = await this.#w.own(trx, t.relationshipType, id, 'unknown_relationship_type', 'relationship type');
      const used = await trx.selectFrom(t.relationship).select('id').where('type_id', '=', id).execute();
      const entries = await trx.selectFrom(t.entry).select('id').where('object_type', '=', 'related').where('object_id', '=', id).execute();
      if (used.length + entries.length > 0) {
        throw new PolicyError('in_use', `relationship type ${id} is still in use`, {
          relationships: used.map((r) => Number(r.id)),
          entries: entries.map((e) => Number(e.id)),
        });
      }
      await trx.deleteFrom(t.relationshipType).where('id', '=', id).execute();
      return { targetId: id, before: row, after: null, result: undefined };
    });
  }

  /** Relates two contacts of this domain: A is `<type>` of B, active, between optional inclusive dates. */
  async createRelationship(input: RelationshipInput): Promise<number> {
    const r = parseInput(relationshipInputSchema, input, 'relationship');
    return this.#w.write('relationship.create', 'relationship', async (trx) => {
      await this.#w.own(trx, this.#w.ctx.tables.relationshipType, r.typeId, 'unknown_relationship_type', 'relationship type');
      await this.#w.contact(trx, r.contactA);
      await this.#w.contact(trx, r.contactB);
      const id = await this.#w.insert(trx, this.#w.ctx.tables.relationship, {
        domain_id: this.#w.ctx.domainId,
        type_id: r.typeId,
        contact_a: r.contactA,
        contact_b: r.contactB,
        is_active: r.active ? 1 : 0,
        start_date: r.startDate ?? null,
        end_date: r.endDate ?? null,
      });
      return { targetId: id, before: null, after: { id, ...r }, result: id };
    });
  }

  /** Changes a relationship's active flag or dates (reversed dates are refused). */
  async updateRelationship(id: number, patch: RelationshipPatch): Promise<void> {
    parseInput(idSchema, id, 'relationship id');
    const c = parseInput(relationshipPatchSchema, patch, 'relationship change');
    await this.#w.write('relationship.update', 'relationship', async (trx) => {
      const t = this.#w.ctx.tables.relationship;
      const row = await this.#w.own(trx, t, id, 'unknown_relationship', 'relationship');
      const start = c.startDate !== undefined ? c.startDate : row.start_date;
      const end = c.endDate !== undefined ? c.endDate : row.end_date;
      if (start && end && start > end) {
        throw new PolicyError('invalid_input', `the dates are reversed (end ${end} before start ${start})`, { startDate: start, endDate: end });
      }
      const set: Record<string, unknown> = {};
      if (c.active !== undefined) set.is_active = c.active ? 1 : 0;
      if (c.startDate !== undefined) set.start_date = c.startDate;
      if (c.endDate !== undefined) set.end_date = c.endDate;
      if (Object.keys(set).length > 0) await trx.updateTable(t).set(set).where('id', '=', id).execute();
      return { targetId: id, before: row, after: { ...row, ...set }, result: undefined };
    });
  }

  /** Deletes a relationship. */
  async deleteRelationship(id: number): Promise<void> {
    parseInput(idSchema, id, 'relationship id');
    await this.#w.write('relationship.delete', 'relationship', async (trx) => {
      const row = await this.#w.own(trx, this.#w.ctx.tables.relationship, id, 'unknown_relationship', 'relationship');
      await trx.deleteFrom(this.#w.ctx.tables.relationship).where('id', '=', id).execute();
      return { targetId: id, before: row, after: null, result: undefined };
    });
  }
}
