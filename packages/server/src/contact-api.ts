import type { ContactRecord, Domain, Operation } from '@rowguard/core';

/**
 * Contacts matching what someone typed: an id, a host user id, or part of a sort name (among the first 10,000
 * contacts; type an id for the rest).
 *
 * @example
 * ```ts
 * await searchContacts(domain, 'tran', 20); // [{ id: 3, sortName: 'Tran, Minh', ... }]
 * ```
 */
export async function searchContacts(domain: Domain, q: string, limit: number): Promise<ContactRecord[]> {
  const text = q.trim();
  if (/^\d+$/.test(text)) return domain.findContacts({ where: { field: 'id', op: '=', value: Number(text) }, limit: 1, withDeleted: true });
  if (text !== '') {
    const linked = await domain.userLinks().contactOf(text);
    if (linked !== null) return domain.findContacts({ where: { field: 'id', op: '=', value: linked }, limit: 1, withDeleted: true });
  }
  const needle = text.toLowerCase();
  const page = await domain.findContacts({ limit: 10_000 });
  return page.filter((c) => needle === '' || (c.sortName ?? '').toLowerCase().includes(needle)).slice(0, limit);
}

/**
 * The reverse lookup of a contact, with the contact itself and the user linked to it.
 *
 * @example
 * ```ts
 * const answer = await whoCanView(domain, 'view', 12);
 * answer.report.holders.length;
 * ```
 */
export async function whoCanView(domain: Domain, operation: Operation, contactId: number): Promise<Record<string, unknown>> {
  const started = performance.now();
  const report = await domain.whoCan(operation, contactId);
  const ms = performance.now() - started;
  const [contact] = await domain.findContacts({ where: { field: 'id', op: '=', value: contactId }, limit: 1, withDeleted: true });
  const names = new Map<number, string>();
  const ids = [...new Set(report.holders.filter((h) => h.holder.type === 'contact').map((h) => (h.holder as { id: number }).id))].slice(0, 200);
  for (const id of ids) {
    const [c] = await domain.findContacts({ where: { field: 'id', op: '=', value: id }, limit: 1, withDeleted: true });
    if (c?.sortName) names.set(id, c.sortName);
  }
  return { contact: contact ?? null, report: report.toJSON(), names: Object.fromEntries(names), lookupMs: Math.round(ms * 10) / 10 };
}
