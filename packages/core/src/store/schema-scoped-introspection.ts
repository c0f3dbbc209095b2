import { sql, type DatabaseIntrospector, type Kysely, type SchemaMetadata, type TableMetadata } from 'kysely';

/**
 * A view of `db` for Kysely's migrator on PostgreSQL whose `introspection` lists only the tables of the
 * current schema (the first on the search path, where the engine's tables go).
 *
 * Kysely's own PostgreSQL introspector reads the tables of EVERY schema and calls name-resolving catalog
 * functions (`pg_get_serial_sequence`, `has_schema_privilege`) on each. When another process drops a schema
 * meanwhile (parallel test files, tenants set up and torn down on a shared server), that query fails with
 * "schema ... does not exist" and the migration with it. The migrator only asks whether its two tables exist,
 * which this answers from `pg_class` of the current schema alone. Everything else is `db` itself.
 *
 * @example
 * ```ts
 * const migrator = new Migrator({ db: schemaScopedIntrospection(db), provider, migrationTableSchema: 'tenant_a' });
 * ```
 */
export function schemaScopedIntrospection(db: Kysely<any>): Kysely<any> {
  const introspector: DatabaseIntrospector = {
    getSchemas: async (): Promise<SchemaMetadata[]> => {
      const { rows } = await sql<{ name: string }>`select nspname as name from pg_catalog.pg_namespace`.execute(db);
      return rows.map((r) => ({ name: r.name }));
    },
    getTables: async (): Promise<TableMetadata[]> => {
      const { rows } = await sql<{ name: string; schema: string; kind: string }>`
        select c.relname as name, n.nspname as schema, c.relkind as kind
        from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
        where n.nspname = current_schema() and c.relkind in ('r', 'p', 'v', 'm')`.execute(db);
      return rows.map((r) => ({ name: r.name, schema: r.schema, isView: r.kind === 'v' || r.kind === 'm', columns: [] }));
    },
    getMetadata: async () => ({ tables: await introspector.getTables() }),
  };
  // Kysely keeps its state in private fields: every other member is read from, and bound to, `db` itself.
  return new Proxy(db, {
    get(target, prop) {
      if (prop === 'introspection') return introspector;
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}
