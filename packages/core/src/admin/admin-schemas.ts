import { z } from 'zod';
import { attributeValueSchema, checkedAttributeKeys } from '../model/attribute-names.js';
import { ENTRY_OPERATIONS } from '../model/operation-model.js';
import { MEMBERSHIP_STATUSES } from '../model/policy-model.js';

const id = z.number().int().positive();
const key = z.string().min(1).max(191);
const name = z.string().min(1).max(128);

/** zod schema of an entry owner. @example `ownerSchema.parse({ type: 'role', id: 3 })` */
export const ownerSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('contact'), id }).strict(),
  z.object({ type: z.literal('group'), id }).strict(),
  z.object({ type: z.literal('role'), id }).strict(),
  z.object({ type: z.literal('everyone') }).strict(),
  z.object({ type: z.literal('authenticated') }).strict(),
]);

/** zod schema of a non-contact entity type name (`group`, `custom_group`, `profile` or a host type). */
export const entityTypeSchema = z.string().regex(/^[a-z][a-z0-9_]{0,63}$/, 'lower-case letters, digits and _');

/** zod schema of an entry object. @example `objectSchema.parse({ type: 'group-members', groupId: 4 })` */
export const objectSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('all-contacts') }).strict(),
  z.object({ type: z.literal('contact'), id }).strict(),
  z.object({ type: z.literal('group-members'), groupId: id }).strict(),
  z.object({ type: z.literal('entity'), entity: entityTypeSchema, id: id.nullable() }).strict(),
  z
    .object({ type: z.literal('related'), relationshipTypeId: id.nullable().default(null), permission: z.enum(['view', 'edit']).default('view') })
    .strict(),
]);

/**
 * zod schema of a new entry.
 *
 * @example
 * ```ts
 * entryInputSchema.parse({ effect: 'deny', operation: 'view', owner: { type: 'everyone' }, object: { type: 'all-contacts' } });
 * ```
 */
export const entryInputSchema = z
  .object({
    key: key.nullable().optional(),
    effect: z.enum(['allow', 'deny']),
    operation: z.enum(ENTRY_OPERATIONS),
    owner: ownerSchema,
    object: objectSchema,
    priority: z.number().int().min(-1_000_000).max(1_000_000).default(0),
    active: z.boolean().default(true),
  })
  .strict();
/** A new entry as the write API takes it. */
export type EntryInput = z.input<typeof entryInputSchema>;

/** zod schema of a change to an entry (any subset of its fields; nothing defaults, so what is absent stays). */
export const entryPatchSchema = z
  .object({
    key: key.nullable().optional(),
    effect: z.enum(['allow', 'deny']).optional(),
    operation: z.enum(ENTRY_OPERATIONS).optional(),
    owner: ownerSchema.optional(),
    object: objectSchema.optional(),
    priority: z.number().int().min(-1_000_000).max(1_000_000).optional(),
    active: z.boolean().optional(),
  })
  .strict();
/** A change to an entry. */
export type EntryPatch = z.input<typeof entryPatchSchema>;

/**
 * zod schema of a new group: static, or smart with criteria.
 *
 * @example
 * ```ts
 * groupInputSchema.parse({ name: 'Sales VN', kind: 'smart', criteria: { subType: 'sales' } });
 * ```
 */
export const groupInputSchema = z
  .object({
    name,
    kind: z.enum(['static', 'smart']),
    criteria: z.unknown().optional(),
    active: z.boolean().default(true),
  })
  .strict()
  .refine((g) => (g.kind === 'smart') === (g.criteria !== undefined && g.criteria !== null), {
    message: 'a smart group needs criteria, a static group has none',
    path: ['criteria'],
  });
/** A new group. */
export type GroupInput = z.input<typeof groupInputSchema>;

/** zod schema of a change to a group (kind cannot change). */
export const groupPatchSchema = z
  .object({ name: name.optional(), criteria: z.unknown().optional(), active: z.boolean().optional() })
  .strict();
