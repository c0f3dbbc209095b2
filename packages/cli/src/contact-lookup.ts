import { sql } from 'kysely';
import { CliError, EXIT } from './cli-errors.js';
import type { Domain, Rowguard } from '@rowguard/core';

/**
 * A contact as the CLI shows it.
 *
 * @example
 * ```ts
 * const c: ContactRow = { id: 3, key: 'mgr-vn', name: 'Tran, Minh', type: 'Individual', deleted: false, subTypes: ['manager'], attributes: { country: 'VN' } };
 * ```
 */
export interface ContactRow {
  readonly id: number;
  readonly key: string | null;
  readonly name: string | null;
  readonly type: string;
  readonly deleted: boolean;
  readonly subTypes: readonly string[];
  readonly attributes: Readonly<Record<string, string | number | null>>;
}

/**
 * The id of the contact with this key in the domain; an unknown key exits 2.
 *
 * @example
 * ```ts
 * await contactIdByKey(engine, domain, 'mgr-vn'); // 3
 * ```
 */
export async function contactIdByKey(engine: Rowguard, domain: Domain, key: string): Promise<number> {
  const row = await engine.db
    .selectFrom(engine.tables.contact)
    .select('id')
    .where('domain_id', '=', domain.id)
    .where('contact_key', '=', key)
    .executeTakeFirst();
  if (!row) throw new CliError('unknown_contact', `no contact with key '${key}' in domain '${domain.name}'`, EXIT.badInput);
  return Number(row.id);
}

/**
 * The id given by `--contact-id` / `--as-contact-id` (for contacts that have no key), checked to be a contact of
 * the domain; anything else exits 2.
 *
 * @example
 * ```ts
 * await contactIdById(engine, domain, '12', '--contact-id'); // 12
 * ```
 */
export async function contactIdById(engine: Rowguard, domain: Domain, raw: string, option: string): Promise<number> {
  const id = /^[1-9]\d{0,14}$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(id)) throw new CliError('usage', `${option} must be a contact id (a positive whole number), got '${raw}'`, EXIT.badInput);
  const row = await engine.db.selectFrom(engine.tables.contact).select('id').where('domain_id', '=', domain.id).where('id', '=', id).executeTakeFirst();
  if (!row) throw new CliError('unknown_contact', `no contact with id ${id} in domain '${domain.name}'`, EXIT.badInput);
  return id;
}

/**
 * The contact a command acts on: the `<contact-key>` positional or `--contact-id <id>` (exactly one).
 *
 * @example
 * ```ts
 * await contactTarget(engine, domain, { key: undefined, id: '12' }); // { id: 12, key: null, label: 'contact #12' }
 * ```
 */
export async function contactTarget(
  engine: Rowguard,
  domain: Domain,
  given: { key: string | undefined; id: string | undefined },
): Promise<{ id: number; key: string | null; label: string }> {
  if ((given.key === undefined) === (given.id === undefined)) {
    throw new CliError('usage', 'say which contact: a <contact-key> or --contact-id <id> (exactly one)', EXIT.badInput);
  }
  if (given.key !== undefined) return { id: await contactIdByKey(engine, domain, given.key), key: given.key, label: given.key };
  const id = await contactIdById(engine, domain, given.id as string, '--contact-id');
  return { id, key: null, label: `contact #${id}` };
}

/**
 * Loads contacts by id (key, name, type, sub-types, attribute values), in the order of `ids`.
 *
 * @example
 * ```ts
 * const rows = await loadContacts(engine, [3, 4]);
 * ```
 */
export async function loadContacts(engine: Rowguard, ids: readonly number[]): Promise<ContactRow[]> {
  const attributes = Object.keys(engine.config.contacts.attributes);
  const byId = new Map<number, ContactRow>();
  for (let i = 0; i < ids.length; i += 500) {
    const part = ids.slice(i, i + 500);
    if (part.length === 0) continue;
    const [rows, subRows] = await Promise.all([
      engine.db
        .selectFrom(engine.tables.contact)
        .select(['id', 'contact_key', 'sort_name', 'contact_type', 'is_deleted', ...attributes])
        .where('id', 'in', part)
        .execute(),
      engine.db.selectFrom(engine.tables.contactSubType).select(['contact_id', 'sub_type']).where('contact_id', 'in', part).execute(),
    ]);
    const subs = new Map<number, string[]>();
    for (const r of subRows) subs.set(Number(r.contact_id), [...(subs.get(Number(r.contact_id)) ?? []), String(r.sub_type)].sort());
    for (const r of rows) {
      const id = Number(r.id);
      const values: Record<string, string | number | null> = {};
      for (const a of attributes) {
        const v = (r as Record<string, unknown>)[a];
        values[a] = v === null || v === undefined ? null : engine.config.contacts.attributes[a]?.type === 'integer' ? Number(v) : String(v);
      }
      byId.set(id, {
        id,
        key: r.contact_key === null || r.contact_key === undefined ? null : String(r.contact_key),
        name: r.sort_name === null || r.sort_name === undefined ? null : String(r.sort_name),
        type: String(r.contact_type),
        deleted: Number(r.is_deleted) === 1 || r.is_deleted === true,
        subTypes: subs.get(id) ?? [],
        attributes: values,
      });
    }
  }
  return ids.flatMap((id) => {
    const row = byId.get(id);
    return row ? [row] : [];
  });
}

/**
 * Every contact id of a domain, in id order (for reports over a small domain such as the demo's).
 *
 * @example
 * ```ts
 * const all = await domainContactIds(engine, domain);
 * ```
 */
export async function domainContactIds(engine: Rowguard, domain: Domain): Promise<number[]> {
  const { rows } = await sql<{ id: unknown }>`select id from ${sql.table(engine.tables.contact)} where domain_id = ${domain.id} order by id`.execute(engine.db);
  return rows.map((r) => Number(r.id));
}

/**
 * A contact for people: `'Tran, Minh' (mgr-vn)`, or its key or id when it has no name.
 *
 * @example
 * ```ts
 * contactLabel({ id: 3, key: 'mgr-vn', name: 'Tran, Minh' }); // "Tran, Minh (mgr-vn)"
 * ```
 */
export function contactLabel(c: { id: number; key: string | null; name: string | null } | undefined, fallbackId?: number): string {
  if (!c) return `contact #${fallbackId ?? '?'}`;
  if (c.name && c.key) return `${c.name} (${c.key})`;
  return c.key ?? c.name ?? `contact #${c.id}`;
}
