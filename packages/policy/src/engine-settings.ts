import { BUILTIN_ENTITY_TYPES, type AttributeType, type DialectKind } from '@rowguard/core';
import { tableNames } from '@rowguard/core/extension';
import type { Kysely } from 'kysely';
import { formatProblem, PolicyFileError, type PolicyProblem } from './policy-file-error.js';
import type { ValidatedPolicy } from './policy-validate.js';
import { existingAttributes, schemaPresent, storedEntityTypes } from './schema-introspect.js';

/**
 * What an engine that applies (or reads) a policy must be configured with, given what the database holds: the
 * contact attributes (existing columns first, then the newly declared ones) and the host object types (declared
 * plus those stored entries govern, without the built-in ones).
 *
 * @example
 * ```ts
 * const engine = createRowguard({ db, dialect: 'sqlite', ...settings.config });
 * ```
 */
export interface EngineSettings {
  /** Whether the engine's schema existed (its domain table is there). */
  readonly hasSchema: boolean;
  readonly attributes: ReadonlyMap<string, AttributeType>;
  /** Sorted, built-in types left out. */
  readonly entityTypes: readonly string[];
  /** The same, as options for `createRowguard`. */
  readonly config: {
    readonly contacts: { readonly attributes: Record<string, { type: AttributeType }> };
    readonly entityTypes: string[];
  };
}

/**
 * Works out the engine settings for a database: attributes come from the contact table's existing columns plus
 * `declared` (a policy file's declarations), host object types from `entityTypes` plus the stored entries. A
 * declared type that contradicts an existing column is refused (`attribute_type_conflict`, kind `invalid`),
 * naming the declaring line when `declaredAt` knows it (see {@link attributeDeclaredAt}).
 *
 * @example
 * ```ts
 * const settings = await engineSettingsFor(db, 'postgres', { declared: validated.policy.attributes, entityTypes: validated.policy.entityTypes });
 * const engine = createRowguard({ db, dialect: 'postgres', ...settings.config });
 * ```
 */
export async function engineSettingsFor(
  db: Kysely<any>,
  dialect: DialectKind,
  options: {
    /** The engine's table prefix (default `rg_`). */
    tablePrefix?: string | undefined;
    declared?: ReadonlyMap<string, AttributeType> | undefined;
    /** Host object types the policy declares (stored ones are added). */
    entityTypes?: ReadonlySet<string> | undefined;
    /** Where a declared attribute is written (a policy file's line), for the type-conflict error. */
    declaredAt?: ((name: string) => PolicyProblem | undefined) | undefined;
  } = {},
): Promise<EngineSettings> {
  const tables = tableNames(options.tablePrefix ?? 'rg_');
  const hasSchema = await schemaPresent(db, dialect, tables.domain);
  const attributes = hasSchema ? await existingAttributes(db, dialect, tables.contact) : new Map<string, AttributeType>();
  for (const [name, type] of options.declared ?? []) {
    const existing = attributes.get(name);
    if (existing !== undefined && existing !== type) {
      const message = `attribute '${name}' is declared ${type}, but the database column is ${existing} (column types are never changed)`;
      const where = options.declaredAt?.(name);
      throw new PolicyFileError('attribute_type_conflict', 'invalid', where ? formatProblem({ ...where, message }) : message, where ? [{ ...where, message }] : []);
    }
    attributes.set(name, type);
  }
  const types = new Set(options.entityTypes ?? []);
  // A schema whose creation was cut off may lack the entry table: a migration then completes it.
  if (hasSchema && (await schemaPresent(db, dialect, tables.entry))) {
    for (const type of await storedEntityTypes(db, tables.entry)) types.add(type);
  }
  for (const builtin of BUILTIN_ENTITY_TYPES) types.delete(builtin);
  const entityTypes = [...types].sort();
  return {
    hasSchema,
    attributes,
    entityTypes,
    config: { contacts: { attributes: Object.fromEntries([...attributes].map(([n, type]) => [n, { type }])) }, entityTypes: [...entityTypes] },
  };
}

/**
 * Where a validated policy declares each attribute, for {@link engineSettingsFor}'s type-conflict error.
 *
 * @example
 * ```ts
 * attributeDeclaredAt(validated)('country'); // { file: 'policy.yaml', line: 3, column: 12, field: 'attributes.country', message: '' }
 * ```
 */
export function attributeDeclaredAt(validated: ValidatedPolicy): (name: string) => PolicyProblem | undefined {
  const { text } = validated;
  return (name) =>
    validated.file.attributes[name] === undefined ? undefined : { file: text.file, ...text.locate(['attributes', name]), field: `attributes.${name}`, message: '' };
}
