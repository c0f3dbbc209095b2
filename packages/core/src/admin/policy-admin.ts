/**
 * The write API (`admin/`). {@link PolicyAdmin} is the one class hosts, the CLI and extensions write policy
 * through; each of its methods delegates to the module of its aggregate: contacts and user links
 * (`contact-writes`), groups and memberships (`group-writes`), roles, assignments and role permissions
 * (`role-writes`), entries (`entry-writes`), relationship types and relationships (`relationship-writes`) and
 * delegations (`delegation-writes`). They all write through one {@link AdminWriter} (`admin-writer`), which
 * validates input with the zod schemas of `admin-schemas`, checks references in the domain, runs each write in a
 * transaction that bumps the domain version (so the very next decision in every process sees it) and writes an
 * audit row, and reports committed changes to `onChange`.
 */
import { sql, type Transaction } from 'kysely';
import { PolicyError } from '../model/engine-errors.js';
import type { AdminContext, ChangeRecord } from './admin-context.js';
import {
  actorSchema,
  type AssignmentInput,
  type ContactInput,
  type ContactPatch,
  type DelegationInput,
  type EntryInput,
  type EntryPatch,
  type GroupInput,
  type GroupPatch,
  type MembershipInput,
  type RelationshipInput,
  type RelationshipPatch,
  type RelationshipTypeInput,
  type RelationshipTypePatch,
  type RoleInput,
  type RolePatch,
  type RolePermissionInput,
  type UserLinkInput,
} from './admin-schemas.js';
import { AdminWriter, parseInput } from './admin-writer.js';
import { ContactWrites } from './contact-writes.js';
import { DelegationWrites } from './delegation-writes.js';
import { EntryWrites } from './entry-writes.js';
import { GroupWrites } from './group-writes.js';
import { RelationshipWrites } from './relationship-writes.js';
import { RoleWrites } from './role-writes.js';
import { UserSyncWrites, type UserSyncBatch, type UserSyncBatchResult } from './user-sync-writes.js';

export type { AdminContext, AuditRecord, ChangeRecord, DelegationContext } from './admin-context.js';

/**
 * The write API for one domain: contacts (reference table), user links, groups, memberships, roles, role
 * assignments, functional permissions per role, and entries. Every call validates its input with zod and its
 * references against the database, runs in a transaction, bumps the domain version (so the very next decision
 * in every process sees it) and writes an audit row; bad input throws {@link PolicyError} and writes nothing.
 *
 * @example
 * ```ts
 * const admin = domain.admin('alice@example.org');
 * const sales = await admin.createRole({ name: 'Sales' });
 * await admin.createEntry({ effect: 'allow', operation: 'view', owner: { type: 'role', id: sales }, object: { type: 'all-contacts' } });
 * ```
 */
export class PolicyAdmin {
  readonly #w: AdminWriter;
  readonly #contacts: ContactWrites;
  readonly #groups: GroupWrites;
  readonly #roles: RoleWrites;
  readonly #entries: EntryWrites;
  readonly #relationships: RelationshipWrites;
  readonly #delegations: DelegationWrites;
  readonly #sync: UserSyncWrites;

  constructor(ctx: AdminContext, actor: string, trx?: Transaction<any>, pending?: ChangeRecord[]) {
    this.#w = new AdminWriter(ctx, parseInput(actorSchema, actor, 'actor'), trx, pending);
    this.#contacts = new ContactWrites(this.#w);
    this.#groups = new GroupWrites(this.#w);
    this.#roles = new RoleWrites(this.#w);
    this.#entries = new EntryWrites(this.#w);
    this.#relationships = new RelationshipWrites(this.#w);
    this.#delegations = new DelegationWrites(this.#w);
    this.#sync = new UserSyncWrites(this.#w);
  }

