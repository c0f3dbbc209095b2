import { BUILTIN_ENTITY_TYPES, engineConfigSchema, PolicyError, type AttributeType, type EntryOperation, type FieldValue } from '@rowguard/core';
import { checkCriteria, criteriaFields, operationWithin, PermissionRegistry } from '@rowguard/core/extension';
import type { z } from 'zod';
import { criteriaGroupNames, criteriaToIds } from './criteria-keys.js';
import { PolicyFileError, type PolicyProblem } from './policy-file-error.js';
import { fieldName, type DocPath, type PolicyText } from './policy-file-read.js';
import { policyFileSchema, type FileCriteria, type ObjectFile, type OwnerFile, type PolicyFile } from './policy-file-schema.js';
import {
  compositeKey,
  emptyPolicy,
  type NormalEntry,
  type NormalObject,
  type NormalOwner,
  type NormalPolicy,
} from './policy-normal-form.js';

/**
 * The domain a policy is for when the file names none (and the caller gives none).
 *
 * @example
 * ```ts
 * DEFAULT_DOMAIN; // 'default'
 * ```
 */
export const DEFAULT_DOMAIN = 'default';

/**
 * A policy file that passed every check, in normal form, with the file position of every object.
 *
 * @example
 * ```ts
 * const { policy, origins } = validatePolicy(await readPolicyFile('policy.yaml'));
 * origins.get('entry:wall'); // ['entries', 5]
 * ```
 */
export interface ValidatedPolicy {
  readonly text: PolicyText;
  readonly file: PolicyFile;
  readonly policy: NormalPolicy;
  /** Where each object is written, keyed `<kind>:<map key>` (kinds as in the diff). */
  readonly origins: ReadonlyMap<string, DocPath>;
}

type Issue = z.core.$ZodIssue;

/** Picks the most specific issue of a union: the branch that got furthest. */
function bestIssue(issue: Issue): Issue {
  if (issue.code !== 'invalid_union' || issue.errors.length === 0) return issue;
  let best: Issue[] | undefined;
  let bestScore = -Infinity;
  for (const branch of issue.errors) {
    if (branch.length === 0) continue;
    // Prefer branches whose problems are deep (the right shape, a wrong value) and few.
    const depth = Math.max(...branch.map((i) => i.path.length));
    const unknownKeys = branch.some((i) => i.code === 'unrecognized_keys') ? 1 : 0;
    const score = depth * 10 - branch.length - unknownKeys * 5;
    if (score > bestScore) {
      bestScore = score;
      best = branch;
    }
  }
  const first = best?.[0];
  if (!first || (best && best.length > 1 && Math.max(...best.map((i) => i.path.length)) === 0)) return issue;
  return { ...bestIssue(first), path: [...issue.path, ...first.path] } as Issue;
}

function zodProblems(error: z.ZodError, text: PolicyText): PolicyProblem[] {
  return error.issues.map((raw) => {
    const issue = bestIssue(raw as Issue);
    const path = issue.path as PropertyKey[];
    if (issue.code === 'unrecognized_keys') {
      const keyName = issue.keys[0] ?? '';
      const at = text.locate(path, { key: keyName });
      return {
        file: text.file,
        ...at,
        field: fieldName([...path, keyName]),
        message: `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `'${k}'`).join(', ')}`,
      };
    }
    const message = issue.code === 'invalid_union' ? `${unionHint(path)}` : issue.message;
    return { file: text.file, ...text.locate(path), field: fieldName(path), message };
  });
}

function unionHint(path: readonly PropertyKey[]): string {
  const last = path[path.length - 1];
  if (last === 'owner') return "invalid owner: expected 'everyone', 'authenticated', { contact: <key> }, { group: <name> } or { role: <name> }";
  if (last === 'object') {
    return "invalid object: expected 'all-contacts', { contact: <key> }, { members: <group> }, { related: view|edit, type?: <relationship type> }, { entity: <type>, id?: <n> } or { entity: group, group: <name> }";
  }
  if (path.includes('criteria')) return 'invalid criteria: see the criteria section of docs/policy-file.md';
  if (path.includes('assignees')) return 'invalid assignee: expected { contact: <key> } or { group: <name> }';
  if (path.includes('members')) return "invalid member: expected a contact key or { contact: <key>, status: Added|Removed|Pending }";
  return 'invalid value';
}

