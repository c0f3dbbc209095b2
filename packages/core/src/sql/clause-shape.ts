import { sql, type Kysely, type RawBuilder } from 'kysely';
import { z } from 'zod';
import type { DialectKind } from '../model/dialect-kind.js';
import type { TableNames } from '../store/table-names.js';
import type { PgIdType } from './id-list-sql.js';

/**
 * How a "member of these static groups" test is written in SQL. All shapes are the same boolean function; they
 * differ in the plan a database picks for the host's query:
 * - `exists`: a correlated `exists (...)` — PostgreSQL semi-joins it; SQLite probes per row.
 * - `probe`: `(select 1 ... limit 1) is not null` — a scalar subquery MariaDB/MySQL cannot turn into a
 *   semi-join, so it probes the membership index per row in the order of the host's own index (ORDER BY ...
 *   LIMIT stops early): best for a large grant's first page.
 * - `in`: `id in (select contact_id ...)` — MariaDB/MySQL drive from the membership index: best for a small
 *   grant.
 * - `array`: `id = any(array(select contact_id ...))` — PostgreSQL fetches the members once (an init plan) and
 *   looks them up by primary key: best for a small grant.
 * - `hashed`: `(id in (select contact_id ...)) is true` — PostgreSQL cannot pull the wrapped `IN` up into a
 *   semi-join, so it hashes the members once and tests each row of the host's index order against the hash: the
 *   first page of a grant too large for `array` (each member a primary-key lookup) and too small for a semi-join.
 */
export const CLAUSE_SHAPES = ['exists', 'probe', 'in', 'array', 'hashed'] as const;
/**
 * A membership-test shape: one of {@link CLAUSE_SHAPES}, or `ids`: the members read once when the clause is built
 * and bound as a literal list (at most {@link PREFETCH_MAX_IDS}), which lets MariaDB/MySQL merge an index range per
 * arm of an OR (`index_merge`) for a count. Chosen automatically only.
 */
export type ClauseShape = (typeof CLAUSE_SHAPES)[number] | 'ids';

/**
 * The rows of a first page (the host's `LIMIT`, as the benchmark pages). Walking the host's index order until
 * that many rows match reads about `PAGE_WALK_ROWS * contacts / members` rows, each tested against the members
 * (a hash on PostgreSQL, a probe on MariaDB/MySQL); starting from the members reads every one of them. The walk
 * wins once the members exceed `sqrt(PAGE_WALK_ROWS * contacts)`: about 0.7% of a million contacts.
 */
export const PAGE_WALK_ROWS = 50;

/**
 * Whether a small grant's first page is cheaper walking the host's index order (`hashed` on PostgreSQL, `probe`
 * on MariaDB/MySQL) than starting from the members (`array`, `in`).
 *
 * @example
 * ```ts
 * pageWalkWins(9_600, 1_000_000); // true: ~5,200 rows walked against 9,600 members read
 * pageWalkWins(960, 1_000_000); // false
 * ```
 */
export function pageWalkWins(members: number, contacts: number): boolean {
  return members > 0 && members * members > PAGE_WALK_ROWS * contacts;
}

/** The most members the `ids` shape reads and binds (well under MariaDB's 65,535 placeholders). */
export const PREFETCH_MAX_IDS = 10_000;

/** What the host's query will do with the clause: page through rows in an index order, or count them. */
export const CLAUSE_PURPOSES = ['page', 'count'] as const;
/** A clause's purpose. */
export type ClausePurpose = (typeof CLAUSE_PURPOSES)[number];

/**
 * zod schema of the shape setting: `auto` (choose per dialect, grant size and purpose) or one shape forced.
 *
 * @example
 * ```ts
 * clauseShapeSettingSchema.parse('auto');
 * ```
 */
export const clauseShapeSettingSchema = z.enum(['auto', ...CLAUSE_SHAPES]);
/** The shape setting. */
export type ClauseShapeSetting = z.infer<typeof clauseShapeSettingSchema>;

