import { Document, isMap, isPair, isScalar, isSeq, visit } from 'yaml';
import { ENTRY_OPERATIONS, type EntryOperation } from '@rowguard/core';
import type { NormalEntry, NormalObject, NormalOwner, NormalPolicy } from './policy-normal-form.js';
import { canonicalJson } from './policy-normal-form.js';
import { POLICY_FILE_VERSION, type PolicyFileInput } from './policy-file-schema.js';
import type { DatabaseState } from './policy-state-read.js';
import { isUnkeyed } from './policy-state-read.js';

type EntryOut = NonNullable<PolicyFileInput['entries']>[number];

function ownerOut(owner: NormalOwner): EntryOut['owner'] {
  switch (owner.type) {
    case 'everyone':
    case 'authenticated':
      return owner.type;
    case 'contact':
      return { contact: owner.key };
    case 'group':
      return { group: owner.key };
    case 'role':
      return { role: owner.key };
  }
}

function objectOut(object: NormalObject): EntryOut['object'] {
  switch (object.type) {
    case 'all-contacts':
      return 'all-contacts';
    case 'contact':
      return { contact: object.key };
    case 'group-members':
      return { members: object.group };
    case 'related':
      return object.relationshipType === null ? { related: object.permission } : { related: object.permission, type: object.relationshipType };
    case 'entity-group':
      return object.group === null ? { entity: 'group' } : { entity: 'group', group: object.group };
    case 'entity':
      return object.id === null ? { entity: object.entity } : { entity: object.entity, id: object.id };
  }
}

function entryOut(key: string, e: NormalEntry, operation: EntryOperation | EntryOperation[]): EntryOut {
  return {
    key,
    effect: e.effect,
    operation,
    owner: ownerOut(e.owner),
    object: objectOut(e.object),
    ...(e.priority !== 0 ? { priority: e.priority } : {}),
    ...(!e.active ? { active: false } : {}),
  };
}

