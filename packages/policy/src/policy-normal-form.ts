import type { AttributeType, EntryOperation, FieldValue, MembershipStatus } from '@rowguard/core';
import type { FileCriteria } from './policy-file-schema.js';

/**
 * A contact in normal form: every declared attribute present (NULL when unset), sub-types sorted and unique.
 *
 * @example
 * ```ts
 * const c: NormalContact = { key: 'mgr-vn', contactType: 'Individual', sortName: 'Tran, Minh', subTypes: ['manager'], attributes: { country: 'VN' }, deleted: false };
 * ```
 */
export interface NormalContact {
  readonly key: string;
  readonly contactType: string;
  readonly sortName: string | null;
  readonly subTypes: readonly string[];
  readonly attributes: Readonly<Record<string, FieldValue>>;
  readonly deleted: boolean;
}

/**
 * A group in normal form; smart-group criteria refer to other groups by name.
 *
 * @example
 * ```ts
 * const g: NormalGroup = { name: 'Managers', kind: 'static', criteria: null, active: true };
 * ```
 */
export interface NormalGroup {
  readonly name: string;
  readonly kind: 'static' | 'smart';
  readonly criteria: FileCriteria | null;
  readonly active: boolean;
}

/**
 * A contact's status in a group.
 *
 * @example
 * ```ts
 * const m: NormalMembership = { group: 'Managers', contact: 'mgr-vn', status: 'Added' };
 * ```
 */
export interface NormalMembership {
  readonly group: string;
  readonly contact: string;
  readonly status: MembershipStatus;
}

/**
 * An ACL role in normal form.
 *
 * @example
 * ```ts
 * const r: NormalRole = { name: 'Country manager', administrator: false, active: true };
 * ```
 */
export interface NormalRole {
  readonly name: string;
  readonly administrator: boolean;
  readonly active: boolean;
}

/**
 * A functional permission granted to a role.
 *
 * @example
 * ```ts
 * const p: NormalPermission = { role: 'Country manager', permission: 'access CRM' };
 * ```
 */
export interface NormalPermission {
  readonly role: string;
  readonly permission: string;
}

/**
 * A role held by a contact or by a static group.
 *
 * @example
 * ```ts
 * const a: NormalAssignment = { role: 'Country manager', assignee: { type: 'group', key: 'Managers' }, active: true };
 * ```
 */
export interface NormalAssignment {
  readonly role: string;
  readonly assignee: { readonly type: 'contact' | 'group'; readonly key: string };
  readonly active: boolean;
}

/**
 * An entry owner by key.
 *
 * @example
 * ```ts
 * const o: NormalOwner = { type: 'role', key: 'Country manager' };
 * ```
 */
export type NormalOwner =
  | { readonly type: 'everyone' }
  | { readonly type: 'authenticated' }
  | { readonly type: 'contact' | 'group' | 'role'; readonly key: string };

/**
 * An entry object by key. `related`: contacts related to the subject through a permissioned relationship type
 * (one type by name, or any when null); `entity-group`: a rowguard group as a non-contact object.
 *
 * @example
 * ```ts
 * const o: NormalObject = { type: 'group-members', group: 'Same country' };
 * ```
 */
export type NormalObject =
  | { readonly type: 'all-contacts' }
  | { readonly type: 'contact'; readonly key: string }
  | { readonly type: 'group-members'; readonly group: string }
  | { readonly type: 'related'; readonly relationshipType: string | null; readonly permission: 'view' | 'edit' }
  | { readonly type: 'entity-group'; readonly group: string | null }
  | { readonly type: 'entity'; readonly entity: string; readonly id: number | null };

/**
 * One stored entry: `key` is the stored key (`<file key>#<operation>` for entries listing several operations).
 *
 * @example
 * ```ts
 * const e: NormalEntry = { key: 'wall', effect: 'deny', operation: 'all', owner: { type: 'role', key: 'Staff' }, object: { type: 'group-members', group: 'Other countries' }, priority: 10, active: true };
 * ```
 */
export interface NormalEntry {
  readonly key: string;
  readonly effect: 'allow' | 'deny';
  readonly operation: EntryOperation;
  readonly owner: NormalOwner;
  readonly object: NormalObject;
  readonly priority: number;
  readonly active: boolean;
}