  /**
   * Runs several writes in one transaction: all of them happen, or none. When the database aborts the
   * transaction for a conflict (a deadlock; on Galera a certification conflict), `fn` runs again from the start
   * in a new transaction, at most four times in all, then {@link WriteConflictError} is thrown: keep side effects
   * outside `fn`.
   *
   * @example
   * ```ts
   * await admin.transaction(async (tx) => {
   *   const g = await tx.createGroup({ name: 'VN', kind: 'static' });
   *   await tx.setMembership({ groupId: g, contactId: 7, status: 'Added' });
   * });
   * ```
   */
  async transaction<T>(fn: (admin: PolicyAdmin) => Promise<T>): Promise<T> {
    if (this.#w.trx) return fn(this);
    return this.#w.transaction((trx, pending) => fn(new PolicyAdmin(this.#w.ctx, this.#w.actor, trx, pending)));
  }

  /**
   * Like {@link PolicyAdmin.transaction}, but first takes the domain's write lock (a row lock on the domain:
   * `select ... for update` on MariaDB and PostgreSQL; on SQLite the database's write lock, taken up front), and
   * hands `fn` the transaction for its own reads. Whatever `fn` reads is then stable until the transaction ends:
   * no other writer of the domain gets in between a read and the writes based on it. Writers of the same domain
   * are serialised; a lock wait past the database's limit throws.
   *
   * @example
   * ```ts
   * await admin.lockedTransaction(async (tx, db) => {
   *   const n = await db.selectFrom('rg_entry').select(db.fn.countAll().as('n')).where('domain_id', '=', 1).executeTakeFirst();
   *   if (Number(n?.n) === 0) await tx.createEntry({ effect: 'allow', operation: 'view', owner: { type: 'everyone' }, object: { type: 'all-contacts' } });
   * });
   * ```
   */
  async lockedTransaction<T>(fn: (admin: PolicyAdmin, db: Transaction<any>) => Promise<T>): Promise<T> {
    return this.transaction(async (admin) => {
      const trx = admin.#w.trx as Transaction<any>;
      const { tables: t, domainId, dialect } = this.#w.ctx;
      // On SQLite a write as the transaction's first statement takes the write lock before anything is read.
      const locked =
        dialect === 'sqlite'
          ? Number((await trx.updateTable(t.domain).set({ version: sql`version` }).where('id', '=', domainId).executeTakeFirst()).numUpdatedRows) > 0
          : (await trx.selectFrom(t.domain).select('id').where('id', '=', domainId).forUpdate().executeTakeFirst()) !== undefined;
      if (!locked) throw new PolicyError('unknown_domain', `domain ${domainId} does not exist`, { domainId });
      return fn(admin, trx);
    });
  }

  /**
   * Adds an entry. Its owner and object must exist in this domain; a group owner must be static.
   *
   * @example
   * ```ts
   * await admin.createEntry({ effect: 'allow', operation: 'edit', owner: { type: 'group', id: 3 }, object: { type: 'group-members', groupId: 9 } });
   * ```
   */
  async createEntry(input: EntryInput): Promise<number> { return this.#entries.createEntry(input); }

  /**
   * Changes an entry (any of its fields).
   *
   * @example
   * ```ts
   * await admin.updateEntry(12, { active: false });
   * ```
   */
  async updateEntry(id: number, patch: EntryPatch): Promise<void> { return this.#entries.updateEntry(id, patch); }

  /**
   * Removes an entry.
   *
   * @example
   * ```ts
   * await admin.deleteEntry(12);
   * ```
   */
  async deleteEntry(id: number): Promise<void> { return this.#entries.deleteEntry(id); }

  /**
   * Creates a group: static, or smart with criteria (validated; referenced groups must exist in this domain).
   *
   * @example
   * ```ts
   * const vn = await admin.createGroup({ name: 'Vietnam', kind: 'smart', criteria: { field: 'country', op: '=', value: 'VN' } });
   * ```
   */
  async createGroup(input: GroupInput): Promise<number> { return this.#groups.createGroup(input); }

  /**
   * Changes a group's name, criteria (smart groups only; cycles refused) or active flag.
   *
   * @example
   * ```ts
   * await admin.updateGroup(4, { active: false }); // a disabled group grants and denies nothing
   * ```
   */
  async updateGroup(id: number, patch: GroupPatch): Promise<void> { return this.#groups.updateGroup(id, patch); }

  /**
   * Deletes a group and its memberships. Refused (`in_use`) while an entry, a role assignment or another
   * group's criteria refers to it.
   *
   * @example
   * ```ts
   * await admin.deleteGroup(4);
   * ```
   */
  async deleteGroup(id: number): Promise<void> { return this.#groups.deleteGroup(id); }

  /**
   * Recomputes the materialised members of every non-tokenized smart group (see `domain.refreshGroups()`).
   *
   * @example
   * ```ts
   * await admin.refreshGroups(); // 3
   * ```
   */
  async refreshGroups(): Promise<number> { return this.#groups.refreshGroups(); }

  /**
   * Sets a contact's status in a group (Added, Removed or Pending). In a smart group, Added includes and
   * Removed excludes the contact whatever the criteria say.
   *
   * @example
   * ```ts
   * await admin.setMembership({ groupId: 3, contactId: 7, status: 'Added' });
   * ```
   */
  async setMembership(input: MembershipInput): Promise<void> { return this.#groups.setMembership(input); }

  /**
   * Forgets a contact's membership row in a group entirely (neither Added, Removed nor Pending).
   *
   * @example
   * ```ts
   * await admin.removeMembership({ groupId: 3, contactId: 7 });
   * ```
   */
  async removeMembership(input: { groupId: number; contactId: number }): Promise<void> { return this.#groups.removeMembership(input); }

  /**
   * Creates an ACL role.
   *
   * @example
   * ```ts
   * const admins = await admin.createRole({ name: 'Administrator', isAdministrator: true });
   * ```
   */
  async createRole(input: RoleInput): Promise<number> { return this.#roles.createRole(input); }

  /**
   * Changes a role.
   *
   * @example
   * ```ts
   * await admin.updateRole(2, { active: false });
   * ```
   */
  async updateRole(id: number, patch: RolePatch): Promise<void> { return this.#roles.updateRole(id, patch); }

  /**
   * Deletes a role with its assignments and permissions. Refused (`in_use`) while entries are owned by it.
   *
   * @example
   * ```ts
   * await admin.deleteRole(2);
   * ```
   */
  async deleteRole(id: number): Promise<void> { return this.#roles.deleteRole(id); }

  /**
   * Assigns a role to a contact or to a static group (whose Added members then hold it).
   *
   * @example
   * ```ts
   * await admin.assignRole({ roleId: 2, assignee: { type: 'group', id: 5 } });
   * ```
   */
  async assignRole(input: AssignmentInput): Promise<number> { return this.#roles.assignRole(input); }

  /**
   * Removes a role assignment.
   *
   * @example
   * ```ts
   * await admin.unassignRole(17);
   * ```
   */
  async unassignRole(assignmentId: number): Promise<void> { return this.#roles.unassignRole(assignmentId); }

  /**
   * Grants a functional permission to a role (for hosts without a permission system of their own). The name
   * must be a known permission.
   *
   * @example
   * ```ts
   * await admin.grantPermission({ roleId: 2, permission: 'view all contacts' });
   * ```
   */
  async grantPermission(input: RolePermissionInput): Promise<void> { return this.#roles.grantPermission(input); }

  /**
   * Revokes a functional permission from a role.
   *
   * @example
   * ```ts
   * await admin.revokePermission({ roleId: 2, permission: 'view all contacts' });
   * ```
   */
  async revokePermission(input: RolePermissionInput): Promise<void> { return this.#roles.revokePermission(input); }

  /**
   * Creates a contact in the engine's reference table (not available when the host's own contact table is
   * configured).
   *
   * @example
   * ```ts
   * const id = await admin.createContact({ key: 'an', contactType: 'Individual', subTypes: ['sales'], attributes: { country: 'VN' } });
   * ```
   */
  async createContact(input: ContactInput): Promise<number> { return this.#contacts.createContact(input); }

  /**
   * Changes a contact in the reference table (attributes, sub-types, type, deleted flag).
   *
   * @example
   * ```ts
   * await admin.updateContact(7, { isDeleted: true });
   * ```
   */
  async updateContact(id: number, patch: ContactPatch): Promise<void> { return this.#contacts.updateContact(id, patch); }

  /**
   * Sets a contact's sub-types (also for host-managed contacts: sub-types live in the engine's table).
   *
   * @example
   * ```ts
   * await admin.setSubTypes(7, ['manager']);
   * ```
   */
  async setSubTypes(contactId: number, subTypes: readonly string[]): Promise<void> { return this.#contacts.setSubTypes(contactId, subTypes); }

  /**
   * Links a host user to a contact (at most one contact per user and one user per contact, per domain).
   *
   * @example
   * ```ts
   * await admin.linkUser({ userId: 'drupal:17', contactId: 7 });
   * ```
   */
  async linkUser(input: UserLinkInput): Promise<void> { return this.#contacts.linkUser(input); }

  /**
   * Removes a user's link to its contact.
   *
   * @example
   * ```ts
   * await admin.unlinkUser('drupal:17');
   * ```
   */
  async unlinkUser(userId: string): Promise<void> { return this.#contacts.unlinkUser(userId); }

  /**
   * Applies one batch of a host's user sync in batched statements and one transaction: contacts created and
   * linked for users, links made, removed, suspended or resumed, contacts updated, and memberships set with the
   * sync's `source` (provenance). Audited per change; anything invalid writes nothing.
   *
   * @example
   * ```ts
   * const { created } = await admin.applyUserSync({
   *   source: 'wordpress',
   *   create: [{ userId: 'wp:3', contactType: 'Individual', sortName: 'Lan', attributes: {} }],
   *   memberships: [{ groupId: 4, userId: 'wp:3', status: 'Added' }],
   * });
   * ```
   */
  async applyUserSync(batch: UserSyncBatch): Promise<UserSyncBatchResult> { return this.#sync.applyUserSync(batch); }

  /**
   * Creates a relationship type with a permission in each direction (`none`, `view` or `edit`).
   *
   * @example
   * ```ts
   * const employee = await admin.createRelationshipType({ name: 'Employee of', nameBA: 'Employer of', permissionBA: 'edit' });
   * ```
   */
  async createRelationshipType(input: RelationshipTypeInput): Promise<number> { return this.#relationships.createRelationshipType(input); }

  /**
   * Changes a relationship type (names, permissions, active flag).
   *
   * @example
   * ```ts
   * await admin.updateRelationshipType(2, { permissionBA: 'view' });
   * ```
   */
  async updateRelationshipType(id: number, patch: RelationshipTypePatch): Promise<void> { return this.#relationships.updateRelationshipType(id, patch); }

  /**
   * Deletes a relationship type. Refused (`in_use`) while relationships of that type exist or entries name it.
   *
   * @example
   * ```ts
   * await admin.deleteRelationshipType(2);
   * ```
   */
  async deleteRelationshipType(id: number): Promise<void> { return this.#relationships.deleteRelationshipType(id); }

  /**
   * Relates two contacts of this domain: A is `<type>` of B, active, between optional inclusive dates.
   *
   * @example
   * ```ts
   * await admin.createRelationship({ typeId: employee, contactA: 7, contactB: 3, startDate: '2026-01-01' });
   * ```
   */
  async createRelationship(input: RelationshipInput): Promise<number> { return this.#relationships.createRelationship(input); }

  /**
   * Changes a relationship's active flag or dates (reversed dates are refused).
   *
   * @example
   * ```ts
   * await admin.updateRelationship(5, { endDate: '2026-12-31' });
   * ```
   */
  async updateRelationship(id: number, patch: RelationshipPatch): Promise<void> { return this.#relationships.updateRelationship(id, patch); }

  /**
   * Deletes a relationship.
   *
   * @example
   * ```ts
   * await admin.deleteRelationship(5);
   * ```
   */
  async deleteRelationship(id: number): Promise<void> { return this.#relationships.deleteRelationship(id); }

  /**
   * Delegates a subset of one of the granter's allow entries (the parent) to a recipient: the same or a
   * narrower operation, the parent's object narrowed by optional criteria. Refused (nothing written) when the
   * granter does not hold the parent, has no grant right covering the recipient, the operation is wider than
   * the parent's, or the recipient already stands in the parent's chain of granters. The derived entry stays
   * bounded by its parent at every decision.
   *
   * @example
   * ```ts
   * await admin.delegate({ granter: 7, recipient: 9, parentEntryId: 12, operation: 'view', criteria: { subType: 'volunteer' } });
   * ```
   */
  async delegate(input: DelegationInput): Promise<number> { return this.#delegations.delegate(input); }
}
