import {
  DummyDriver,
  Kysely,
  MysqlAdapter,
  MysqlIntrospector,
  MysqlQueryCompiler,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
  type Expression,
  type SqlBool,
} from 'kysely';
import type { DialectKind } from '@rowguard/core';

/** A Kysely instance that only compiles SQL for a dialect (it never connects). */
function compilerFor(dialect: DialectKind): Kysely<any> {
  return new Kysely<any>({
    dialect: {
      createAdapter: () => (dialect === 'mysql' ? new MysqlAdapter() : dialect === 'postgres' ? new PostgresAdapter() : new SqliteAdapter()),
      createDriver: () => new DummyDriver(),
      createIntrospector: (db) =>
        dialect === 'mysql' ? new MysqlIntrospector(db) : dialect === 'postgres' ? new PostgresIntrospector(db) : new SqliteIntrospector(db),
      createQueryCompiler: () =>
        dialect === 'mysql' ? new MysqlQueryCompiler() : dialect === 'postgres' ? new PostgresQueryCompiler() : new SqliteQueryCompiler(),
    },
  });
}

/**
 * Compiles a permission clause to SQL text and bound parameters for a dialect, as it appears in
 * `select ... from <table> as <alias> where <clause>`.
 *
 * @example
 * ```ts
 * const { clause, parameters, query } = compileClauseSql(await session.clause('view', { alias: 'c' }), 'mysql', 'rg_contact', 'c');
 * ```
 */
export function compileClauseSql(
  expression: Expression<SqlBool>,
  dialect: DialectKind,
  table: string,
  alias: string,
): { clause: string; parameters: unknown[]; query: string } {
  const db = compilerFor(dialect);
  const base = db.selectFrom(`${table} as ${alias}`).select(`${alias}.id`);
  const prefix = base.compile().sql;
  const full = base.where(expression).compile();
  const clause = full.sql.startsWith(`${prefix} where `) ? full.sql.slice(prefix.length + ' where '.length) : full.sql;
  return { clause, parameters: [...full.parameters], query: full.sql };
}
