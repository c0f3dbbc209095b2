import { ATTRIBUTE_TYPES, ENTRY_OPERATIONS, MEMBERSHIP_STATUSES } from '@rowguard/core';
import { z } from 'zod';

/**
 * The policy file format version this package reads and writes.
 *
 * @example
 * ```ts
 * policyFileSchema.parse({ version: POLICY_FILE_VERSION });
 * ```
 */
export const POLICY_FILE_VERSION = 1;

// Keys are free text, but never contain control characters (they are shown in tables and error messages).
const key = z
  .string()
  .min(1)
  .max(191)
  .regex(/^[^\p{Cc}]+$/u, 'must not contain control characters');
const name = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[^\p{Cc}]+$/u, 'must not contain control characters');
const identifier = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,62}$/, 'must be a plain identifier (letters, digits, _)');
const attributeValue = z.union([z.string().max(255), z.number().int().safe(), z.null()]);

/**
 * A criteria value in a policy file: a literal or a subject token such as `{ $subject: country }`.
 *
 * @example
 * ```ts
 * const v: FileCriteriaValue = { $subject: 'country' };
 * ```
 */
export type FileCriteriaValue = string | number | { readonly $subject: string };

/**
 * Smart-group criteria as written in a policy file: the engine's criteria, except that `inGroup` names a group
 * (by its name) instead of a database id.
 *
 * @example
 * ```ts
 * const sameCountry: FileCriteria = { field: 'country', op: '=', value: { $subject: 'country' } };
 * ```
 */
export type FileCriteria =
  | { readonly all: readonly FileCriteria[] }
  | { readonly any: readonly FileCriteria[] }
  | { readonly not: FileCriteria }
  | { readonly field: string; readonly op: '=' | '!=' | '<' | '<=' | '>' | '>='; readonly value: FileCriteriaValue }
  | { readonly field: string; readonly op: 'in' | 'not in'; readonly value: readonly FileCriteriaValue[] }
  | { readonly field: string; readonly op: 'like'; readonly value: string }
  | { readonly field: string; readonly op: 'is null' | 'is not null' }
  | { readonly inGroup: string }
  | { readonly subType: string };

const tokenSchema = z.object({ $subject: z.string().min(1).max(64) }).strict();
const criteriaValueSchema = z.union([z.string().max(255), z.number().int().safe(), tokenSchema]);
const fieldSchema = z.string().min(1).max(64);

/**
 * zod schema of {@link FileCriteria} (shape only; field names, value types and group names are checked against
 * the rest of the file when it is validated).
 *
 * @example
 * ```ts
 * fileCriteriaSchema.parse({ all: [{ field: 'country', op: '=', value: { $subject: 'country' } }, { subType: 'sales' }] });
 * ```
 */
export const fileCriteriaSchema: z.ZodType<FileCriteria> = z
  .lazy(() =>
    z.union([
      z.object({ all: z.array(fileCriteriaSchema).max(100) }).strict(),
      z.object({ any: z.array(fileCriteriaSchema).max(100) }).strict(),
      z.object({ not: fileCriteriaSchema }).strict(),
      z.object({ field: fieldSchema, op: z.enum(['=', '!=', '<', '<=', '>', '>=']), value: criteriaValueSchema }).strict(),
      z.object({ field: fieldSchema, op: z.enum(['in', 'not in']), value: z.array(criteriaValueSchema).max(1000) }).strict(),
      z.object({ field: fieldSchema, op: z.literal('like'), value: z.string().max(255) }).strict(),
      z.object({ field: fieldSchema, op: z.enum(['is null', 'is not null']) }).strict(),
      z.object({ inGroup: name }).strict(),
      z.object({ subType: z.string().min(1).max(64) }).strict(),
    ]),
  )
  .meta({ id: 'criteria', description: 'Smart-group criteria; `inGroup` names a group, `$subject` tokens name a field of the acting subject.' });

/**
 * zod schema of a declared contact attribute (a column of the contact table the criteria may use).
 *
 * @example
 * ```ts
 * attributeDeclarationSchema.parse({ type: 'text' });
 * ```
 */
export const attributeDeclarationSchema = z.object({ type: z.enum(ATTRIBUTE_TYPES) }).strict();

/**
 * zod schema of a contact: a stable key, its type, sub-types, attribute values and an optional host-user link.
 *
 * @example
 * ```ts
 * contactFileSchema.parse({ key: 'mgr-vn', type: 'Individual', subTypes: ['manager'], attributes: { country: 'VN' }, user: 'crm:mgr-vn' });
 * ```
 */
