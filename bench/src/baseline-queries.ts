import { CompiledQuery, sql, type Expression, type Kysely, type RawBuilder, type SqlBool } from 'kysely';
import type pg from 'pg';
import type { DialectKind } from '@rowguard/core';
import type { TableNames } from '@rowguard/core/extension';
import { existsToIn, existsToScalarProbe } from './clause-rewrite.js';

/** The first page every query returns: `order by sort_name, id limit 50`. */
export const PAGE_SIZE = 50;
/** The per-user cache table of the cache baseline. */
export const CACHE_TABLE = 'bench_acl_cache';
/** The materialised smart-group membership table of the materialisation prototype. */
export const MATERIALISED_TABLE = 'bench_smart_member';
/** The role the PostgreSQL row-level-security baseline runs as. */
export const RLS_ROLE = 'rowguard_bench_rls';
/** Prefetched id lists longer than this are not tried (the shape is for small grants). */
export const PREFETCH_LIMIT = 20_000;

/** A row of the first page. */
export interface PageRow {
  readonly id: number;
  readonly sort_name: string | null;
}

/** Where a grant's members are: static groups (Added rows), or a materialised set. */
export type MemberSource =
  | { readonly kind: 'groups'; readonly groups: readonly number[] }
  | { readonly kind: 'materialised'; readonly key: string };

/** What a shape needs to build its statements. */
export interface ShapeContext {
  readonly db: Kysely<any>;
  readonly dialect: DialectKind;
  readonly tables: TableNames;
  readonly domainId: number;
  /** The grant's members, when the grant is a member set (null for "all contacts" and mixed grants). */
  readonly source: MemberSource | null;
  /**
   * The engine's clause for the subject over alias `c`, with every membership test as `exists`: fills the cache
   * and is the input of the rewrite prototypes.
   */
  readonly existsClause: Expression<SqlBool>;
  /** A stable small integer naming the subject (cache key). */
  readonly userKey: number;
  /** Opens a dedicated PostgreSQL session (RLS baseline). */
  readonly pgClient: () => Promise<pg.Client>;
}

/** A prepared shape: run its first page and its count; some shapes also have a fill step. */
export interface ShapeRun {
  page(): Promise<PageRow[]>;
  count(): Promise<number>;
  /** The per-user / materialisation fill step, when the shape has one. */
  fill?(): Promise<void>;
  /** The first-page statement, for EXPLAIN. */
  readonly pageStatement?: RawBuilder<unknown>;
  /** The first-page statement already compiled, for EXPLAIN (when it is not a builder). */
  readonly pageCompiled?: CompiledQuery;
  close?(): Promise<void>;
}

/** A query shape measured side by side with the engine. */
export interface Shape {
  readonly key: string;
  readonly label: string;
  /** `reference` (the unfiltered page), `baseline` (the issue's), or `prototype` (a candidate clause shape). */
  readonly family: 'reference' | 'baseline' | 'prototype';
  /** Whether it is a WHERE-clause shape the engine could emit (as opposed to a statement or session change). */
  readonly clauseOnly: boolean;
  readonly dialects: readonly DialectKind[];
  /** Whether it needs a member source (group list or materialised set). */
  readonly needsSource: boolean;
  prepare(ctx: ShapeContext): Promise<ShapeRun | null>;
}

const ALL: readonly DialectKind[] = ['sqlite', 'mysql', 'postgres'];

function contactFrom(ctx: ShapeContext): RawBuilder<unknown> {
  return sql`${sql.table(ctx.tables.contact)} as ${sql.id('c')}`;
}

function baseWhere(ctx: ShapeContext): RawBuilder<SqlBool> {
  return sql<SqlBool>`${sql.ref('c.domain_id')} = ${ctx.domainId} and ${sql.ref('c.is_deleted')} = ${0}`;
}

/** The member condition over a membership alias `a` (static groups: Added rows of the groups). */
function memberCondition(ctx: ShapeContext, source: MemberSource, a: string): RawBuilder<SqlBool> {
  if (source.kind === 'materialised') return sql<SqlBool>`${sql.ref(`${a}.set_key`)} = ${source.key}`;
  const groups = source.groups;
  const groupTest =
    groups.length === 1 ? sql`${sql.ref(`${a}.group_id`)} = ${groups[0]}` : sql`${sql.ref(`${a}.group_id`)} in (${sql.join(groups)})`;
  return sql<SqlBool>`${groupTest} and ${sql.ref(`${a}.status`)} = ${'Added'}`;
}

