import { z } from 'zod';
import { attributeValueProblem } from '../model/attribute-names.js';
import { PolicyError } from '../model/engine-errors.js';
import { integerRange } from '../model/policy-limits.js';
import {
  contactInputSchema,
  contactPatchSchema,
  idSchema,
  userLinkInputSchema,
  type ContactInput,
  type ContactPatch,
  type UserLinkInput,
} from './admin-schemas.js';
import { parseInput, type AdminDb, type AdminWriter } from './admin-writer.js';
import { refreshContactMembers } from './group-member-refresh.js';

/**
 * Writes of contacts (the engine's reference table; refused with `host_managed` when the host's own contact
 * table is configured), their sub-types, and the links from host users to contacts. Behind
 * {@link PolicyAdmin}'s contact and user-link methods, which document each call.
 *
 * @example
 * ```ts
 * const contacts = new ContactWrites(writer);
 * const id = await contacts.createContact({ contactType: 'Individual', attributes: { country: 'VN' } });
 * await contacts.linkUser({ userId: 'drupal:17', contactId: id });
 * ```
 */
export class ContactWrites {
  readonly #w: AdminWriter;

  /** Writes through `writer` (its transaction, audit and reference checks). */
  constructor(writer: AdminWriter) {
    this.#w = writer;
  }