/**
 * The forms the whole clause can take (each the same function; the differential suite checks every one):
 * - `or`: the tiers as one predicate, `not deny and (allow or ...)`, tested on each row of the host's query;
 * - `disjunct-union`: `id in (select id ... where <disjunct> union ...)`, one SELECT over the contact table per
 *   top-level disjunct, each driven from its own index (PostgreSQL counts of a small visible set);
 * - `member-union`: `id in (select id from (<term> union ...))`, one term per allowed member set (read from the
 *   membership table alone, less the denies above it) or per tier's other objects (MariaDB/MySQL counts with a
 *   large member set under OR).
 */
export const CLAUSE_FORMS = ['or', 'disjunct-union', 'member-union'] as const;
/** A form of the whole clause. */
export type ClauseForm = (typeof CLAUSE_FORMS)[number];

/**
 * zod schema of the form setting: `auto` (choose per dialect, purpose and sizes) or one form forced.
 *
 * @example
 * ```ts
 * clauseFormSettingSchema.parse('member-union');
 * ```
 */
export const clauseFormSettingSchema = z.enum(['auto', ...CLAUSE_FORMS]);
/** The form setting. */
export type ClauseFormSetting = z.infer<typeof clauseFormSettingSchema>;

/** A grant is "small" below this share of the domain's contacts. */
export const SMALL_GRANT_SHARE = 0.03;

/** One shape choice, as `explainClause` reports it. */
export interface ShapeChoice {
  /** The groups tested (empty for a sub-type test). */
  readonly groups: readonly number[];
  /** Whether the test reads the materialised members of smart groups (rather than static memberships). */
  readonly materialised?: boolean;
  /** The sub-type tested, for a sub-type test. */
  readonly subType?: string;
  /** For a test of a smart group's explicit rows: their status. */
  readonly explicit?: string;
  readonly shape: ClauseShape;
  /** `small` / `large` grant, or `forced` / `fixed` when no estimate was needed. */
  readonly grant: 'small' | 'large' | 'forced' | 'fixed';
  readonly why: string;
}

/**
 * Chooses a shape for a static-group membership test.
 *
 * @example
 * ```ts
 * chooseShape('mysql', 'page', 'large'); // 'probe'
 * chooseShape('postgres', 'page', 'small'); // 'array'
 * chooseShape('postgres', 'page', 'small', false, true); // 'hashed': enough members that walking wins (pageWalkWins)
 * chooseShape('postgres', 'page', 'large', true); // 'probe': under OR/NOT
 * ```
 */
export function chooseShape(dialect: DialectKind, purpose: ClausePurpose, grant: 'small' | 'large', underOr = false, walk = false): ClauseShape {
  if (dialect === 'sqlite') return 'exists';
  if (dialect === 'postgres') {
    // Under OR/NOT PostgreSQL rechecks the whole condition per heap row, where `= any(array)` is a linear scan;
    // for a first page a large set is probed per walked row (a hashed subplan would read every member first).
    if (underOr) return purpose === 'page' && grant === 'large' ? 'probe' : 'exists';
    if (grant === 'large') return 'exists';
    return purpose === 'page' && walk ? 'hashed' : 'array';
  }
  if (purpose === 'count') return 'exists';
  // Under OR/NOT MariaDB materialises an `in` on every query; a probe keeps the host's index order.
  return grant === 'small' && !underOr && !walk ? 'in' : 'probe';
}