function memberTable(ctx: ShapeContext, source: MemberSource): string {
  return source.kind === 'materialised' ? MATERIALISED_TABLE : ctx.tables.groupContact;
}

function memberSubquery(ctx: ShapeContext, source: MemberSource, a = 'gc'): RawBuilder<unknown> {
  return sql`select ${sql.ref(`${a}.contact_id`)} from ${sql.table(memberTable(ctx, source))} as ${sql.id(a)} where ${memberCondition(ctx, source, a)}`;
}

function correlated(ctx: ShapeContext, source: MemberSource, a = 'gc'): RawBuilder<unknown> {
  return sql`from ${sql.table(memberTable(ctx, source))} as ${sql.id(a)} where ${sql.ref(`${a}.contact_id`)} = ${sql.ref('c.id')} and ${memberCondition(ctx, source, a)}`;
}

function pageStatement(ctx: ShapeContext, where: RawBuilder<SqlBool>, from: RawBuilder<unknown> = contactFrom(ctx), select = sql`select`): RawBuilder<PageRow> {
  return sql<PageRow>`${select} ${sql.ref('c.id')} as ${sql.id('id')}, ${sql.ref('c.sort_name')} as ${sql.id('sort_name')} from ${from} where ${where} order by ${sql.ref('c.sort_name')}, ${sql.ref('c.id')} limit ${PAGE_SIZE}`;
}

function countStatement(ctx: ShapeContext, where: RawBuilder<SqlBool>, from: RawBuilder<unknown> = contactFrom(ctx), select = sql`select`): RawBuilder<{ n: unknown }> {
  return sql<{ n: unknown }>`${select} count(*) as ${sql.id('n')} from ${from} where ${where}`;
}

/**
 * Runs a first-page statement and normalises the rows.
 *
 * @example
 * ```ts
 * const rows = await runPage(db, statement);
 * ```
 */
export async function runPage(db: Kysely<any>, statement: RawBuilder<unknown>): Promise<PageRow[]> {
  const { rows } = await statement.execute(db);
  return (rows as { id: unknown; sort_name: unknown }[]).map((r) => ({ id: Number(r.id), sort_name: r.sort_name === null ? null : String(r.sort_name) }));
}

/**
 * Runs a count statement (`count(*) as n`).
 *
 * @example
 * ```ts
 * const n = await runCount(db, statement);
 * ```
 */
export async function runCount(db: Kysely<any>, statement: RawBuilder<unknown>): Promise<number> {
  const { rows } = await statement.execute(db);
  return Number((rows[0] as { n: unknown } | undefined)?.n ?? Number.NaN);
}

function statements(ctx: ShapeContext, page: RawBuilder<unknown>, count: RawBuilder<unknown>): ShapeRun {
  return { page: () => runPage(ctx.db, page), count: () => runCount(ctx.db, count), pageStatement: page };
}

/** A shape defined by one WHERE predicate over `c` (plus the base filters). */
function predicateShape(
  key: string,
  label: string,
  family: Shape['family'],
  dialects: readonly DialectKind[],
  predicate: (ctx: ShapeContext, source: MemberSource) => RawBuilder<SqlBool> | null,
): Shape {
  return {
    key,
    label,
    family,
    clauseOnly: true,
    dialects,
    needsSource: true,
    prepare: (ctx) => {
      if (!ctx.source) return Promise.resolve(null);
      const p = predicate(ctx, ctx.source);
      if (!p) return Promise.resolve(null);
      const where = sql<SqlBool>`${baseWhere(ctx)} and ${p}`;
      return Promise.resolve(statements(ctx, pageStatement(ctx, where), countStatement(ctx, where)));
    },
  };
}

const unfiltered: Shape = {
  key: 'unfiltered',
  label: 'unfiltered page (domain + not deleted only)',
  family: 'reference',
  clauseOnly: true,
  dialects: ALL,
  needsSource: false,
  prepare: (ctx) => Promise.resolve(statements(ctx, pageStatement(ctx, baseWhere(ctx)), countStatement(ctx, baseWhere(ctx)))),
};

const naiveIn = predicateShape('naive-in', 'id IN (SELECT contact_id ... group_id IN (...))', 'baseline', ALL, (ctx, source) => sql<SqlBool>`${sql.ref('c.id')} in (${memberSubquery(ctx, source)})`);

const exists = predicateShape('exists', 'EXISTS (... contact_id = c.id AND group_id IN (...))', 'baseline', ALL, (ctx, source) => sql<SqlBool>`exists (select 1 ${correlated(ctx, source)})`);

