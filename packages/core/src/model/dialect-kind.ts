import { MysqlAdapter, PostgresAdapter, SqliteAdapter, type Kysely } from 'kysely';
import { z } from 'zod';

/** The SQL dialects rowguard produces identical answers on. */
export const DIALECT_KINDS = ['sqlite', 'mysql', 'postgres'] as const;
/** One of the supported SQL dialects. MariaDB counts as `mysql`. */
export type DialectKind = (typeof DIALECT_KINDS)[number];

/**
 * zod schema of a dialect name.
 *
 * @example
 * ```ts
 * dialectKindSchema.parse('postgres');
 * ```
 */
export const dialectKindSchema = z.enum(DIALECT_KINDS);

/**
 * Finds the dialect of a Kysely instance from its adapter (SQLite, MySQL/MariaDB or PostgreSQL).
 *
 * @example
 * ```ts
 * detectDialect(new Kysely({ dialect: new SqliteDialect({ database: new Database(':memory:') }) })); // 'sqlite'
 * ```
 */
export function detectDialect(db: Kysely<any>): DialectKind | undefined {
  const adapter = db.getExecutor().adapter;
  if (adapter instanceof SqliteAdapter) return 'sqlite';
  if (adapter instanceof MysqlAdapter) return 'mysql';
  if (adapter instanceof PostgresAdapter) return 'postgres';
  return undefined;
}