/**
 * A relationship type in normal form.
 *
 * @example
 * ```ts
 * const t: NormalRelationshipType = { name: 'Employee of', nameBA: 'Employer of', permissionAB: 'none', permissionBA: 'view', active: true };
 * ```
 */
export interface NormalRelationshipType {
  readonly name: string;
  readonly nameBA: string | null;
  readonly permissionAB: 'none' | 'view' | 'edit';
  readonly permissionBA: 'none' | 'view' | 'edit';
  readonly active: boolean;
}

/**
 * A relationship between two contacts, keyed by (type, a, b).
 *
 * @example
 * ```ts
 * const r: NormalRelationship = { type: 'Employee of', a: 'sales-vn-1', b: 'acme', active: true, startDate: null, endDate: null };
 * ```
 */
export interface NormalRelationship {
  readonly type: string;
  readonly a: string;
  readonly b: string;
  readonly active: boolean;
  readonly startDate: string | null;
  readonly endDate: string | null;
}

/**
 * A delegation in normal form: `parent` is the stored key of the entry (or delegation) it derives from.
 *
 * @example
 * ```ts
 * const d: NormalDelegation = { key: 'd1', granter: 'mgr-vn', recipient: 'asst-vn', parent: 'managers-edit-country', operation: 'view', criteria: null, active: true };
 * ```
 */
export interface NormalDelegation {
  readonly key: string;
  readonly granter: string;
  readonly recipient: string;
  readonly parent: string;
  readonly operation: EntryOperation;
  readonly criteria: FileCriteria | null;
  readonly active: boolean;
}

/**
 * A whole domain's policy in normal form, every object in a map under its stable key. Both a policy file and
 * a database are read into this form; the diff compares two of them.
 *
 * @example
 * ```ts
 * const empty = emptyPolicy('default');
 * empty.contacts.size; // 0
 * ```
 */
export interface NormalPolicy {
  readonly domain: string;
  readonly attributes: Map<string, AttributeType>;
  /** Host object types entries may govern (besides the built-in ones). */
  readonly entityTypes: Set<string>;
  readonly contacts: Map<string, NormalContact>;
  /** contact key -> host user id. */
  readonly userLinks: Map<string, string>;
  readonly groups: Map<string, NormalGroup>;
  readonly memberships: Map<string, NormalMembership>;
  readonly roles: Map<string, NormalRole>;
  readonly permissions: Map<string, NormalPermission>;
  readonly assignments: Map<string, NormalAssignment>;
  readonly entries: Map<string, NormalEntry>;
  readonly relationshipTypes: Map<string, NormalRelationshipType>;
  readonly relationships: Map<string, NormalRelationship>;
  readonly delegations: Map<string, NormalDelegation>;
}

/**
 * An empty policy for a domain.
 *
 * @example
 * ```ts
 * const p = emptyPolicy('default');
 * ```
 */
export function emptyPolicy(domain: string): NormalPolicy {
  return {
    domain,
    attributes: new Map(),
    entityTypes: new Set(),
    contacts: new Map(),
    userLinks: new Map(),
    groups: new Map(),
    memberships: new Map(),
    roles: new Map(),
    permissions: new Map(),
    assignments: new Map(),
    entries: new Map(),
    relationshipTypes: new Map(),
    relationships: new Map(),
    delegations: new Map(),
  };
}

const SEP = '\u001f';

/**
 * The map key of a composite object (membership, permission, assignment, relationship).
 *
 * @example
 * ```ts
 * compositeKey('Managers', 'mgr-vn'); // 'Managers\u001fmgr-vn'
 * ```
 */
export function compositeKey(...parts: readonly string[]): string {
  return parts.join(SEP);
}

/**
 * The parts of a composite map key.
 *
 * @example
 * ```ts
 * splitKey(compositeKey('a', 'b')); // ['a', 'b']
 * ```
 */
export function splitKey(key: string): string[] {
  return key.split(SEP);
}

/**
 * JSON with object keys sorted, so equal values always give equal text.
 *
 * @example
 * ```ts
 * canonicalJson({ b: 1, a: [2, { d: 3, c: 4 }] }); // '{"a":[2,{"c":4,"d":3}],"b":1}'
 * ```
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}