/** Why a shape, in words. */
export function shapeReason(dialect: DialectKind, purpose: ClausePurpose, grant: 'small' | 'large', shape: ClauseShape, underOr = false): string {
  if (dialect === 'sqlite') return 'SQLite probes a correlated exists per row, in the order of the host query';
  if (dialect === 'postgres' && underOr && grant === 'small') return 'a small grant under OR/NOT: a correlated exists (an array would be scanned linearly on every recheck)';
  if (dialect === 'postgres' && underOr && shape === 'probe') return 'a large grant under OR/NOT, a first page: a scalar probe per row in the host index order (a hashed subplan would read every member first)';
  if (dialect === 'postgres' && underOr) return 'a large grant under OR/NOT, a count: a correlated exists (a hashed subplan)';
  if (dialect === 'mysql' && underOr && purpose === 'count' && shape === 'exists') {
    return `${grant === 'small' ? 'a small grant with too many members to bind' : 'a large grant'} under OR/NOT, a count: a correlated exists, probed per row`;
  }
  if (dialect === 'mysql' && !underOr && grant === 'small' && shape === 'probe') {
    return 'a small grant with enough members that a first page walks fewer rows than it has members: a scalar probe per row in the host index order';
  }
  if (dialect === 'mysql' && underOr && grant === 'small' && shape === 'probe') return 'a small grant under OR/NOT, a first page: a scalar probe per row in the host index order (an IN under OR is materialised on every query)';
  const size = grant === 'small' ? `a small grant (under ${SMALL_GRANT_SHARE * 100}% of the contacts)` : `a large grant (${SMALL_GRANT_SHARE * 100}% of the contacts or more)`;
  const how: Record<ClauseShape, string> = {
    exists: 'a correlated exists, which the planner semi-joins',
    probe: 'a scalar probe per row, so the host index order and LIMIT are kept',
    in: 'an IN subquery driven from the membership index',
    array: 'the member ids fetched once, then looked up by primary key',
    ids: 'the member ids read when the clause is built and bound as a list, so each arm of the OR gets its own index range (index_merge)',
    hashed: 'the member ids hashed once and each row of the host index order tested against the hash (fewer rows walked than members looked up)',
  };
  return `${size}, ${purpose === 'page' ? 'a first page' : 'a count'}: ${how[shape]}`;
}

/**
 * Estimates grant sizes with bounded work and caches them for a while. Estimates only steer the clause shape,
 * never its answer, so they may be a little stale.
 *
 * @example
 * ```ts
 * const sizes = new GrantSizeEstimator(db, 'postgres', tables, 60_000);
 * await sizes.isSmall(1, [3, 4]); // true when groups 3 and 4 hold under 3% of the domain's contacts
 * ```
 */
export class GrantSizeEstimator {
  readonly #cache = new Map<string, { small: boolean; rows: number; at: number }>();
  readonly #totals = new Map<number, { total: number; at: number }>();
  readonly #estimates = new Map<string, { rows: number; at: number }>();
  #idType: PgIdType | undefined;

  constructor(
    private readonly db: Kysely<any>,
    private readonly dialect: DialectKind,
    private readonly tables: TableNames,
    private readonly contactTable: string,
    private readonly domainColumn: string | null,
    private readonly ttlMs = 60_000,
  ) {}