/** Collects problems with their positions. */
class Problems {
  readonly list: PolicyProblem[] = [];
  constructor(private readonly text: PolicyText) {}
  add(path: DocPath, message: string, key?: string): void {
    this.list.push({
      file: this.text.file,
      ...this.text.locate(path, key === undefined ? {} : { key }),
      field: fieldName(key === undefined ? path : [...path, key]),
      message,
    });
  }
}

function ownerOf(owner: OwnerFile): NormalOwner {
  if (owner === 'everyone' || owner === 'authenticated') return { type: owner };
  if ('contact' in owner) return { type: 'contact', key: owner.contact };
  if ('group' in owner) return { type: 'group', key: owner.group };
  return { type: 'role', key: owner.role };
}

function objectOf(object: ObjectFile): NormalObject {
  if (object === 'all-contacts') return { type: 'all-contacts' };
  if ('contact' in object) return { type: 'contact', key: object.contact };
  if ('members' in object) return { type: 'group-members', group: object.members };
  if ('related' in object) return { type: 'related', relationshipType: object.type ?? null, permission: object.related };
  if ('group' in object) return { type: 'entity-group', group: object.group };
  if (object.entity === 'group') return { type: 'entity-group', group: null };
  return { type: 'entity', entity: object.entity, id: object.id ?? null };
}

/**
 * Validates a parsed policy file completely before anything is written: the zod schema, then duplicate keys,
 * unknown references (contacts, groups, roles, entries), static-only owners and assignees, declared attributes
 * and their value types, criteria (fields, tokens, types, through the engine's own checker), cycles between
 * smart groups and between delegations, known permission names. Every problem is reported with its line;
 * any problem throws a {@link PolicyFileError} (kind `invalid`). `domain` overrides the file's domain.
 *
 * @example
 * ```ts
 * const validated = validatePolicy(parsePolicyText(source, 'policy.yaml'), { domain: 'default' });
 * validated.policy.entries.size;
 * ```
 */