export const contactFileSchema = z
  .object({
    key: key.describe('Stable key of the contact; every other section refers to contacts by it.'),
    type: z.string().min(1).max(64).default('Individual').describe('Contact type: Individual, Organization, Household, ...'),
    name: z.string().max(255).optional().describe('Sort name, shown in lists.'),
    subTypes: z.array(z.string().min(1).max(64)).max(50).default([]),
    attributes: z.record(z.string(), attributeValue).default({}).describe('Values of declared attributes; an omitted attribute is NULL.'),
    user: z.string().min(1).max(191).optional().describe('The host user linked to this contact (at most one each way).'),
    deleted: z.boolean().default(false),
  })
  .strict();

/**
 * zod schema of a group member: a contact key (status Added), or a contact with an explicit status.
 *
 * @example
 * ```ts
 * memberFileSchema.parse('sales-vn-1');
 * memberFileSchema.parse({ contact: 'sales-vn-2', status: 'Removed' });
 * ```
 */
export const memberFileSchema = z.union([
  key,
  z.object({ contact: key, status: z.enum(MEMBERSHIP_STATUSES).default('Added') }).strict(),
]);

/**
 * zod schema of a group: static (explicit members) or smart (criteria, plus members that are explicitly Added
 * or Removed). Groups are keyed by their unique name.
 *
 * @example
 * ```ts
 * groupFileSchema.parse({ name: 'Same country', kind: 'smart', criteria: { field: 'country', op: '=', value: { $subject: 'country' } } });
 * ```
 */
export const groupFileSchema = z.discriminatedUnion('kind', [
  z
    .object({
      name: name.describe('Unique group name (its key).'),
      kind: z.literal('static'),
      members: z.array(memberFileSchema).max(1_000_000).default([]),
      active: z.boolean().default(true),
    })
    .strict(),
  z
    .object({
      name: name.describe('Unique group name (its key).'),
      kind: z.literal('smart'),
      criteria: fileCriteriaSchema,
      members: z.array(memberFileSchema).max(1_000_000).default([]),
      active: z.boolean().default(true),
    })
    .strict(),
]);

/**
 * zod schema of a role assignee: a contact or a static group (whose Added members hold the role).
 *
 * @example
 * ```ts
 * assigneeFileSchema.parse({ group: 'Managers' });
 * ```
 */
export const assigneeFileSchema = z.union([
  z.object({ contact: key, active: z.boolean().default(true) }).strict(),
  z.object({ group: name, active: z.boolean().default(true) }).strict(),
]);

/**
 * zod schema of an ACL role with its functional permissions and assignments. Roles are keyed by their name.
 *
 * @example
 * ```ts
 * roleFileSchema.parse({ name: 'Country manager', permissions: ['access CRM'], assignees: [{ group: 'Managers' }] });
 * ```
 */
export const roleFileSchema = z
  .object({
    name: name.describe('Unique role name (its key).'),
    administrator: z.boolean().default(false).describe('Holders may do everything in the domain; no entry can deny them.'),
    active: z.boolean().default(true),
    permissions: z.array(z.string().min(1).max(128)).max(200).default([]).describe('Functional permissions granted to the role.'),
    assignees: z.array(assigneeFileSchema).max(1_000_000).default([]),
  })
  .strict();

/**
 * zod schema of an entry owner: `everyone`, `authenticated`, or a contact, static group or role by key.
 *
 * @example
 * ```ts
 * ownerFileSchema.parse({ role: 'Country manager' });
 * ownerFileSchema.parse('everyone');
 * ```
 */
export const ownerFileSchema = z.union([
  z.enum(['everyone', 'authenticated']),
  z.object({ contact: key }).strict(),
  z.object({ group: name }).strict(),
  z.object({ role: name }).strict(),
]);

/**
 * zod schema of an entry object: every contact, one contact, the members of a group, the contacts related to
 * the subject through a permissioned relationship type, or a non-contact object (`entity`) by the host's id, all
 * of its type (no id), or a rowguard group by name.
 *
 * @example
 * ```ts
 * objectFileSchema.parse({ members: 'Same country' });
 * objectFileSchema.parse({ related: 'edit', type: 'Employee of' });
 * objectFileSchema.parse({ entity: 'profile', id: 3 });
 * objectFileSchema.parse({ entity: 'group', group: 'Managers' });
 * ```
 */