/** A change to a group. */
export type GroupPatch = z.input<typeof groupPatchSchema>;

/**
 * zod schema of the provenance of a membership: the name of the sync that made it (`wordpress`, `drupal7`), 1 to
 * 64 characters. A membership written without a source is one made by hand, which no sync touches.
 *
 * @example
 * ```ts
 * membershipSourceSchema.parse('wordpress');
 * ```
 */
export const membershipSourceSchema = z.string().min(1).max(64).regex(/^[A-Za-z0-9_.:-]+$/);

/**
 * zod schema of a membership change; `source` (optional) records which sync made it (see
 * {@link membershipSourceSchema}); without it the membership counts as made by hand.
 *
 * @example
 * ```ts
 * membershipInputSchema.parse({ groupId: 1, contactId: 2, status: 'Added', source: 'wordpress' });
 * ```
 */
export const membershipInputSchema = z
  .object({ groupId: id, contactId: id, status: z.enum(MEMBERSHIP_STATUSES), source: membershipSourceSchema.optional() })
  .strict();
/** A membership change. */
export type MembershipInput = z.input<typeof membershipInputSchema>;

/** zod schema of a new role. @example `roleInputSchema.parse({ name: 'Sales' })` */
export const roleInputSchema = z
  .object({ name, isAdministrator: z.boolean().default(false), active: z.boolean().default(true) })
  .strict();
/** A new role. */
export type RoleInput = z.input<typeof roleInputSchema>;

/** zod schema of a change to a role (nothing defaults, so what is absent stays). */
export const rolePatchSchema = z
  .object({ name: name.optional(), isAdministrator: z.boolean().optional(), active: z.boolean().optional() })
  .strict();
/** A change to a role. */
export type RolePatch = z.input<typeof rolePatchSchema>;

/** zod schema of a role assignment. @example `assignmentInputSchema.parse({ roleId: 1, assignee: { type: 'group', id: 4 } })` */
export const assignmentInputSchema = z
  .object({
    roleId: id,
    assignee: z.discriminatedUnion('type', [
      z.object({ type: z.literal('contact'), id }).strict(),
      z.object({ type: z.literal('group'), id }).strict(),
    ]),
    active: z.boolean().default(true),
  })
  .strict();
/** A role assignment. */
export type AssignmentInput = z.input<typeof assignmentInputSchema>;

/** zod schema of a functional permission granted to a role. */
export const rolePermissionInputSchema = z.object({ roleId: id, permission: z.string().min(1).max(128) }).strict();
/** A functional permission granted to a role. */
export type RolePermissionInput = z.input<typeof rolePermissionInputSchema>;

const attributes = checkedAttributeKeys(z.record(z.string(), attributeValueSchema));
const noNul = (s: string): boolean => !s.includes('\0');
const contactText = (max: number) => z.string().max(max).refine(noNul, 'text may not contain a NUL character');

/**
 * zod schema of a new contact in the engine's reference table.
 *
 * @example
 * ```ts
 * contactInputSchema.parse({ key: 'alice', contactType: 'Individual', subTypes: ['manager'], attributes: { country: 'VN' } });
 * ```
 */
export const contactInputSchema = z
  .object({
    key: key.nullable().optional(),
    contactType: contactText(64).min(1),
    sortName: contactText(255).nullable().optional(),
    subTypes: z.array(contactText(64).min(1)).max(50).default([]),
    attributes: attributes.default({}),
    isDeleted: z.boolean().default(false),
  })
  .strict();
/** A new contact. */
export type ContactInput = z.input<typeof contactInputSchema>;

/** zod schema of a change to a contact. */
export const contactPatchSchema = z
  .object({
    key: key.nullable().optional(),
    contactType: contactText(64).min(1).optional(),
    sortName: contactText(255).nullable().optional(),
    subTypes: z.array(contactText(64).min(1)).max(50).optional(),
    attributes: attributes.optional(),
    isDeleted: z.boolean().optional(),
  })
  .strict();
/** A change to a contact. */
export type ContactPatch = z.input<typeof contactPatchSchema>;