const scalarProbe = predicateShape(
  'scalar-probe',
  '(SELECT 1 ... contact_id = c.id ... LIMIT 1) IS NOT NULL',
  'prototype',
  ALL,
  (ctx, source) => sql<SqlBool>`(select 1 ${correlated(ctx, source)} limit 1) is not null`,
);

const unionIn = predicateShape('union-in', 'id IN (per-group SELECT ... UNION ALL ...)', 'prototype', ALL, (ctx, source) => {
  if (source.kind !== 'groups' || source.groups.length < 2) return null;
  const parts = source.groups.map(
    (g, i) =>
      sql`select ${sql.ref(`u${i}.contact_id`)} from ${sql.table(ctx.tables.groupContact)} as ${sql.id(`u${i}`)} where ${sql.ref(`u${i}.group_id`)} = ${g} and ${sql.ref(`u${i}.status`)} = ${'Added'}`,
  );
  return sql<SqlBool>`${sql.ref('c.id')} in (${sql.join(parts, sql` union all `)})`;
});

/** MariaDB: the EXISTS form with the semi-join rewrites switched off for the statement (index-order probe). */
const existsProbe: Shape = {
  key: 'exists-probe',
  label: 'EXISTS with semijoin/materialization off (SET STATEMENT)',
  family: 'baseline',
  clauseOnly: false,
  dialects: ['mysql'],
  needsSource: true,
  prepare: (ctx) => {
    if (!ctx.source) return Promise.resolve(null);
    const where = sql<SqlBool>`${baseWhere(ctx)} and exists (select 1 ${correlated(ctx, ctx.source)})`;
    const prefix = sql`set statement optimizer_switch = ${'semijoin=off,materialization=off'} for`;
    return Promise.resolve(statements(ctx, sql`${prefix} ${pageStatement(ctx, where)}`, sql`${prefix} ${countStatement(ctx, where)}`));
  },
};

/** MariaDB: STRAIGHT_JOIN (contact table first) with the EXISTS clause. */
const straightJoin: Shape = {
  key: 'straight-join',
  label: 'SELECT STRAIGHT_JOIN ... WHERE EXISTS (...)',
  family: 'prototype',
  clauseOnly: false,
  dialects: ['mysql'],
  needsSource: true,
  prepare: (ctx) => {
    if (!ctx.source) return Promise.resolve(null);
    const where = sql<SqlBool>`${baseWhere(ctx)} and exists (select 1 ${correlated(ctx, ctx.source)})`;
    const select = sql`select straight_join`;
    return Promise.resolve(statements(ctx, pageStatement(ctx, where, contactFrom(ctx), select), countStatement(ctx, where, contactFrom(ctx), select)));
  },
};

const derivedJoin: Shape = {
  key: 'derived-join',
  label: 'JOIN (SELECT DISTINCT contact_id ...) m ON m.contact_id = c.id',
  family: 'prototype',
  clauseOnly: false,
  dialects: ALL,
  needsSource: true,
  prepare: (ctx) => {
    if (!ctx.source) return Promise.resolve(null);
    const from = sql`${contactFrom(ctx)} join (select distinct ${sql.ref('gc.contact_id')} as ${sql.id('contact_id')} from ${sql.table(
      memberTable(ctx, ctx.source),
    )} as ${sql.id('gc')} where ${memberCondition(ctx, ctx.source, 'gc')}) as ${sql.id('m')} on ${sql.ref('m.contact_id')} = ${sql.ref('c.id')}`;
    return Promise.resolve(statements(ctx, pageStatement(ctx, baseWhere(ctx), from), countStatement(ctx, baseWhere(ctx), from)));
  },
};

/** Two steps: read the member ids (index-only), then `id IN (list)` / `id = ANY($1)`; only for small grants. */
const prefetchIds: Shape = {
  key: 'prefetch-ids',
  label: 'member ids read first, then id IN (list) / = ANY(array)',
  family: 'prototype',
  clauseOnly: true,
  dialects: ALL,
  needsSource: true,
  prepare: async (ctx) => {
    const source = ctx.source;
    if (!source) return null;
    const fetchIds = async (): Promise<number[]> => {
      const { rows } = await sql<{ contact_id: unknown }>`select distinct ${sql.ref('gc.contact_id')} as ${sql.id('contact_id')} from ${sql.table(
        memberTable(ctx, source),
      )} as ${sql.id('gc')} where ${memberCondition(ctx, source, 'gc')} limit ${PREFETCH_LIMIT + 1}`.execute(ctx.db);
      return rows.map((r) => Number(r.contact_id));
    };
    const first = await fetchIds();
    if (first.length > PREFETCH_LIMIT || first.length === 0) return null;
    const where = (ids: readonly number[]): RawBuilder<SqlBool> =>
      ctx.dialect === 'postgres'
        ? sql<SqlBool>`${baseWhere(ctx)} and ${sql.ref('c.id')} = any(${[...ids]}::int[])`
        : sql<SqlBool>`${baseWhere(ctx)} and ${sql.ref('c.id')} in (${sql.join(ids)})`;
    return {
      page: async () => runPage(ctx.db, pageStatement(ctx, where(await fetchIds()))),
      count: async () => runCount(ctx.db, countStatement(ctx, where(await fetchIds()))),
      pageStatement: pageStatement(ctx, where(first)),
    };
  },
};