  async #total(domainId: number): Promise<number> {
    const hit = this.#totals.get(domainId);
    if (hit && Date.now() - hit.at < this.ttlMs) return hit.total;
    let total = 0;
    if (this.dialect === 'postgres') {
      const { rows } = await sql<{ n: unknown }>`select reltuples as n from pg_class where oid = to_regclass(${this.contactTable})`.execute(this.db);
      total = Number(rows[0]?.n ?? 0);
    } else if (this.dialect === 'mysql') {
      const { rows } = await sql<{ n: unknown }>`select table_rows as n from information_schema.tables where table_schema = database() and table_name = ${this.contactTable}`.execute(this.db);
      total = Number(rows[0]?.n ?? 0);
    }
    if (!(total > 0)) {
      // No statistics yet (a new table): count, but never more than a million rows.
      const where = this.domainColumn ? sql`where ${sql.ref(this.domainColumn)} = ${domainId}` : sql``;
      const { rows } = await sql<{ n: unknown }>`select count(*) as n from (select 1 as x from ${sql.table(this.contactTable)} ${where} limit 1000000) as rg_n`.execute(this.db);
      total = Number(rows[0]?.n ?? 0);
    }
    this.#totals.set(domainId, { total, at: Date.now() });
    return total;
  }

  /**
   * PostgreSQL: the integer type of the contact table's id column, read once from the catalogue (`bigint` when it
   * cannot be read). Long id lists are cast to it so the planner can hash them (see `idListSql`).
   */
  async contactIdType(idColumn: string): Promise<PgIdType> {
    if (this.#idType) return this.#idType;
    let type: PgIdType = 'bigint';
    if (this.dialect === 'postgres') {
      try {
        const { rows } = await sql<{ t: unknown }>`select format_type(a.atttypid, null) as t from pg_attribute a
          where a.attrelid = to_regclass(${this.contactTable}) and a.attname = ${idColumn} and not a.attisdropped`.execute(this.db);
        const found = String(rows[0]?.t ?? '');
        if (found === 'integer' || found === 'smallint') type = 'integer';
      } catch {
        // A hint only: `bigint` is always correct.
      }
    }
    this.#idType = type;
    return type;
  }

  /** The contact id type once {@link GrantSizeEstimator.contactIdType} has read it. */
  get knownContactIdType(): PgIdType | undefined {
    return this.#idType;
  }

  /** The domain's contacts, as estimated for the shape choice (statistics, or a bounded count). */
  contacts(domainId: number): Promise<number> {
    return this.#total(domainId);
  }

  /**
   * How many rows a query returns, counted up to `limit` (bounded work: each branch of a union stops reading once
   * `limit` rows are found), cached like the grant sizes.
   */
  async boundedRows(query: RawBuilder<unknown>, limit: number): Promise<number> {
    const compiled = sql`select count(*) as n from (select 1 as x from (${query}) as rg_e1 limit ${limit}) as rg_e2`.compile(this.db);
    const key = `${compiled.sql}\u0000${JSON.stringify(compiled.parameters)}`;
    const hit = this.#estimates.get(key);
    if (hit && Date.now() - hit.at < this.ttlMs) return hit.rows;
    const { rows } = await this.db.executeQuery<{ n: unknown }>(compiled);
    const n = Number(rows[0]?.n ?? limit);
    if (this.#estimates.size > 1000) this.#estimates.clear();
    this.#estimates.set(key, { rows: n, at: Date.now() });
    return n;
  }

  /**
   * The contacts with rows of this status (Added by default) in these groups, or undefined when there are more
   * than `max` (read with a bound).
   */
  async members(groupIds: readonly number[], max: number, status = 'Added'): Promise<number[] | undefined> {
    const { rows } = await sql<{ id: unknown }>`select ${sql.ref('contact_id')} as id from ${sql.table(this.tables.groupContact)} where ${sql.ref(
      'group_id',
    )} in (${sql.join([...groupIds])}) and ${sql.ref('status')} = ${status} limit ${max + 1}`.execute(this.db);
    if (rows.length > max) return undefined;
    return [...new Set(rows.map((r) => Number(r.id)))].sort((a, b) => a - b);
  }

  /**
   * Whether the Added members of these static groups (or, with `materialised`, the materialised members of these
   * smart groups) are under {@link SMALL_GRANT_SHARE} of the domain's contacts.
   */
  async isSmall(domainId: number, groupIds: readonly number[], materialised = false): Promise<boolean> {
    return (await this.grant(domainId, groupIds, materialised)).small;
  }

  /**
   * Like {@link GrantSizeEstimator.isSmall}, with the rows counted (exact below the small-grant bound, the bound
   * itself above it) and the domain's estimated contacts.
   */
  async grant(domainId: number, groupIds: readonly number[], materialised = false): Promise<{ small: boolean; rows: number; contacts: number }> {
    const key = `${materialised ? 'm' : 's'}${domainId}:${[...groupIds].sort((a, b) => a - b).join(',')}`;
    const contacts = await this.#total(domainId);
    const hit = this.#cache.get(key);
    if (hit && Date.now() - hit.at < this.ttlMs) return { small: hit.small, rows: hit.rows, contacts };
    const limit = Math.max(1, Math.ceil(contacts * SMALL_GRANT_SHARE));
    // Bounded: reads at most `limit` entries of the (group_id, status, contact_id) index.
    const table = materialised ? this.tables.groupMember : this.tables.groupContact;
    const status = materialised ? sql`` : sql` and ${sql.ref('status')} = ${'Added'}`;
    const { rows } = await sql<{ n: unknown }>`select count(*) as n from (select 1 as x from ${sql.table(table)} where ${sql.ref(
      'group_id',
    )} in (${sql.join([...groupIds])})${status} limit ${limit}) as rg_m`.execute(this.db);
    const counted = Number(rows[0]?.n ?? 0);
    const small = counted < limit;
    this.#cache.set(key, { small, rows: counted, at: Date.now() });
    return { small, rows: counted, contacts };
  }
}
