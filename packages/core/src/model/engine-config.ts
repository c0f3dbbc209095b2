import { z } from 'zod';
import { checkedAttributeKeys } from './attribute-names.js';
import { PolicyError } from './engine-errors.js';
import { clusterConfigSchema } from './cluster-config.js';

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/**
 * zod schema of an SQL identifier the engine will interpolate (a table or column name). Only letters, digits
 * and underscores, starting with a letter or underscore: identifiers never come from user data.
 *
 * @example
 * ```ts
 * identifierSchema.parse('civicrm_contact'); // ok
 * identifierSchema.parse('x; drop table y'); // throws
 * ```
 */
export const identifierSchema = z.string().regex(IDENTIFIER, 'must be a plain SQL identifier');

/**
 * Checks a table alias or column name a host passes at run time, throwing {@link PolicyError} `invalid_input`
 * that names it (`details`: what, value) instead of a raw schema error.
 *
 * @example
 * ```ts
 * parseIdentifier('c', 'alias'); // 'c'
 * parseIdentifier('c; drop table x', 'alias'); // throws: invalid alias "c; drop table x": ...
 * ```
 */
export function parseIdentifier(value: unknown, what: string): string {
  if (typeof value === 'string' && IDENTIFIER.test(value)) return value;
  throw new PolicyError(
    'invalid_input',
    `invalid ${what} ${JSON.stringify(value) ?? String(value)}: must be a plain SQL identifier (letters, digits and _, not starting with a digit, at most 63 characters)`,
    { what, value },
  );
}

/** The value types a contact attribute may have. */
export const ATTRIBUTE_TYPES = ['text', 'integer'] as const;
/** A contact attribute's value type. */
export type AttributeType = (typeof ATTRIBUTE_TYPES)[number];

/**
 * zod schema of one declared contact attribute (for example `country`): its type and, for a host table, the
 * column that holds it.
 *
 * @example
 * ```ts
 * attributeSchema.parse({ type: 'text' }); // { type: 'text' }
 * ```
 */
export const attributeSchema = z.object({
  type: z.enum(ATTRIBUTE_TYPES),
  column: identifierSchema.optional(),
});

const RESERVED_FIELDS_LIST = ['id', 'contact_type', 'domain_id', 'is_deleted', 'sort_name', 'contact_key'] as const;
const RESERVED_FIELDS: ReadonlySet<string> = new Set(RESERVED_FIELDS_LIST);

/** The column names of the engine's own contact table. */
const DEFAULT_COLUMNS = {
  id: 'id',
  domainId: 'domain_id',
  contactType: 'contact_type',
  isDeleted: 'is_deleted',
  isDeletedType: 'integer',
  sortName: 'sort_name',
} as const;

/**
 * zod schema of the contact-table settings. Attribute names are plain identifiers, none of the reserved
 * fields above and none of the names every JavaScript object has (`__proto__`, `constructor`, `toString`, ...). Without `table` the engine uses its own reference table
 * (`<prefix>contact`); with it, the engine reads the host's table through the given column names and refuses
 * contact writes.
 *
 * @example
 * ```ts
 * contactsConfigSchema.parse({
 *   table: 'crm_person',
 *   columns: { id: 'person_id', domainId: null, contactType: 'kind', isDeleted: 'trashed', isDeletedType: 'boolean' },
 *   attributes: { country: { type: 'text', column: 'country_code' } },
 * });
 * ```
 */
export const contactsConfigSchema = z
  .object({
    table: identifierSchema.optional(),
    columns: z
      .object({
        id: identifierSchema.default('id'),
        domainId: identifierSchema.nullable().default('domain_id'),
        contactType: identifierSchema.nullable().default('contact_type'),
        isDeleted: identifierSchema.nullable().default('is_deleted'),
        isDeletedType: z.enum(['integer', 'boolean']).default('integer'),
        sortName: identifierSchema.nullable().default('sort_name'),
      })
      .strict()
      .default(DEFAULT_COLUMNS),
    attributes: checkedAttributeKeys(z.record(identifierSchema, attributeSchema))
      .default({})
      .refine((attrs) => !Object.keys(attrs).some((k) => RESERVED_FIELDS.has(k)), {
        message: `attribute names may not be one of: ${[...RESERVED_FIELDS_LIST].join(', ')}`,
      }),
  })
  .strict();


/**
 * zod schema of the engine's configuration (everything except the database handle and callbacks).
 *
 * @example
 * ```ts
 * engineConfigSchema.parse({ tablePrefix: 'rg_', contacts: { attributes: { country: { type: 'text' } } } });
 * ```
 */
export const engineConfigSchema = z
  .object({
    tablePrefix: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]{0,20}$/, 'must be letters, digits or underscores')
      .default('rg_'),
    /**
     * How static-group membership tests are written in the SQL clause: `auto` (per dialect, grant size and the
     * query's purpose) or one shape for every clause (see `clause-shape.ts`).
     */
    clauseShape: z.enum(['auto', 'exists', 'probe', 'in', 'array']).default('auto'),
    /** Relationship settings: second-degree permissions are opt-in. */
    relationships: z.object({ secondDegree: z.boolean().default(false) }).strict().default({ secondDegree: false }),
    /** Non-contact object types the host registers, besides `group`, `custom_group` and `profile`. */
    entityTypes: z.array(z.string().regex(/^[a-z][a-z0-9_]{0,63}$/, 'lower-case letters, digits and _')).default([]),
    contacts: contactsConfigSchema.default({ columns: DEFAULT_COLUMNS, attributes: {} }),
    /**
     * Longest time one decision (check, clause, list, ...) may take, database calls and hooks included, in
     * milliseconds. A decision that runs out denies with a `DatabaseTimeoutError` (kind `decision`), also on a
     * Kysely the host provides, whose driver may have no timeout of its own.
     */
    decisionTimeoutMs: z.number().int().min(1).max(3_600_000).default(30_000),
    /**
     * The database deployment: one server (`single`), a MariaDB Galera cluster (`galera`: causal freshness
     * reads) or a PostgreSQL primary with hot standbys (`postgres-replicas`, with the engine option
     * `replicas`). See `cluster-config.ts` and docs/clusters.md.
     */
    cluster: clusterConfigSchema.default({ kind: 'single' }),
  })
  .strict();

/** The engine's configuration as written by a host. */
export type EngineConfigInput = z.input<typeof engineConfigSchema>;
/** The engine's configuration after validation and defaults. */
export type EngineConfig = z.output<typeof engineConfigSchema>;
/** The contact-table settings after validation. */
export type ContactsConfig = EngineConfig['contacts'];