/** Entries stored as `<key>#<operation>` with otherwise equal fields are written back as one entry with a list. */
function entriesOut(entries: readonly NormalEntry[]): EntryOut[] {
  const plain = new Set(entries.filter((e) => !/#[a-z]+$/.test(e.key)).map((e) => e.key));
  const groups = new Map<string, NormalEntry[]>();
  const order: (string | NormalEntry)[] = [];
  for (const e of entries) {
    const m = /^(.+)#([a-z]+)$/.exec(e.key);
    const base = m?.[1];
    if (m && base !== undefined && m[2] === e.operation && !plain.has(base)) {
      if (!groups.has(base)) {
        groups.set(base, []);
        order.push(base);
      }
      groups.get(base)?.push(e);
    } else order.push(e);
  }
  const out: EntryOut[] = [];
  for (const item of order) {
    if (typeof item !== 'string') {
      out.push(entryOut(item.key, item, item.operation));
      continue;
    }
    const members = groups.get(item) ?? [];
    const same = (e: NormalEntry): string => canonicalJson({ ...e, key: null, operation: null });
    const first = members[0] as NormalEntry;
    if (members.every((e) => same(e) === same(first))) {
      const ops = [...members.map((e) => e.operation)].sort((a, b) => ENTRY_OPERATIONS.indexOf(a) - ENTRY_OPERATIONS.indexOf(b));
      out.push(entryOut(item, first, ops));
    } else for (const e of members) out.push(entryOut(e.key, e, e.operation));
  }
  return out;
}

/**
 * A stored policy as a policy-file object: compact (defaults omitted), every reference by key, in storage
 * order. Applying it to the same database changes nothing. What cannot be written with keys (contacts without a
 * key, entries that refer to them, delegated entries) is left out and listed in `warnings`.
 *
 * @example
 * ```ts
 * const { policy, warnings } = exportPolicy(await readDatabaseState(engine, domain, ['country']));
 * ```
 */
export function exportPolicy(state: DatabaseState): { policy: PolicyFileInput; warnings: string[] } {
  const p: NormalPolicy = state.policy;
  const warnings: string[] = [];
  if (state.unkeyedContacts.length > 0) warnings.push(`${state.unkeyedContacts.length} contact(s) without a key are not exported`);
  if (state.unkeyedEntries.length > 0) warnings.push(`${state.unkeyedEntries.length} entr(y/ies) without a key are not exported`);
  if (state.inexpressible.length > 0) warnings.push(`entries referring to contacts without a key are not exported: ${state.inexpressible.join(', ')}`);
  for (const s of state.skipped) warnings.push(`not exported: ${s}`);

  const contactOrder = new Map([...p.contacts.keys()].map((k, i) => [k, i]));
  const memberships = [...p.memberships.values()].sort(
    (a, b) => (contactOrder.get(a.contact) ?? 0) - (contactOrder.get(b.contact) ?? 0),
  );
  const inexpressible = new Set(state.inexpressible);
  const policy: PolicyFileInput = {
    version: POLICY_FILE_VERSION,
    domain: p.domain,
    attributes: Object.fromEntries([...p.attributes].map(([name, type]) => [name, { type }])),
    ...(p.entityTypes.size > 0 ? { entityTypes: [...p.entityTypes].sort() } : {}),
    contacts: [...p.contacts.values()].map((c) => {
      const attributes = Object.fromEntries(Object.entries(c.attributes).filter(([, v]) => v !== null));
      const user = p.userLinks.get(c.key);
      return {
        key: c.key,
        type: c.contactType,
        ...(c.sortName !== null ? { name: c.sortName } : {}),
        ...(c.subTypes.length > 0 ? { subTypes: [...c.subTypes] } : {}),
        ...(Object.keys(attributes).length > 0 ? { attributes } : {}),
        ...(user !== undefined ? { user } : {}),
        ...(c.deleted ? { deleted: true } : {}),
      };
    }),
    groups: [...p.groups.values()].map((g) => {
      const members = memberships
        .filter((m) => m.group === g.name)
        .map((m) => (m.status === 'Added' ? m.contact : { contact: m.contact, status: m.status }));
      const rest = { ...(members.length > 0 ? { members } : {}), ...(!g.active ? { active: false } : {}) };
      return g.kind === 'smart' && g.criteria
        ? { name: g.name, kind: 'smart' as const, criteria: g.criteria, ...rest }
        : { name: g.name, kind: 'static' as const, ...rest };
    }),
    roles: [...p.roles.values()].map((r) => {
      const permissions = [...p.permissions.values()].filter((x) => x.role === r.name).map((x) => x.permission).sort();
      const assignees = [...p.assignments.values()]
        .filter((a) => a.role === r.name)
        .map((a) => ({ ...(a.assignee.type === 'group' ? { group: a.assignee.key } : { contact: a.assignee.key }), ...(!a.active ? { active: false } : {}) }));
      return {
        name: r.name,
        ...(r.administrator ? { administrator: true } : {}),
        ...(!r.active ? { active: false } : {}),
        ...(permissions.length > 0 ? { permissions } : {}),
        ...(assignees.length > 0 ? { assignees } : {}),
      };
    }),
    entries: entriesOut([...p.entries.values()].filter((e) => !inexpressible.has(e.key) && !isUnkeyed(e.key))),
    relationshipTypes: [...p.relationshipTypes.values()].map((t) => ({
      name: t.name,
      ...(t.nameBA !== null ? { nameBA: t.nameBA } : {}),
      ...(t.permissionAB !== 'none' ? { permissionAB: t.permissionAB } : {}),
      ...(t.permissionBA !== 'none' ? { permissionBA: t.permissionBA } : {}),
      ...(!t.active ? { active: false } : {}),
    })),
    relationships: [...p.relationships.values()].map((r) => ({
      type: r.type,
      a: r.a,
      b: r.b,
      ...(!r.active ? { active: false } : {}),
      ...(r.startDate !== null ? { startDate: r.startDate } : {}),
      ...(r.endDate !== null ? { endDate: r.endDate } : {}),
    })),
    delegations: [...p.delegations.values()].map((d) => ({
      key: d.key,
      granter: d.granter,
      recipient: d.recipient,
      parent: d.parent,
      operation: d.operation as Exclude<typeof d.operation, 'grant'>,
      ...(d.criteria !== null ? { criteria: d.criteria } : {}),
      ...(!d.active ? { active: false } : {}),
    })),
  };
  for (const section of ['relationshipTypes', 'relationships', 'delegations'] as const) {
    if ((policy[section] ?? []).length === 0) delete policy[section];
  }
  return { policy, warnings };
}

const FLOW_KEYS = new Set(['owner', 'object', 'criteria', 'attributes', 'subTypes', 'operation', 'permissions', 'entityTypes']);
/** Values quoted so that no YAML reader takes them for something else (dates, operators, numbers, booleans). */
const AMBIGUOUS = /^(\d{4}-\d{2}-\d{2}|[=!<>]=?|[-+]?[\d.]+([eE][-+]?\d+)?|true|false|yes|no|on|off|y|n|null|~|)$/i;

/**
 * Writes a policy-file object as YAML (small objects such as owners, objects and criteria on one line) or JSON.
 *
 * @example
 * ```ts
 * const text = policyToText(policy, 'yaml');
 * ```
 */
export function policyToText(policy: PolicyFileInput, format: 'yaml' | 'json'): string {
  if (format === 'json') return `${JSON.stringify(policy, null, 2)}\n`;
  const doc = new Document(policy);
  visit(doc, {
    Pair(_, pair) {
      if (isPair(pair) && isScalar(pair.key) && FLOW_KEYS.has(String(pair.key.value)) && (isMap(pair.value) || isSeq(pair.value))) {
        pair.value.flow = true;
      }
    },
    Scalar(_, scalar) {
      if (typeof scalar.value === 'string' && AMBIGUOUS.test(scalar.value)) scalar.type = 'QUOTE_DOUBLE';
    },
    Map(_, map) {
      // Members and assignees with a status or flag: one line each.
      if (map.items.length <= 2 && map.items.some((i) => isScalar(i.key) && ['contact', 'group'].includes(String(i.key.value)))) map.flow = true;
    },
  });
  doc.commentBefore = ' rowguard policy file (see docs/policy-file.md); apply with: rowguard apply <file>';
  return doc.toString({ lineWidth: 0, flowCollectionPadding: true });
}