export const objectFileSchema = z.union([
  z.literal('all-contacts'),
  z.object({ contact: key }).strict(),
  z.object({ members: name }).strict(),
  z
    .object({
      related: z.enum(['view', 'edit']).describe('The permission the relationship type must grant (edit implies view).'),
      type: name.optional().describe('One relationship type (by name); omitted: any permissioned type.'),
    })
    .strict(),
  z.object({ entity: z.literal('group'), group: name }).strict(),
  z
    .object({
      entity: z.string().regex(/^[a-z][a-z0-9_]{0,63}$/, 'lower-case letters, digits and _'),
      id: z.number().int().positive().nullable().optional(),
    })
    .strict(),
]);

const operation = z.enum(ENTRY_OPERATIONS);

/**
 * zod schema of an ACL entry. `operation` is one operation, or a list (stored as one entry per operation, keyed
 * `<key>#<operation>`).
 *
 * @example
 * ```ts
 * entryFileSchema.parse({ key: 'managers-edit-country', effect: 'allow', operation: 'edit', owner: { role: 'Country manager' }, object: { members: 'Same country' } });
 * ```
 */
export const entryFileSchema = z
  .object({
    key: key.describe('Stable key of the entry.'),
    effect: z.enum(['allow', 'deny']),
    operation: z.union([operation, z.array(operation).min(1).max(ENTRY_OPERATIONS.length)]),
    owner: ownerFileSchema,
    object: objectFileSchema,
    priority: z.number().int().min(-1_000_000).max(1_000_000).default(0),
    active: z.boolean().default(true),
  })
  .strict();

/**
 * The permission a relationship type carries in one direction.
 *
 * @example
 * ```ts
 * RELATIONSHIP_PERMISSIONS; // ['none', 'view', 'edit']
 * ```
 */
export const RELATIONSHIP_PERMISSIONS = ['none', 'view', 'edit'] as const;

/**
 * zod schema of a relationship type, keyed by its name (A to B), with the permission it carries each way.
 *
 * @example
 * ```ts
 * relationshipTypeFileSchema.parse({ name: 'Employee of', nameBA: 'Employer of', permissionBA: 'edit' });
 * ```
 */
export const relationshipTypeFileSchema = z
  .object({
    name: name.describe('Unique relationship type name, read from A to B (its key).'),
    nameBA: name.optional().describe('The name read from B to A.'),
    permissionAB: z.enum(RELATIONSHIP_PERMISSIONS).default('none').describe('What contact A may do to contact B.'),
    permissionBA: z.enum(RELATIONSHIP_PERMISSIONS).default('none').describe('What contact B may do to contact A.'),
    active: z.boolean().default(true),
  })
  .strict();

const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'a date: YYYY-MM-DD')
  .refine((d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)) && new Date(`${d}T00:00:00Z`).toISOString().startsWith(d), 'not a calendar date');

/**
 * zod schema of a relationship between two contacts (A is `<type>` of B), keyed by (type, a, b), active between
 * optional inclusive dates.
 *
 * @example
 * ```ts
 * relationshipFileSchema.parse({ type: 'Employee of', a: 'sales-vn-1', b: 'acme', startDate: '2026-01-01' });
 * ```
 */
export const relationshipFileSchema = z
  .object({
    type: name,
    a: key,
    b: key,
    active: z.boolean().default(true),
    startDate: isoDate.optional(),
    endDate: isoDate.optional(),
  })
  .strict();

/**
 * zod schema of a delegation: a granter holding a `grant` right over the recipient hands on part of one of its
 * own allow entries (the parent: an entry or another delegation, by key), with the same or a narrower
 * operation and the parent's object narrowed by optional criteria.
 *
 * @example
 * ```ts
 * delegationFileSchema.parse({ key: 'vn-assistant-sales', granter: 'mgr-vn', recipient: 'asst-vn', parent: 'managers-edit-country', operation: 'view', criteria: { subType: 'sales' } });
 * ```
 */
export const delegationFileSchema = z
  .object({
    key: key.describe('Stable key of the delegation (stored as the derived entry\'s key).'),
    granter: key,
    recipient: key,
    parent: key.describe('Key of the allow entry (as stored) or of the delegation it is derived from.'),
    operation: z.enum(['view', 'edit', 'create', 'delete', 'search', 'all']),
    criteria: fileCriteriaSchema.optional(),
    active: z.boolean().default(true),
  })
  .strict();

/**
 * zod schema of a whole policy file (YAML or JSON). Everything refers to keys (contact keys, group and role
 * names, entry keys), never to database ids.
 *
 * @example
 * ```ts
 * const policy = policyFileSchema.parse({
 *   attributes: { country: { type: 'text' } },
 *   contacts: [{ key: 'mgr-vn', subTypes: ['manager'], attributes: { country: 'VN' } }],
 * });
 * ```
 */
