import type { z } from 'zod';
import { PolicyError } from '../model/engine-errors.js';
import { flag, objectFromRow, ownerFromRow } from '../store/policy-store.js';
import { entryInputSchema, entryPatchSchema, idSchema, type EntryInput, type EntryPatch } from './admin-schemas.js';
import { parseInput, type AdminWriter } from './admin-writer.js';

/**
 * Writes of ACL entries: owner and object checked in this domain, keys unique; a delegated entry only switches
 * on or off. Behind {@link PolicyAdmin}'s entry methods, which document each call.
 *
 * @example
 * ```ts
 * const entries = new EntryWrites(writer);
 * await entries.createEntry({ effect: 'allow', operation: 'view', owner: { type: 'everyone' }, object: { type: 'all-contacts' } });
 * ```
 */
export class EntryWrites {
  readonly #w: AdminWriter;

  /** Writes through `writer` (its transaction, audit and reference checks). */
  constructor(writer: AdminWriter) {
    this.#w = writer;
  }

  /** Adds an entry. Its owner and object must exist in this domain; a group owner must be static. */
  async createEntry(input: EntryInput): Promise<number> {
    const entry = parseInput(entryInputSchema, input, 'entry');
    return this.#w.write('entry.create', 'entry', async (trx) => {
      await this.#w.checkOwner(trx, entry.owner);
      await this.#w.checkObject(trx, entry.object);
      if (entry.key) await this.#w.uniqueName(trx, this.#w.ctx.tables.entry, 'entry_key', entry.key, null, 'entry key');
      const id = await this.#w.insert(trx, this.#w.ctx.tables.entry, { domain_id: this.#w.ctx.domainId, ...this.#entryRow(entry) });
      return { targetId: id, before: null, after: { id, ...entry }, result: id };
    });
  }

  /** Changes an entry (any of its fields). */
  async updateEntry(id: number, patch: EntryPatch): Promise<void> {
    parseInput(idSchema, id, 'entry id');
    const changes = parseInput(entryPatchSchema, patch, 'entry change');
    await this.#w.write('entry.update', 'entry', async (trx) => {
      const row = await this.#w.own(trx, this.#w.ctx.tables.entry, id, 'unknown_entry', 'entry');
      if (row.object_type === 'delegation') {
        // A delegated entry follows its parent; only switching it on or off is a change of its own.
        const keys = Object.keys(changes).filter((k) => (changes as Record<string, unknown>)[k] !== undefined);
        if (keys.some((k) => k !== 'active')) {
          throw new PolicyError('invalid_input', `entry ${id} is a delegation: only 'active' can change; delegate again instead`, { id });
        }
        if (changes.active !== undefined) await trx.updateTable(this.#w.ctx.tables.entry).set({ is_active: changes.active ? 1 : 0 }).where('id', '=', id).execute();
        return { targetId: id, before: row, after: { ...row, is_active: changes.active ? 1 : 0 }, result: undefined };
      }
      const before = this.#entryFromRow(row);
      const merged = parseInput(entryInputSchema, { ...before, ...changes }, 'entry');
      if (changes.owner) await this.#w.checkOwner(trx, merged.owner);
      if (changes.object) await this.#w.checkObject(trx, merged.object);
      if (changes.key) await this.#w.uniqueName(trx, this.#w.ctx.tables.entry, 'entry_key', changes.key, id, 'entry key');
      await trx.updateTable(this.#w.ctx.tables.entry).set(this.#entryRow(merged)).where('id', '=', id).execute();
      return { targetId: id, before, after: merged, result: undefined };
    });
  }

  /** Removes an entry. */
  async deleteEntry(id: number): Promise<void> {
    parseInput(idSchema, id, 'entry id');
    await this.#w.write('entry.delete', 'entry', async (trx) => {
      const row = await this.#w.own(trx, this.#w.ctx.tables.entry, id, 'unknown_entry', 'entry');
      const dependents = await trx.selectFrom(this.#w.ctx.tables.entry).select('id').where('parent_entry_id', '=', id).execute();
      await trx.deleteFrom(this.#w.ctx.tables.entry).where('id', '=', id).execute();
      return { targetId: id, before: row.object_type === 'delegation' ? row : this.#entryFromRow(row), after: { orphanedDelegations: dependents.map((e) => Number(e.id)) }, result: undefined };
    });
  }

  /** An entry as its table row (without domain). */
  #entryRow(e: z.output<typeof entryInputSchema>): Record<string, unknown> {
    const o = e.object;
    return {
      entry_key: e.key ?? null,
      effect: e.effect,
      operation: e.operation,
      owner_type: e.owner.type,
      owner_id: 'id' in e.owner ? e.owner.id : null,
      object_type: o.type,
      object_entity: o.type === 'entity' ? o.entity : o.type === 'related' ? o.permission : null,
      object_id:
        o.type === 'contact'
          ? o.id
          : o.type === 'group-members'
            ? o.groupId
            : o.type === 'entity'
              ? o.id
              : o.type === 'related'
                ? o.relationshipTypeId
                : null,
      priority: e.priority,
      is_active: e.active ? 1 : 0,
    };
  }

  /** A stored entry row as write-API input. */
  #entryFromRow(row: Record<string, any>): EntryInput {
    return {
      key: row.entry_key ?? null,
      effect: row.effect,
      operation: row.operation,
      owner: ownerFromRow(row.owner_type, row.owner_id),
      object: objectFromRow(row.object_type, row.object_entity, row.object_id) as EntryInput['object'],
      priority: Number(row.priority),
      active: flag(row.is_active),
    };
  }
}
