import { z } from 'zod';
import type { Operation } from './operation-model.js';
import type { EntryDef } from './policy-model.js';

/** A functional (static) permission and the permissions it implies. */
export interface PermissionDefinition {
  readonly name: string;
  readonly label?: string | undefined;
  readonly description?: string | undefined;
  readonly implies?: readonly string[] | undefined;
}

/**
 * zod schema of a permission definition.
 *
 * @example
 * ```ts
 * permissionDefinitionSchema.parse({ name: 'export contacts', implies: ['view all contacts'] });
 * ```
 */
export const permissionDefinitionSchema = z
  .object({
    name: z.string().min(1).max(128),
    label: z.string().max(256).optional(),
    description: z.string().max(2000).optional(),
    implies: z.array(z.string().min(1).max(128)).optional(),
  })
  .strict();

/**
 * The built-in functional permissions. `administer CRM` implies every other one; `edit all contacts` implies
 * `view all contacts` and `edit my contact`; `view all contacts` and `edit my contact` imply `view my contact`.
 */
export const BUILTIN_PERMISSIONS: readonly PermissionDefinition[] = [
  { name: 'access CRM', label: 'Access the CRM' },
  { name: 'access deleted contacts', label: 'See contacts in the trash' },
  { name: 'view all contacts', implies: ['view my contact'] },
  { name: 'edit all contacts', implies: ['view all contacts', 'edit my contact'] },
  { name: 'view my contact' },
  { name: 'edit my contact', implies: ['view my contact'] },
  { name: 'add contacts', label: 'Create contacts' },
  { name: 'import contacts' },
  { name: 'edit groups' },
  {
    name: 'administer CRM',
    implies: [
      'access CRM',
      'access deleted contacts',
      'edit all contacts',
      'view all contacts',
      'view my contact',
      'edit my contact',
      'add contacts',
      'import contacts',
      'edit groups',
    ],
  },
];

/**
 * The set of known permissions and their implications. Hosts and extensions add their own definitions.
 *
 * @example
 * ```ts
 * const registry = new PermissionRegistry([{ name: 'export contacts', implies: ['view all contacts'] }]);
 * registry.expand(['export contacts']); // Set { 'export contacts', 'view all contacts', 'view my contact' }
 * ```
 */
export class PermissionRegistry {
  readonly #defs = new Map<string, PermissionDefinition>();

  constructor(extra: readonly PermissionDefinition[] = []) {
    for (const def of [...BUILTIN_PERMISSIONS, ...extra]) this.define(def);
  }

  /** Adds or replaces a definition. */
  define(def: PermissionDefinition): void {
    this.#defs.set(def.name, permissionDefinitionSchema.parse(def));
  }

  /** Whether a permission name is known. */
  has(name: string): boolean {
    return this.#defs.has(name);
  }

  /** Every known definition. */
  list(): PermissionDefinition[] {
    return [...this.#defs.values()];
  }

  /** The given permissions plus everything they imply, transitively. */
  expand(names: Iterable<string>): Set<string> {
    const out = new Set<string>();
    const stack = [...names];
    while (stack.length > 0) {
      const name = stack.pop() as string;
      if (out.has(name)) continue;
      out.add(name);
      for (const implied of this.#defs.get(name)?.implies ?? []) stack.push(implied);
    }
    return out;
  }
}

const ALL_CONTACTS_GRANTS: ReadonlyArray<readonly [string, readonly Operation[]]> = [
  ['view all contacts', ['view', 'search']],
  ['edit all contacts', ['view', 'search', 'edit']],
  ['add contacts', ['create']],
];
const OWN_CONTACT_GRANTS: ReadonlyArray<readonly [string, readonly Operation[]]> = [
  ['view my contact', ['view']],
  ['edit my contact', ['view', 'edit']],
];

/**
 * The entries that functional permissions stand for, for one operation: `view all contacts` / `edit all
 * contacts` / `add contacts` are group-level allows on all contacts; `view my contact` / `edit my contact` are
 * contact-level allows on the subject's own record. They are ordinary entries: explicit denies still apply.
 *
 * @example
 * ```ts
 * permissionEntries(new Set(['view all contacts']), 'view', 7); // one allow on all contacts, source 'permission:view all contacts'
 * ```
 */
export function permissionEntries(
  permissions: ReadonlySet<string>,
  op: Operation,
  contactId: number | null,
): EntryDef[] {
  const out: EntryDef[] = [];
  const base = { id: null, key: null, effect: 'allow', operation: op, priority: 0, active: true } as const;
  for (const [name, ops] of ALL_CONTACTS_GRANTS) {
    if (permissions.has(name) && ops.includes(op)) {
      out.push({ ...base, owner: { type: 'everyone' }, object: { type: 'all-contacts' }, source: `permission:${name}` });
    }
  }
  if (contactId !== null) {
    for (const [name, ops] of OWN_CONTACT_GRANTS) {
      if (permissions.has(name) && ops.includes(op)) {
        out.push({
          ...base,
          owner: { type: 'contact', id: contactId },
          object: { type: 'contact', id: contactId },
          source: `permission:${name}`,
        });
      }
    }
  }
  return out;
}