/** The per-user contact cache (CiviCRM's approach): fill with INSERT ... SELECT, then join. */
const userCache: Shape = {
  key: 'cache',
  label: 'per-user cache: INSERT ... SELECT, then JOIN',
  family: 'baseline',
  clauseOnly: false,
  dialects: ALL,
  needsSource: false,
  prepare: async (ctx) => {
    await ctx.db.schema
      .createTable(CACHE_TABLE)
      .ifNotExists()
      .addColumn('user_key', 'integer', (c) => c.notNull())
      .addColumn('contact_id', 'integer', (c) => c.notNull())
      .addPrimaryKeyConstraint(`${CACHE_TABLE}_pk`, ['user_key', 'contact_id'])
      .execute();
    const fill = async (): Promise<void> => {
      await ctx.db.transaction().execute(async (trx) => {
        await trx.deleteFrom(CACHE_TABLE).where('user_key', '=', ctx.userKey).execute();
        await sql`insert into ${sql.table(CACHE_TABLE)} (${sql.id('user_key')}, ${sql.id('contact_id')}) select ${ctx.userKey}, ${sql.ref('c.id')} from ${contactFrom(
          ctx,
        )} where ${ctx.existsClause}`.execute(trx);
      });
    };
    await fill();
    const from = sql`${contactFrom(ctx)} join ${sql.table(CACHE_TABLE)} as ${sql.id('a')} on ${sql.ref('a.contact_id')} = ${sql.ref('c.id')}`;
    const where = sql<SqlBool>`${sql.ref('a.user_key')} = ${ctx.userKey} and ${baseWhere(ctx)}`;
    return { ...statements(ctx, pageStatement(ctx, where, from), countStatement(ctx, where, from)), fill };
  },
};

/** PostgreSQL row-level security: a policy with the same EXISTS, the groups in a session setting. */
const rlsPolicy: Shape = {
  key: 'rls',
  label: 'row-level security policy (EXISTS, groups in a setting)',
  family: 'baseline',
  clauseOnly: false,
  dialects: ['postgres'],
  needsSource: true,
  prepare: async (ctx) => {
    const source = ctx.source;
    if (!source || source.kind !== 'groups') return null;
    const client = await ctx.pgClient();
    await client.query(`set role ${RLS_ROLE}`);
    await client.query(`select set_config('rowguard.group_ids', $1, false)`, [`{${source.groups.join(',')}}`]);
    const page = pageStatement(ctx, baseWhere(ctx)).compile(ctx.db);
    const count = countStatement(ctx, baseWhere(ctx)).compile(ctx.db);
    return {
      page: async () => {
        const res = await client.query(page.sql, [...page.parameters]);
        return res.rows.map((r: { id: unknown; sort_name: unknown }) => ({ id: Number(r.id), sort_name: r.sort_name === null ? null : String(r.sort_name) }));
      },
      count: async () => Number((await client.query(count.sql, [...count.parameters])).rows[0]?.n),
      close: () => client.end(),
    };
  },
};

/**
 * Installs the PostgreSQL RLS baseline: a role, its grants, and a SELECT policy on the contact table with the
 * same EXISTS as the engine, reading the group ids from the `rowguard.group_ids` setting. The engine's own
 * queries run as the table owner and are not affected.
 *
 * @example
 * ```ts
 * await installRlsPolicy(bench.db, engine.tables);
 * ```
 */
