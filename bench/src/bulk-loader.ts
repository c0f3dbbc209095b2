import { sql, type Kysely } from 'kysely';
import type { DialectKind } from '@rowguard/core';

/** A column to load: its name and its SQL type for PostgreSQL's `unnest` (int or text). */
export interface LoadColumn {
  readonly name: string;
  readonly type: 'int' | 'text';
}

/** Column-wise values, one array per column, all of the same length. */
export type ColumnValues = readonly (readonly (string | number | null)[])[];

/**
 * Fast bulk loading into one pinned connection: PostgreSQL gets one `insert ... select * from unnest($1::int[],
 * $2::text[], ...)` per 20,000 rows (one array parameter per column), MariaDB and SQLite multi-row `insert ...
 * values` batches. Every value is a bound parameter. This bypasses the engine's audited write API: it is for
 * generating benchmark data only.
 */
export class BulkLoader {
  readonly #db: Kysely<any>;
  readonly #dialect: DialectKind;
  #rows = 0;

  constructor(db: Kysely<any>, dialect: DialectKind) {
    this.#db = db;
    this.#dialect = dialect;
  }

  /** Rows loaded so far. */
  get rows(): number {
    return this.#rows;
  }

  /** Session settings for a faster load (PostgreSQL: asynchronous commit, more memory for index builds). */
  async prepare(): Promise<void> {
    if (this.#dialect === 'postgres') {
      await sql`set synchronous_commit = off`.execute(this.#db);
      await sql`set maintenance_work_mem = '256MB'`.execute(this.#db);
    } else if (this.#dialect === 'mysql') {
      await sql`set session unique_checks = 0`.execute(this.#db);
    }
  }

  /**
   * Inserts rows given column-wise.
   *
   * @example
   * ```ts
   * await loader.insert('rg_group_contact', [{ name: 'group_id', type: 'int' }, { name: 'contact_id', type: 'int' }, { name: 'status', type: 'text' }], [[1, 1], [5, 6], ['Added', 'Added']]);
   * ```
   */
  async insert(table: string, columns: readonly LoadColumn[], values: ColumnValues): Promise<void> {
    const count = values[0]?.length ?? 0;
    if (count === 0) return;
    const cols = sql.join(columns.map((c) => sql.id(c.name)));
    if (this.#dialect === 'postgres') {
      const batch = 20_000;
      for (let start = 0; start < count; start += batch) {
        const arrays = columns.map((c, i) => {
          const part = (values[i] ?? []).slice(start, start + batch);
          return c.type === 'int' ? sql`${part}::int[]` : sql`${part}::text[]`;
        });
        await sql`insert into ${sql.table(table)} (${cols}) select * from unnest(${sql.join(arrays)})`.execute(this.#db);
      }
    } else {
      const batch = Math.max(1, Math.floor((this.#dialect === 'sqlite' ? 30_000 : 20_000) / columns.length));
      const run = async (db: Kysely<any>): Promise<void> => {
        for (let start = 0; start < count; start += batch) {
          const rows = [];
          for (let r = start; r < Math.min(count, start + batch); r += 1) {
            rows.push(sql`(${sql.join(columns.map((_, i) => values[i]?.[r] ?? null))})`);
          }
          await sql`insert into ${sql.table(table)} (${cols}) values ${sql.join(rows)}`.execute(db);
        }
      };
      if (this.#dialect === 'sqlite') await this.#db.transaction().execute(run);
      else await run(this.#db);
    }
    this.#rows += count;
  }

  /**
   * Drops a table's non-unique secondary indexes before a load and returns the statements that recreate them,
   * read from the catalog (so they match whatever the engine's migrations created).
   *
   * @example
   * ```ts
   * const restore = await loader.dropSecondaryIndexes('rg_group_contact');
   * // ... load ...
   * await loader.recreateIndexes(restore);
   * ```
   */
  async dropSecondaryIndexes(table: string): Promise<string[]> {
    const restore: string[] = [];
    if (this.#dialect === 'mysql') {
      const { rows } = await sql<{ name: string; col: string }>`select index_name as name, column_name as col from information_schema.statistics
        where table_schema = database() and table_name = ${table} and non_unique = 1 order by index_name, seq_in_index`.execute(this.#db);
      const byIndex = new Map<string, string[]>();
      for (const r of rows) byIndex.set(r.name, [...(byIndex.get(r.name) ?? []), r.col]);
      if (byIndex.size === 0) return restore;
      const ident = (s: string): string => `\`${s.replace(/`/g, '``')}\``;
      await sql.raw(`alter table ${ident(table)} ${[...byIndex.keys()].map((n) => `drop index ${ident(n)}`).join(', ')}`).execute(this.#db);
      restore.push(
        `alter table ${ident(table)} ${[...byIndex].map(([n, c]) => `add index ${ident(n)} (${c.map(ident).join(', ')})`).join(', ')}`,
      );
    } else if (this.#dialect === 'postgres') {
      const { rows } = await sql<{ name: string; def: string }>`select i.indexname as name, i.indexdef as def from pg_indexes i
        where i.schemaname = current_schema() and i.tablename = ${table}
          and not exists (select 1 from pg_constraint k where k.conname = i.indexname)`.execute(this.#db);
      for (const r of rows) {
        await sql`drop index ${sql.id(r.name)}`.execute(this.#db);
        restore.push(r.def);
      }
    } else {
      const { rows } = await sql<{ name: string; def: string }>`select name, sql as def from sqlite_master
        where type = 'index' and tbl_name = ${table} and sql is not null`.execute(this.#db);
      for (const r of rows) {
        await sql`drop index ${sql.id(r.name)}`.execute(this.#db);
        restore.push(r.def);
      }
    }
    return restore;
  }

  /** Runs the statements {@link dropSecondaryIndexes} returned (catalog text, no values). */
  async recreateIndexes(statements: readonly string[]): Promise<void> {
    for (const s of statements) await sql.raw(s).execute(this.#db);
  }
}