export const policyFileSchema = z
  .object({
    $schema: z.string().optional().describe('Optional JSON Schema reference for editors; ignored.'),
    version: z.literal(POLICY_FILE_VERSION).default(POLICY_FILE_VERSION),
    domain: z
      .string()
      .min(1)
      .max(128)
      // eslint-disable-next-line no-control-regex -- refusing control characters is the point
      .regex(/^[^\u0000-\u001f\u007f-\u009f]*$/, 'a domain name may not contain control characters (NUL, tab, newline, ...)')
      .optional()
      .describe('Domain (tenant) the policy is for; default "default".'),
    attributes: z.record(identifier, attributeDeclarationSchema).default({}).describe('Contact attributes (columns) criteria may use.'),
    entityTypes: z
      .array(z.string().regex(/^[a-z][a-z0-9_]{0,63}$/, 'lower-case letters, digits and _'))
      .max(1000)
      .default([])
      .describe('Host object types entries may govern, besides group, custom_group and profile.'),
    contacts: z.array(contactFileSchema).max(10_000_000).default([]),
    groups: z.array(groupFileSchema).max(100_000).default([]),
    roles: z.array(roleFileSchema).max(100_000).default([]),
    entries: z.array(entryFileSchema).max(1_000_000).default([]),
    relationshipTypes: z.array(relationshipTypeFileSchema).max(10_000).default([]),
    relationships: z.array(relationshipFileSchema).max(10_000_000).default([]),
    delegations: z.array(delegationFileSchema).max(1_000_000).default([]),
  })
  .strict()
  .meta({ id: 'rowguard-policy', title: 'rowguard policy file' });

/**
 * A policy file after parsing (defaults applied).
 *
 * @example
 * ```ts
 * const file: PolicyFile = policyFileSchema.parse(data);
 * ```
 */
export type PolicyFile = z.output<typeof policyFileSchema>;
/**
 * A policy file as written (defaults optional).
 *
 * @example
 * ```ts
 * const input: PolicyFileInput = { contacts: [{ key: 'a' }] };
 * ```
 */
export type PolicyFileInput = z.input<typeof policyFileSchema>;
/**
 * A contact in a policy file.
 *
 * @example
 * ```ts
 * const c: ContactFile = contactFileSchema.parse({ key: 'a' });
 * ```
 */
export type ContactFile = z.output<typeof contactFileSchema>;
/**
 * A group in a policy file.
 *
 * @example
 * ```ts
 * const g: GroupFile = groupFileSchema.parse({ name: 'Managers', kind: 'static' });
 * ```
 */
export type GroupFile = z.output<typeof groupFileSchema>;
/**
 * A role in a policy file.
 *
 * @example
 * ```ts
 * const r: RoleFile = roleFileSchema.parse({ name: 'Sales' });
 * ```
 */
export type RoleFile = z.output<typeof roleFileSchema>;
/**
 * An entry in a policy file.
 *
 * @example
 * ```ts
 * const e: EntryFile = entryFileSchema.parse({ key: 'e', effect: 'allow', operation: 'view', owner: 'everyone', object: 'all-contacts' });
 * ```
 */
export type EntryFile = z.output<typeof entryFileSchema>;
/**
 * An entry owner in a policy file.
 *
 * @example
 * ```ts
 * const o: OwnerFile = { role: 'Sales' };
 * ```
 */
export type OwnerFile = z.output<typeof ownerFileSchema>;
/**
 * An entry object in a policy file.
 *
 * @example
 * ```ts
 * const o: ObjectFile = { members: 'Same country' };
 * ```
 */
export type ObjectFile = z.output<typeof objectFileSchema>;
/**
 * A relationship type in a policy file.
 *
 * @example
 * ```ts
 * const t: RelationshipTypeFile = relationshipTypeFileSchema.parse({ name: 'Employee of' });
 * ```
 */
export type RelationshipTypeFile = z.output<typeof relationshipTypeFileSchema>;
/**
 * A relationship in a policy file.
 *
 * @example
 * ```ts
 * const r: RelationshipFile = relationshipFileSchema.parse({ type: 'Employee of', a: 'emp1', b: 'acme' });
 * ```
 */
export type RelationshipFile = z.output<typeof relationshipFileSchema>;
/**
 * A delegation in a policy file.
 *
 * @example
 * ```ts
 * const d: DelegationFile = delegationFileSchema.parse({ key: 'd', granter: 'a', recipient: 'b', parent: 'e', operation: 'view' });
 * ```
 */
export type DelegationFile = z.output<typeof delegationFileSchema>;