export async function installRlsPolicy(db: Kysely<any>, tables: TableNames): Promise<void> {
  await sql`do $$ begin if not exists (select 1 from pg_roles where rolname = 'rowguard_bench_rls') then create role rowguard_bench_rls nologin; end if; end $$`.execute(db);
  const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(db);
  const schema = String(rows[0]?.schema);
  await sql`grant usage on schema ${sql.id(schema)} to ${sql.id(RLS_ROLE)}`.execute(db);
  await sql`grant select on ${sql.table(tables.contact)}, ${sql.table(tables.groupContact)} to ${sql.id(RLS_ROLE)}`.execute(db);
  await sql`alter table ${sql.table(tables.contact)} enable row level security`.execute(db);
  await sql`drop policy if exists bench_acl on ${sql.table(tables.contact)}`.execute(db);
  await sql`create policy bench_acl on ${sql.table(tables.contact)} for select to ${sql.id(RLS_ROLE)} using (exists (select 1 from ${sql.table(
    tables.groupContact,
  )} as gc where gc.contact_id = ${sql.table(tables.contact)}.id and gc.group_id = any (current_setting('rowguard.group_ids')::int[]) and gc.status = 'Added'))`.execute(db);
}

/**
 * Fills the materialised membership of a smart group (for one token value) from the engine's clause, and
 * returns how long the fill took (ms). The prototype then reads it like a static group.
 *
 * @example
 * ```ts
 * const ms = await materialiseSmartGroup(db, '272:DE', clause);
 * ```
 */
export async function materialiseSmartGroup(db: Kysely<any>, tables: TableNames, key: string, clause: Expression<SqlBool>): Promise<number> {
  await db.schema
    .createTable(MATERIALISED_TABLE)
    .ifNotExists()
    .addColumn('set_key', 'varchar(64)', (c) => c.notNull())
    .addColumn('contact_id', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint(`${MATERIALISED_TABLE}_pk`, ['set_key', 'contact_id'])
    .execute();
  await db.schema.createIndex(`${MATERIALISED_TABLE}_contact_ix`).ifNotExists().on(MATERIALISED_TABLE).columns(['contact_id', 'set_key']).execute();
  const t0 = performance.now();
  await db.transaction().execute(async (trx) => {
    await trx.deleteFrom(MATERIALISED_TABLE).where('set_key', '=', key).execute();
    await sql`insert into ${sql.table(MATERIALISED_TABLE)} (${sql.id('set_key')}, ${sql.id('contact_id')}) select ${key}, ${sql.ref('c.id')} from ${sql.table(
      tables.contact,
    )} as ${sql.id('c')} where ${clause}`.execute(trx);
  });
  return performance.now() - t0;
}

/** A prototype that runs the engine's own clause after a textual rewrite of its EXISTS subqueries. */
function rewrittenEngineShape(key: string, label: string, rewrite: (sqlText: string) => string): Shape {
  return {
    key,
    label,
    family: 'prototype',
    clauseOnly: true,
    dialects: ALL,
    needsSource: false,
    prepare: (ctx) => {
      const base = ctx.db.selectFrom(`${ctx.tables.contact} as c`).where(ctx.existsClause);
      const original = base.select(['c.id', 'c.sort_name']).orderBy('c.sort_name').orderBy('c.id').limit(PAGE_SIZE).compile();
      const page = CompiledQuery.raw(rewrite(original.sql), [...original.parameters]);
      const countQuery = base.select((eb) => eb.fn.countAll().as('n')).compile();
      const count = CompiledQuery.raw(rewrite(countQuery.sql), [...countQuery.parameters]);
      if (page.sql === original.sql) return Promise.resolve(null);
      return Promise.resolve({
        page: async () => {
          const { rows } = await ctx.db.executeQuery<{ id: unknown; sort_name: unknown }>(page);
          return rows.map((r) => ({ id: Number(r.id), sort_name: r.sort_name === null ? null : String(r.sort_name) }));
        },
        count: async () => Number((await ctx.db.executeQuery<{ n: unknown }>(count)).rows[0]?.n),
        pageCompiled: page,
      });
    },
  };
}

/** The engine's own clause with every EXISTS turned into a scalar `(... limit 1) is not null` probe. */
const engineProbe = rewrittenEngineShape('engine-probe', "the engine's clause, every EXISTS as (SELECT 1 ... LIMIT 1) IS NOT NULL", existsToScalarProbe);

/** The engine's own clause with every membership EXISTS turned into `c.id IN (SELECT contact_id ...)`. */
const engineIn = rewrittenEngineShape('engine-in', "the engine's clause, every membership EXISTS as c.id IN (SELECT contact_id ...)", existsToIn);

/** Every shape, in the order they are printed. */
export const SHAPES: readonly Shape[] = [unfiltered, naiveIn, exists, existsProbe, userCache, rlsPolicy, engineProbe, engineIn, scalarProbe, derivedJoin, unionIn, prefetchIds, straightJoin];
