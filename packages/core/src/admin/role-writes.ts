import { PolicyError } from '../model/engine-errors.js';
import {
  assignmentInputSchema,
  idSchema,
  roleInputSchema,
  rolePatchSchema,
  rolePermissionInputSchema,
  type AssignmentInput,
  type RoleInput,
  type RolePatch,
  type RolePermissionInput,
} from './admin-schemas.js';
import { parseInput, type AdminWriter } from './admin-writer.js';

/**
 * Writes of ACL roles, their assignments to contacts and static groups, and the functional permissions
 * granted to them. Behind {@link PolicyAdmin}'s role, assignment and permission methods, which document each
 * call.
 *
 * @example
 * ```ts
 * const roles = new RoleWrites(writer);
 * const sales = await roles.createRole({ name: 'Sales' });
 * await roles.assignRole({ roleId: sales, assignee: { type: 'contact', id: 7 } });
 * ```
 */
export class RoleWrites {
  readonly #w: AdminWriter;

  /** Writes through `writer` (its transaction, audit and reference checks). */
  constructor(writer: AdminWriter) {
    this.#w = writer;
  }

  /** Creates an ACL role. */
  async createRole(input: RoleInput): Promise<number> {
    const role = parseInput(roleInputSchema, input, 'role');
    return this.#w.write('role.create', 'role', async (trx) => {
      await this.#w.uniqueName(trx, this.#w.ctx.tables.role, 'name', role.name, null, 'role');
      const id = await this.#w.insert(trx, this.#w.ctx.tables.role, {
        domain_id: this.#w.ctx.domainId,
        name: role.name,
        is_administrator: role.isAdministrator ? 1 : 0,
        is_active: role.active ? 1 : 0,
      });
      return { targetId: id, before: null, after: { id, ...role }, result: id };
    });
  }

  /** Changes a role. */
  async updateRole(id: number, patch: RolePatch): Promise<void> {
    parseInput(idSchema, id, 'role id');
    const changes = parseInput(rolePatchSchema, patch, 'role change');
    await this.#w.write('role.update', 'role', async (trx) => {
      const row = await this.#w.own(trx, this.#w.ctx.tables.role, id, 'unknown_role', 'role');
      const set: Record<string, unknown> = {};
      if (changes.name !== undefined) {
        await this.#w.uniqueName(trx, this.#w.ctx.tables.role, 'name', changes.name, id, 'role');
        set.name = changes.name;
      }
      if (changes.isAdministrator !== undefined) set.is_administrator = changes.isAdministrator ? 1 : 0;
      if (changes.active !== undefined) set.is_active = changes.active ? 1 : 0;
      if (Object.keys(set).length > 0) await trx.updateTable(this.#w.ctx.tables.role).set(set).where('id', '=', id).execute();
      return { targetId: id, before: row, after: { ...row, ...set }, result: undefined };
    });
  }

  /** Deletes a role with its assignments and permissions. Refused (`in_use`) while entries are owned by it. */
  async deleteRole(id: number): Promise<void> {
    parseInput(idSchema, id, 'role id');
    await this.#w.write('role.delete', 'role', async (trx) => {
      const t = this.#w.ctx.tables;
      const row = await this.#w.own(trx, t.role, id, 'unknown_role', 'role');
      const owned = await trx.selectFrom(t.entry).select('id').where('owner_type', '=', 'role').where('owner_id', '=', id).execute();
      if (owned.length > 0) {
        throw new PolicyError('in_use', `role ${id} still owns entries`, { entries: owned.map((e) => Number(e.id)) });
      }
      await trx.deleteFrom(t.roleAssignment).where('role_id', '=', id).execute();
      await trx.deleteFrom(t.rolePermission).where('role_id', '=', id).execute();
      await trx.deleteFrom(t.role).where('id', '=', id).execute();
      return { targetId: id, before: row, after: null, result: undefined };
    });
  }

  /** Assigns a role to a contact or to a static group (whose Added members then hold it). */
  async assignRole(input: AssignmentInput): Promise<number> {
    const a = parseInput(assignmentInputSchema, input, 'role assignment');
    return this.#w.write('role.assign', 'role_assignment', async (trx) => {
      const t = this.#w.ctx.tables;
      await this.#w.own(trx, t.role, a.roleId, 'unknown_role', 'role');
      await this.#w.checkOwner(trx, a.assignee);
      const existing = await trx
        .selectFrom(t.roleAssignment)
        .select('id')
        .where('role_id', '=', a.roleId)
        .where('assignee_type', '=', a.assignee.type)
        .where('assignee_id', '=', a.assignee.id)
        .executeTakeFirst();
      if (existing) {
        throw new PolicyError('duplicate', `role ${a.roleId} is already assigned to that ${a.assignee.type}`, {
          assignmentId: Number(existing.id),
        });
      }
      const id = await this.#w.insert(trx, t.roleAssignment, {
        domain_id: this.#w.ctx.domainId,
        role_id: a.roleId,
        assignee_type: a.assignee.type,
        assignee_id: a.assignee.id,
        is_active: a.active ? 1 : 0,
      });
      return { targetId: id, before: null, after: { id, ...a }, result: id };
    });
  }

  /** Removes a role assignment. */
  async unassignRole(assignmentId: number): Promise<void> {
    parseInput(idSchema, assignmentId, 'assignment id');
    await this.#w.write('role.unassign', 'role_assignment', async (trx) => {
      const row = await this.#w.own(trx, this.#w.ctx.tables.roleAssignment, assignmentId, 'unknown_assignment', 'role assignment');
      await trx.deleteFrom(this.#w.ctx.tables.roleAssignment).where('id', '=', assignmentId).execute();
      return { targetId: assignmentId, before: row, after: null, result: undefined };
    });
  }

  /** Grants a functional permission (a known name) to a role. */
  async grantPermission(input: RolePermissionInput): Promise<void> {
    const p = parseInput(rolePermissionInputSchema, input, 'role permission');
    if (!this.#w.ctx.registry.has(p.permission)) {
      throw new PolicyError('invalid_input', `unknown permission '${p.permission}'`, { permission: p.permission });
    }
    await this.#w.write('permission.grant', 'role_permission', async (trx) => {
      const t = this.#w.ctx.tables;
      await this.#w.own(trx, t.role, p.roleId, 'unknown_role', 'role');
      const existing = await trx
        .selectFrom(t.rolePermission)
        .select('role_id')
        .where('role_id', '=', p.roleId)
        .where('permission', '=', p.permission)
        .executeTakeFirst();
      if (!existing) await trx.insertInto(t.rolePermission).values({ role_id: p.roleId, permission: p.permission }).execute();
      return { targetId: `${p.roleId}:${p.permission}`, before: existing ? p : null, after: p, result: undefined };
    });
  }

  /** Revokes a functional permission from a role. */
  async revokePermission(input: RolePermissionInput): Promise<void> {
    const p = parseInput(rolePermissionInputSchema, input, 'role permission');
    await this.#w.write('permission.revoke', 'role_permission', async (trx) => {
      const t = this.#w.ctx.tables;
      await this.#w.own(trx, t.role, p.roleId, 'unknown_role', 'role');
      await trx.deleteFrom(t.rolePermission).where('role_id', '=', p.roleId).where('permission', '=', p.permission).execute();
      return { targetId: `${p.roleId}:${p.permission}`, before: p, after: null, result: undefined };
    });
  }
}
