import type { Kysely } from 'kysely';

/**
 * Inserts `count` plain contacts into a domain in bulk (a fixture: the engine's reference contact table, no
 * audit) and returns their ids in order.
 */
export async function bulkContacts(db: Kysely<any>, domainId: number, count: number, prefix: string): Promise<number[]> {
  for (let start = 0; start < count; start += 500) {
    const rows = Array.from({ length: Math.min(500, count - start) }, (_, i) => ({
      domain_id: domainId,
      contact_key: `${prefix}${start + i}`,
      contact_type: 'Individual',
      sort_name: `${prefix}${start + i}`,
      is_deleted: 0,
    }));
    await db.insertInto('rg_contact').values(rows).execute();
  }
  const rows = await db.selectFrom('rg_contact').select('id').where('domain_id', '=', domainId).where('contact_key', 'like', `${prefix}%`).orderBy('id').execute();
  return rows.map((r) => Number(r.id));
}
