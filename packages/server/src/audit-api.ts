import type { AuditRecord, Domain } from '@rowguard/core';
import type { z } from 'zod';
import type { auditQuerySchema } from './api-schemas.js';

/** How many of the newest audit rows the filters look through. */
export const AUDIT_WINDOW = 10_000;

function timeOf(at: string): number {
  // Databases give `2026-11-26 05:01:02` or an ISO string; both are UTC.
  return Date.parse(at.includes('T') ? (at.endsWith('Z') || /[+-]\d\d:?\d\d$/.test(at) ? at : `${at}Z`) : `${at.replace(' ', 'T')}Z`);
}

/**
 * The audit log filtered by actor (part of the name), object (`entry`, `entry:12`, part of either) and time
 * range, newest first, among the newest {@link AUDIT_WINDOW} rows.
 *
 * @example
 * ```ts
 * await auditRows(domain, { actor: 'alice', object: 'entry', limit: 50 });
 * ```
 */
export async function auditRows(domain: Domain, q: z.output<typeof auditQuerySchema>): Promise<{ rows: AuditRecord[]; scanned: number }> {
  const all = await domain.auditLog({ limit: AUDIT_WINDOW });
  const actor = q.actor?.toLowerCase();
  const object = q.object?.toLowerCase();
  const from = q.from ? Date.parse(q.from.length === 10 ? `${q.from}T00:00:00Z` : `${q.from}Z`) : null;
  const to = q.to ? Date.parse(q.to.length === 10 ? `${q.to}T23:59:59.999Z` : `${q.to}Z`) : null;
  const rows = all.filter((r) => {
    if (actor && !r.actor.toLowerCase().includes(actor)) return false;
    if (object && !`${r.targetType}:${r.targetId ?? ''}`.toLowerCase().includes(object)) return false;
    const t = timeOf(r.at);
    if (from !== null && t < from) return false;
    if (to !== null && t > to) return false;
    return true;
  });
  return { rows: rows.slice(0, q.limit), scanned: all.length };
}