export function validatePolicy(text: PolicyText, options: { domain?: string | undefined } = {}): ValidatedPolicy {
  const nothing = emptyDocumentProblem(text);
  if (nothing) throw new PolicyFileError('empty_policy', 'invalid', `${text.file}: the file declares no policy`, [nothing]);
  if (options.domain !== undefined && /\p{Cc}/u.test(options.domain)) {
    throw new PolicyFileError('usage', 'invalid', '--domain may not contain control characters (NUL, tab, newline, ...)');
  }
  const parsed = policyFileSchema.safeParse(text.data);
  if (!parsed.success) {
    throw new PolicyFileError('invalid_policy', 'invalid', `${text.file}: invalid policy file`, sortProblems(zodProblems(parsed.error, text)));
  }
  const file = parsed.data;
  const problems = new Problems(text);
  const policy = emptyPolicy(options.domain ?? file.domain ?? DEFAULT_DOMAIN);
  const origins = new Map<string, DocPath>();

  // Attributes: the engine's own configuration schema decides which names are allowed.
  const config = engineConfigSchema.safeParse({ contacts: { attributes: file.attributes } });
  if (!config.success) {
    for (const issue of config.error.issues) problems.add(['attributes', ...(issue.path.slice(2) as PropertyKey[])], issue.message);
  }
  for (const [attr, decl] of Object.entries(file.attributes)) policy.attributes.set(attr, decl.type);
  file.entityTypes.forEach((type, i) => {
    if ((BUILTIN_ENTITY_TYPES as readonly string[]).includes(type)) problems.add(['entityTypes', i], `'${type}' is built in; do not declare it`);
    else if (policy.entityTypes.has(type)) problems.add(['entityTypes', i], `entity type '${type}' is declared twice`);
    else policy.entityTypes.add(type);
  });
  const fields = criteriaFields(
    config.success ? config.data.contacts : engineConfigSchema.parse({ contacts: { attributes: {} } }).contacts,
  );

  // Contacts.
  const users = new Map<string, string>();
  file.contacts.forEach((c, i) => {
    const path = ['contacts', i];
    if (policy.contacts.has(c.key)) {
      problems.add([...path, 'key'], `duplicate contact key '${c.key}'`);
      return;
    }
    const attributes: Record<string, FieldValue> = {};
    for (const attr of policy.attributes.keys()) attributes[attr] = null;
    for (const [attr, value] of Object.entries(c.attributes)) {
      const type: AttributeType | undefined = policy.attributes.get(attr);
      if (!type) {
        problems.add([...path, 'attributes'], `attribute '${attr}' is not declared in the top-level 'attributes' section`, attr);
        continue;
      }
      if (value !== null && (type === 'integer') !== (typeof value === 'number')) {
        problems.add([...path, 'attributes', attr], `attribute '${attr}' is ${type}, got ${JSON.stringify(value)}`);
        continue;
      }
      attributes[attr] = value;
    }
    policy.contacts.set(c.key, {
      key: c.key,
      contactType: c.type,
      sortName: c.name ?? null,
      subTypes: [...new Set(c.subTypes)].sort(),
      attributes,
      deleted: c.deleted,
    });
    origins.set(`contact:${c.key}`, path);
    if (c.user !== undefined) {
      const other = users.get(c.user);
      if (other !== undefined) problems.add([...path, 'user'], `user '${c.user}' is already linked to contact '${other}'`);
      else {
        users.set(c.user, c.key);
        policy.userLinks.set(c.key, c.user);
        origins.set(`user-link:${c.key}`, [...path, 'user']);
      }
    }
  });
  const contactExists = (key: string, path: DocPath): boolean => {
    if (policy.contacts.has(key)) return true;
    problems.add(path, `unknown contact key '${key}'`);
    return false;
  };

  // Groups (names first, so criteria and members may refer to groups written later).
  const groupIndex = new Map<string, number>();
  file.groups.forEach((g, i) => {
    if (groupIndex.has(g.name)) problems.add(['groups', i, 'name'], `duplicate group name '${g.name}'`);
    else groupIndex.set(g.name, i + 1);
  });
  const groupEdges = new Map<string, string[]>();
  file.groups.forEach((g, i) => {
    const path = ['groups', i];
    if (groupIndex.get(g.name) !== i + 1) return;
    let criteria: FileCriteria | null = null;
    if (g.kind === 'smart') {
      criteria = g.criteria;
      const refs = criteriaGroupNames(g.criteria);
      const unknown = refs.filter((n) => !groupIndex.has(n));
      for (const n of unknown) problems.add([...path, 'criteria'], `criteria refer to unknown group '${n}'`);
      groupEdges.set(g.name, refs.filter((n) => groupIndex.has(n)));
      try {
        checkCriteria(criteriaToIds(g.criteria, (n) => groupIndex.get(n) ?? 1), fields);
      } catch (err) {
        if (err instanceof PolicyError) problems.add([...path, 'criteria'], err.message);
        else throw err;
      }
    }
    policy.groups.set(g.name, { name: g.name, kind: g.kind, criteria, active: g.active });
    origins.set(`group:${g.name}`, path);
    g.members.forEach((m, j) => {
      const member = typeof m === 'string' ? { contact: m, status: 'Added' as const } : m;
      const mpath = [...path, 'members', j];
      if (!contactExists(member.contact, mpath)) return;
      const k = compositeKey(g.name, member.contact);
      if (policy.memberships.has(k)) {
        problems.add(mpath, `contact '${member.contact}' is listed twice in group '${g.name}'`);
        return;
      }
      policy.memberships.set(k, { group: g.name, contact: member.contact, status: member.status });
      origins.set(`membership:${k}`, mpath);
    });
  });
  for (const cycle of findCycles(groupEdges)) {
    const first = cycle[0] as string;
    problems.add(['groups', (groupIndex.get(first) ?? 1) - 1, 'criteria'], `smart groups form a cycle: ${[...cycle, first].join(' -> ')}`);
  }
  const staticGroup = (name: string, path: DocPath, what: string): boolean => {
    const g = policy.groups.get(name);
    if (!g) {
      if (!groupIndex.has(name)) problems.add(path, `unknown group '${name}'`);
      return false;
    }
    if (g.kind !== 'static') {
      problems.add(path, `group '${name}' is smart; only static groups can ${what}`);
      return false;
    }
    return true;
  };

  // Roles, their permissions and assignments.
  const registry = new PermissionRegistry();
  file.roles.forEach((r, i) => {
    const path = ['roles', i];
    if (policy.roles.has(r.name)) {
      problems.add([...path, 'name'], `duplicate role name '${r.name}'`);
      return;
    }
    policy.roles.set(r.name, { name: r.name, administrator: r.administrator, active: r.active });
    origins.set(`role:${r.name}`, path);
    r.permissions.forEach((perm, j) => {
      const k = compositeKey(r.name, perm);
      if (!registry.has(perm)) {
        problems.add([...path, 'permissions', j], `unknown permission '${perm}' (known: ${registry.list().map((d) => d.name).join(', ')})`);
      } else if (policy.permissions.has(k)) problems.add([...path, 'permissions', j], `permission '${perm}' is listed twice`);
      else {
        policy.permissions.set(k, { role: r.name, permission: perm });
        origins.set(`permission:${k}`, [...path, 'permissions', j]);
      }
    });
    r.assignees.forEach((a, j) => {
      const apath = [...path, 'assignees', j];
      const assignee = 'contact' in a ? { type: 'contact' as const, key: a.contact } : { type: 'group' as const, key: a.group };
      const ok = assignee.type === 'contact' ? contactExists(assignee.key, [...apath, 'contact']) : staticGroup(assignee.key, [...apath, 'group'], 'hold roles');
      if (!ok) return;
      const k = compositeKey(r.name, assignee.type, assignee.key);
      if (policy.assignments.has(k)) problems.add(apath, `role '${r.name}' is assigned twice to ${assignee.type} '${assignee.key}'`);
      else {
        policy.assignments.set(k, { role: r.name, assignee, active: a.active });
        origins.set(`assignment:${k}`, apath);
      }
    });
  });

  // Relationship types (before entries, which may refer to them).
  file.relationshipTypes.forEach((t, i) => {
    if (policy.relationshipTypes.has(t.name)) {
      problems.add(['relationshipTypes', i, 'name'], `duplicate relationship type '${t.name}'`);
      return;
    }
    policy.relationshipTypes.set(t.name, {
      name: t.name,
      nameBA: t.nameBA ?? null,
      permissionAB: t.permissionAB,
      permissionBA: t.permissionBA,
      active: t.active,
    });
    origins.set(`relationship-type:${t.name}`, ['relationshipTypes', i]);
  });
  // Entries.
  const fileEntryOps = new Map<string, { effect: 'allow' | 'deny'; operations: EntryOperation[]; keys: string[] }>();
  file.entries.forEach((e, i) => {
    const path = ['entries', i];
    const owner = ownerOf(e.owner);
    const object = objectOf(e.object);
    let ok = true;
    if (owner.type === 'contact') ok = contactExists(owner.key, [...path, 'owner', 'contact']) && ok;
    else if (owner.type === 'group') ok = staticGroup(owner.key, [...path, 'owner', 'group'], 'own entries') && ok;
    else if (owner.type === 'role' && !policy.roles.has(owner.key)) {
      problems.add([...path, 'owner', 'role'], `unknown role '${owner.key}'`);
      ok = false;
    }
    if (object.type === 'contact') ok = contactExists(object.key, [...path, 'object', 'contact']) && ok;
    else if (object.type === 'group-members' && !groupIndex.has(object.group)) {
      problems.add([...path, 'object', 'members'], `unknown group '${object.group}'`);
      ok = false;
    } else if (object.type === 'entity-group' && object.group !== null && !groupIndex.has(object.group)) {
      problems.add([...path, 'object', 'group'], `unknown group '${object.group}'`);
      ok = false;
    } else if (object.type === 'entity-group' && object.group === null && typeof e.object === 'object' && 'id' in e.object && e.object.id !== null && e.object.id !== undefined) {
      problems.add([...path, 'object', 'id'], 'refer to a rowguard group by name: { entity: group, group: <name> }');
      ok = false;
    } else if (object.type === 'entity' && !(BUILTIN_ENTITY_TYPES as readonly string[]).includes(object.entity) && !policy.entityTypes.has(object.entity)) {
      problems.add([...path, 'object', 'entity'], `unknown object type '${object.entity}' (declare it in the top-level 'entityTypes')`);
      ok = false;
    } else if (object.type === 'related' && object.relationshipType !== null && !policy.relationshipTypes.has(object.relationshipType)) {
      problems.add([...path, 'object', 'type'], `unknown relationship type '${object.relationshipType}'`);
      ok = false;
    }
    const list = Array.isArray(e.operation) ? e.operation : [e.operation];
    if (new Set(list).size !== list.length) {
      problems.add([...path, 'operation'], 'an operation is listed twice');
      ok = false;
    }
    if (!ok) return;
    const keys: string[] = [];
    for (const op of list) {
      const key = Array.isArray(e.operation) ? `${e.key}#${op}` : e.key;
      if (policy.entries.has(key) || fileEntryOps.has(key)) {
        problems.add([...path, 'key'], `duplicate entry key '${key}'`);
        continue;
      }
      const entry: NormalEntry = { key, effect: e.effect, operation: op, owner, object, priority: e.priority, active: e.active };
      policy.entries.set(key, entry);
      origins.set(`entry:${key}`, path);
      keys.push(key);
    }
    fileEntryOps.set(e.key, { effect: e.effect, operations: list, keys });
  });

  // Relationships.
  file.relationships.forEach((r, i) => {
    const path = ['relationships', i];
    let ok = true;
    if (!policy.relationshipTypes.has(r.type)) {
      problems.add([...path, 'type'], `unknown relationship type '${r.type}'`);
      ok = false;
    }
    ok = contactExists(r.a, [...path, 'a']) && ok;
    ok = contactExists(r.b, [...path, 'b']) && ok;
    if (r.a === r.b) {
      problems.add([...path, 'b'], 'a contact cannot be related to itself');
      ok = false;
    }
    if (r.startDate !== undefined && r.endDate !== undefined && r.endDate < r.startDate) {
      problems.add([...path, 'endDate'], `ends (${r.endDate}) before it starts (${r.startDate})`);
      ok = false;
    }
    if (!ok) return;
    const k = compositeKey(r.type, r.a, r.b);
    if (policy.relationships.has(k)) {
      problems.add(path, `duplicate relationship ${r.type} ${r.a} -> ${r.b}`);
      return;
    }
    policy.relationships.set(k, { type: r.type, a: r.a, b: r.b, active: r.active, startDate: r.startDate ?? null, endDate: r.endDate ?? null });
    origins.set(`relationship:${k}`, path);
  });

  // Delegations: derived from an allow entry (or another delegation), never wider than it.
  const delegationIndex = new Map<string, number>();
  file.delegations.forEach((d, i) => {
    if (delegationIndex.has(d.key) || policy.entries.has(d.key)) problems.add(['delegations', i, 'key'], `duplicate key '${d.key}' (entries and delegations share keys)`);
    else delegationIndex.set(d.key, i);
  });
  const delegationEdges = new Map<string, string[]>();
  file.delegations.forEach((d, i) => {
    const path = ['delegations', i];
    if (delegationIndex.get(d.key) !== i) return;
    let ok = contactExists(d.granter, [...path, 'granter']);
    ok = contactExists(d.recipient, [...path, 'recipient']) && ok;
    if (d.granter === d.recipient) {
      problems.add([...path, 'recipient'], 'a contact cannot delegate to itself');
      ok = false;
    }
    const parentEntry = policy.entries.get(d.parent);
    const parentDelegation = file.delegations[delegationIndex.get(d.parent) ?? -1];
    if (!parentEntry && !parentDelegation) {
      const listed = fileEntryOps.get(d.parent);
      problems.add(
        [...path, 'parent'],
        listed ? `'${d.parent}' lists several operations; name one stored entry: ${listed.keys.map((k) => `'${k}'`).join(', ')}` : `unknown entry or delegation '${d.parent}'`,
      );
      ok = false;
    } else if (parentEntry && (parentEntry.effect !== 'allow' || parentEntry.operation === 'grant')) {
      problems.add([...path, 'parent'], `entry '${d.parent}' is ${parentEntry.effect === 'deny' ? 'a deny' : 'a grant right'}; only allow entries can be delegated`);
      ok = false;
    } else if (parentEntry && (parentEntry.object.type === 'related' || parentEntry.object.type === 'entity' || parentEntry.object.type === 'entity-group')) {
      problems.add([...path, 'parent'], `entry '${d.parent}' governs ${parentEntry.object.type === 'related' ? 'relationships' : 'non-contact objects'}, which cannot be delegated`);
      ok = false;
    } else {
      const parentOp = parentEntry ? parentEntry.operation : (parentDelegation as { operation: EntryOperation }).operation;
      if (!operationWithin(d.operation, parentOp)) {
        problems.add([...path, 'operation'], `'${d.operation}' is wider than what '${d.parent}' allows (${parentOp})`);
        ok = false;
      }
    }
    if (parentDelegation) delegationEdges.set(d.key, [d.parent]);
    if (d.criteria) {
      for (const n of criteriaGroupNames(d.criteria)) if (!groupIndex.has(n)) problems.add([...path, 'criteria'], `criteria refer to unknown group '${n}'`);
      try {
        checkCriteria(criteriaToIds(d.criteria, (n) => groupIndex.get(n) ?? 1), fields);
      } catch (err) {
        if (err instanceof PolicyError) problems.add([...path, 'criteria'], err.message);
        else throw err;
      }
    }
    if (!ok) return;
    policy.delegations.set(d.key, {
      key: d.key,
      granter: d.granter,
      recipient: d.recipient,
      parent: d.parent,
      operation: d.operation,
      criteria: d.criteria ?? null,
      active: d.active,
    });
    origins.set(`delegation:${d.key}`, path);
  });
  for (const cycle of findCycles(delegationEdges)) {
    const first = cycle[0] as string;
    problems.add(['delegations', delegationIndex.get(first) ?? 0, 'parent'], `delegations form a cycle: ${[...cycle, first].join(' -> ')}`);
  }

  if (problems.list.length > 0) {
    throw new PolicyFileError('invalid_policy', 'invalid', `${text.file}: invalid policy file`, sortProblems(problems.list));
  }
  return { text, file, policy, origins };
}

