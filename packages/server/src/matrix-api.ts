import { entryInputSchema, entryPatchSchema, type Domain, type EntryDef } from '@rowguard/core';
import type { z } from 'zod';
import { AdminHttpError } from './admin-errors.js';
import type { cellCreateSchema, cellDeleteSchema, cellUpdateSchema } from './api-schemas.js';

/** One entry as a matrix cell shows it. */
export interface CellEntry {
  readonly id: number;
  readonly effect: 'allow' | 'deny';
  readonly operation: string;
  readonly priority: number;
}

/** The grant matrix: ACL roles as rows, groups (and "all contacts") as columns, the active entries per cell. */
export interface GrantMatrix {
  readonly version: number;
  readonly roles: readonly { readonly id: number; readonly name: string; readonly administrator: boolean; readonly active: boolean }[];
  readonly groups: readonly { readonly id: number; readonly name: string; readonly kind: 'static' | 'smart'; readonly active: boolean }[];
  /** Non-empty cells only, keyed `roleId:groupId` or `roleId:all`. */
  readonly cells: Readonly<Record<string, readonly CellEntry[]>>;
}

function cellKey(e: EntryDef): string | null {
  if (e.owner.type !== 'role' || !e.active || e.id === null) return null;
  if (e.object.type === 'all-contacts') return `${e.owner.id}:all`;
  if (e.object.type === 'group-members') return `${e.owner.id}:${e.object.groupId}`;
  return null;
}

/**
 * The grant matrix of a domain, from its current policy (sparse: a 300 x 300 matrix sends only its filled cells).
 *
 * @example
 * ```ts
 * const m = await grantMatrix(domain);
 * m.cells['3:all']; // [{ id: 12, effect: 'allow', operation: 'view', priority: 0 }]
 * ```
 */
export async function grantMatrix(domain: Domain): Promise<GrantMatrix> {
  const policy = await domain.policy();
  const cells: Record<string, CellEntry[]> = {};
  for (const e of policy.entries) {
    const key = cellKey(e);
    if (key === null) continue;
    (cells[key] ??= []).push({ id: e.id as number, effect: e.effect, operation: e.operation, priority: e.priority });
  }
  for (const list of Object.values(cells)) list.sort((a, b) => b.priority - a.priority || a.operation.localeCompare(b.operation));
  const byName = (a: { name: string }, b: { name: string }): number => a.name.localeCompare(b.name, 'en', { numeric: true });
  return {
    version: policy.version,
    roles: [...policy.roles.values()].map((r) => ({ id: r.id, name: r.name, administrator: r.isAdministrator, active: r.active })).sort(byName),
    groups: [...policy.groups.values()].map((g) => ({ id: g.id, name: g.name, kind: g.kind, active: g.active })).sort(byName),
    cells,
  };
}

/** The matrix entry `id`, or a 404 when it is not a role's entry on a group or on all contacts. */
async function matrixEntry(domain: Domain, id: number): Promise<EntryDef> {
  const entry = (await domain.policy()).entries.find((e) => e.id === id);
  if (!entry || cellKey(entry) === null) throw new AdminHttpError(404, 'unknown_entry', `entry ${id} is not in the grant matrix`);
  return entry;
}

/**
 * Adds an entry to a cell through the audited write API (the same input schema as `PolicyAdmin.createEntry`).
 *
 * @example
 * ```ts
 * await createCellEntry(domain, 'alice', { roleId: 3, groupId: 7, effect: 'allow', operation: 'view', priority: 0 });
 * ```
 */
export async function createCellEntry(domain: Domain, actor: string, input: z.output<typeof cellCreateSchema>): Promise<{ id: number }> {
  const entry = entryInputSchema.parse({
    effect: input.effect,
    operation: input.operation,
    owner: { type: 'role', id: input.roleId },
    object: input.groupId === null ? { type: 'all-contacts' } : { type: 'group-members', groupId: input.groupId },
    priority: input.priority,
  });
  return { id: await domain.admin(actor).createEntry(entry) };
}

/**
 * Changes a cell's entry (effect, operation, priority) through the audited write API.
 *
 * @example
 * ```ts
 * await updateCellEntry(domain, 'alice', { entryId: 12, effect: 'deny' });
 * ```
 */
export async function updateCellEntry(domain: Domain, actor: string, input: z.output<typeof cellUpdateSchema>): Promise<void> {
  await matrixEntry(domain, input.entryId);
  const { entryId, ...patch } = input;
  const given = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined));
  await domain.admin(actor).updateEntry(entryId, entryPatchSchema.parse(given));
}

/**
 * Removes a cell's entry through the audited write API.
 *
 * @example
 * ```ts
 * await deleteCellEntry(domain, 'alice', { entryId: 12 });
 * ```
 */
export async function deleteCellEntry(domain: Domain, actor: string, input: z.output<typeof cellDeleteSchema>): Promise<void> {
  await matrixEntry(domain, input.entryId);
  await domain.admin(actor).deleteEntry(input.entryId);
}