/** zod schema of a user <-> contact link. @example `userLinkInputSchema.parse({ userId: 'wp:12', contactId: 7 })` */
export const userLinkInputSchema = z.object({ userId: z.string().min(1).max(191), contactId: id }).strict();
/** A user <-> contact link. */
export type UserLinkInput = z.input<typeof userLinkInputSchema>;

const day = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'a date as YYYY-MM-DD')
  .refine((d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)) && new Date(`${d}T00:00:00Z`).toISOString().startsWith(d), 'not a calendar date');
const permission = z.enum(['none', 'view', 'edit']);

/**
 * zod schema of a relationship type: a name each way and what each side may do to the other.
 *
 * @example
 * ```ts
 * relationshipTypeInputSchema.parse({ name: 'Employee of', nameBA: 'Employer of', permissionAB: 'none', permissionBA: 'edit' });
 * ```
 */
export const relationshipTypeInputSchema = z
  .object({
    name,
    nameBA: name.nullable().optional(),
    permissionAB: permission.default('none'),
    permissionBA: permission.default('none'),
    active: z.boolean().default(true),
  })
  .strict();
/** A relationship type. */
export type RelationshipTypeInput = z.input<typeof relationshipTypeInputSchema>;
/** zod schema of a change to a relationship type (nothing defaults, so what is absent stays). */
export const relationshipTypePatchSchema = z
  .object({
    name: name.optional(),
    nameBA: name.nullable().optional(),
    permissionAB: permission.optional(),
    permissionBA: permission.optional(),
    active: z.boolean().optional(),
  })
  .strict();
/** A change to a relationship type. */
export type RelationshipTypePatch = z.input<typeof relationshipTypePatchSchema>;

/**
 * zod schema of a relationship: contact A is `<type name>` contact B, active, between optional dates
 * (inclusive, `YYYY-MM-DD`).
 *
 * @example
 * ```ts
 * relationshipInputSchema.parse({ typeId: 1, contactA: 7, contactB: 9, startDate: '2026-01-01' });
 * ```
 */
export const relationshipInputSchema = z
  .object({
    typeId: id,
    contactA: id,
    contactB: id,
    active: z.boolean().default(true),
    startDate: day.nullable().optional(),
    endDate: day.nullable().optional(),
  })
  .strict()
  .refine((r) => r.contactA !== r.contactB, { message: 'a contact cannot be related to itself', path: ['contactB'] })
  .refine((r) => !r.startDate || !r.endDate || r.startDate <= r.endDate, { message: 'the dates are reversed (end before start)', path: ['endDate'] });
/** A relationship. */
export type RelationshipInput = z.input<typeof relationshipInputSchema>;
/** zod schema of a change to a relationship. */
export const relationshipPatchSchema = z
  .object({ active: z.boolean().optional(), startDate: day.nullable().optional(), endDate: day.nullable().optional() })
  .strict();
/** A change to a relationship. */
export type RelationshipPatch = z.input<typeof relationshipPatchSchema>;

/**
 * zod schema of a delegation: the granter hands the recipient a subset of one of its own allow entries (the
 * parent), with the same or a narrower operation, optionally narrowed further by criteria.
 *
 * @example
 * ```ts
 * delegationInputSchema.parse({ granter: 7, recipient: 9, parentEntryId: 12, operation: 'view', criteria: { subType: 'volunteer' } });
 * ```
 */
export const delegationInputSchema = z
  .object({
    key: key.nullable().optional(),
    granter: id,
    recipient: id,
    parentEntryId: id,
    operation: z.enum(ENTRY_OPERATIONS).refine((op) => op !== 'grant', 'a delegation cannot hand on the grant right itself'),
    criteria: z.unknown().optional(),
  })
  .strict();
/** A delegation. */
export type DelegationInput = z.input<typeof delegationInputSchema>;

/** zod schema of a positive id. */
export const idSchema = id;
/** zod schema of the actor recorded in the audit log. */
export const actorSchema = z.string().min(1).max(191);