/** The sections that state a policy; a document with none of them says nothing. */
const POLICY_SECTIONS = ['attributes', 'entityTypes', 'contacts', 'groups', 'roles', 'entries', 'relationshipTypes', 'relationships', 'delegations'];

/**
 * A 0-byte, comment-only, `~` or `{}` document, or one with only `version` / `$schema` / `domain`, is almost always
 * a mistake (a truncated file, a wrong path); applied with `--prune` it would empty the domain. It is refused; a
 * file that really means "nothing" says so with an explicit empty section (`contacts: []`).
 */
function emptyDocumentProblem(text: PolicyText): PolicyProblem | undefined {
  const data = text.data;
  if (data !== null && data !== undefined && (typeof data !== 'object' || Array.isArray(data))) return undefined; // the schema reports it
  if (data && POLICY_SECTIONS.some((s) => Object.hasOwn(data, s))) return undefined;
  return {
    file: text.file,
    ...text.locate([]),
    field: '',
    message: `the document is empty: it declares none of ${POLICY_SECTIONS.join(', ')} (write an empty section, e.g. 'contacts: []', to mean an empty policy)`,
  };
}

function sortProblems(list: PolicyProblem[]): PolicyProblem[] {
  return [...list].sort((a, b) => a.line - b.line || a.column - b.column);
}

/**
 * The cycles of a directed graph (each reported once, as the list of its nodes).
 *
 * @example
 * ```ts
 * findCycles(new Map([['a', ['b']], ['b', ['a']]])); // [['a', 'b']]
 * ```
 */
export function findCycles(edges: ReadonlyMap<string, readonly string[]>): string[][] {
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const cycles: string[][] = [];
  const visit = (node: string): void => {
    state.set(node, 'visiting');
    stack.push(node);
    for (const next of edges.get(node) ?? []) {
      const s = state.get(next);
      if (s === 'visiting') cycles.push(stack.slice(stack.indexOf(next)));
      else if (s === undefined) visit(next);
    }
    stack.pop();
    state.set(node, 'done');
  };
  for (const node of [...edges.keys()].sort()) if (!state.has(node)) visit(node);
  return cycles;
}