  /** Creates a contact in the engine's reference table (not available when the host's own contact table is configured). */
  async createContact(input: ContactInput): Promise<number> {
    this.#hostManaged();
    const c = parseInput(contactInputSchema, input, 'contact');
    const attributes = this.#attributeColumns(c.attributes);
    return this.#w.write('contact.create', 'contact', async (trx) => {
      const t = this.#w.ctx.tables;
      if (c.key) await this.#w.uniqueName(trx, t.contact, 'contact_key', c.key, null, 'contact key');
      const id = await this.#w.insert(trx, t.contact, {
        domain_id: this.#w.ctx.domainId,
        contact_key: c.key ?? null,
        contact_type: c.contactType,
        sort_name: c.sortName ?? null,
        is_deleted: c.isDeleted ? 1 : 0,
        ...attributes,
      });
      await this.#setSubTypes(trx, id, c.subTypes);
      await refreshContactMembers(trx, this.#w.ctx, id);
      return { targetId: id, before: null, after: { id, ...c }, result: id };
    });
  }

  /** Changes a contact in the reference table (attributes, sub-types, type, deleted flag). */
  async updateContact(id: number, patch: ContactPatch): Promise<void> {
    this.#hostManaged();
    parseInput(idSchema, id, 'contact id');
    const c = parseInput(contactPatchSchema, patch, 'contact change');
    const attributes = this.#attributeColumns(c.attributes ?? {});
    await this.#w.write('contact.update', 'contact', async (trx) => {
      const t = this.#w.ctx.tables;
      await this.#w.contact(trx, id);
      const before = await this.#w.row(trx, t.contact, id);
      const set: Record<string, unknown> = { ...attributes };
      if (c.key !== undefined) {
        if (c.key) await this.#w.uniqueName(trx, t.contact, 'contact_key', c.key, id, 'contact key');
        set.contact_key = c.key;
      }
      if (c.contactType !== undefined) set.contact_type = c.contactType;
      if (c.sortName !== undefined) set.sort_name = c.sortName;
      if (c.isDeleted !== undefined) set.is_deleted = c.isDeleted ? 1 : 0;
      if (Object.keys(set).length > 0) await trx.updateTable(t.contact).set(set).where('id', '=', id).execute();
      if (c.subTypes) await this.#setSubTypes(trx, id, c.subTypes);
      await refreshContactMembers(trx, this.#w.ctx, id);
      return { targetId: id, before, after: { ...before, ...set, subTypes: c.subTypes }, result: undefined };
    });
  }

  /** Sets a contact's sub-types (also for host-managed contacts: sub-types live in the engine's table). */
  async setSubTypes(contactId: number, subTypes: readonly string[]): Promise<void> {
    parseInput(idSchema, contactId, 'contact id');
    const list = parseInput(z.array(z.string().min(1).max(64)).max(50), subTypes, 'sub-types');
    await this.#w.write('contact.subtypes', 'contact', async (trx) => {
      await this.#w.contact(trx, contactId);
      await this.#setSubTypes(trx, contactId, list);
      await refreshContactMembers(trx, this.#w.ctx, contactId);
      return { targetId: contactId, before: null, after: { subTypes: list }, result: undefined };
    });
  }

  /** Links a host user to a contact (at most one contact per user and one user per contact, per domain). */
  async linkUser(input: UserLinkInput): Promise<void> {
    const l = parseInput(userLinkInputSchema, input, 'user link');
    await this.#w.write('user.link', 'user_link', async (trx) => {
      const { tables: t, domainId } = this.#w.ctx;
      await this.#w.contact(trx, l.contactId);
      const clash = await trx
        .selectFrom(t.userLink)
        .select(['user_id', 'contact_id'])
        .where('domain_id', '=', domainId)
        .where((eb) => eb.or([eb('user_id', '=', l.userId), eb('contact_id', '=', l.contactId)]))
        .execute();
      const same = clash.find((r) => r.user_id === l.userId && Number(r.contact_id) === l.contactId);
      if (!same && clash.length > 0) {
        throw new PolicyError('duplicate', `user '${l.userId}' or contact ${l.contactId} is already linked`, { links: clash });
      }
      if (!same) await trx.insertInto(t.userLink).values({ domain_id: domainId, user_id: l.userId, contact_id: l.contactId }).execute();
      return { targetId: l.userId, before: same ?? null, after: l, result: undefined };
    });
  }

  /** Removes a user's link to its contact. */
  async unlinkUser(userId: string): Promise<void> {
    const u = parseInput(userLinkInputSchema.shape.userId, userId, 'user id');
    await this.#w.write('user.unlink', 'user_link', async (trx) => {
      const t = this.#w.ctx.tables;
      const row = await trx.selectFrom(t.userLink).selectAll().where('domain_id', '=', this.#w.ctx.domainId).where('user_id', '=', u).executeTakeFirst();
      await trx.deleteFrom(t.userLink).where('domain_id', '=', this.#w.ctx.domainId).where('user_id', '=', u).execute();
      return { targetId: u, before: row ?? null, after: null, result: undefined };
    });
  }

  /** Throws `host_managed` when contacts live in the host's own table. */
  #hostManaged(): void {
    if (this.#w.ctx.contacts.table) {
      throw new PolicyError('host_managed', `contacts live in the host table '${this.#w.ctx.contacts.table}'; write them there`, {});
    }
  }

  /** Checks attribute names and values against the configured columns and the dialect's range. */
  #attributeColumns(attributes: Record<string, string | number | null>): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    const range = integerRange(this.#w.ctx.dialect);
    for (const [name, value] of Object.entries(attributes)) {
      const info = Object.hasOwn(this.#w.ctx.contacts.attributes, name) ? this.#w.ctx.contacts.attributes[name] : undefined;
      if (!info) throw new PolicyError('invalid_input', `unknown contact attribute '${name}'`, { attribute: name });
      const bad = attributeValueProblem(name, info.type, value, range);
      if (bad) throw new PolicyError(bad.code, bad.message, { attribute: name, value, type: info.type, min: range.min, max: range.max, dialect: this.#w.ctx.dialect });
      out[name] = value;
    }
    return out;
  }

  /** Replaces a contact's sub-types. */
  async #setSubTypes(trx: AdminDb, contactId: number, subTypes: readonly string[]): Promise<void> {
    const t = this.#w.ctx.tables;
    await trx.deleteFrom(t.contactSubType).where('contact_id', '=', contactId).execute();
    const unique = [...new Set(subTypes)];
    if (unique.length > 0) {
      await trx.insertInto(t.contactSubType).values(unique.map((s) => ({ contact_id: contactId, sub_type: s }))).execute();
    }
  }
}
