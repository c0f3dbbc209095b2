import os from 'node:os';
import { sql, type Kysely, type RawBuilder, type SelectQueryBuilder, type SqlBool } from 'kysely';
import type { BenchDatabase } from './bench-connections.js';
import { countrySalesEngine, type CountrySalesInfo } from './country-sales-data.js';
import { COUNTRY_SALES_DOMAIN, COUNTRY_SUBJECTS, countryCode, type CountrySubject } from './country-sales-plan.js';
import { formatMs, timeIt, type Timing } from './timing-stats.js';

const PAGE = 50;

/** The figures of one subject (milliseconds, medians). */
export interface CountrySalesRow {
  readonly subject: string;
  readonly label: string;
  readonly dialect: string;
  readonly size: string;
  readonly visible: number;
  readonly share: number;
  readonly setsIdentical: boolean;
  readonly unfiltered: { readonly page: Timing; readonly count: Timing };
  /** The faster of the two hand-written forms (OR of the two sets, or UNION of index-ordered branches), per measure. */
  readonly handWritten: { readonly page: Timing; readonly count: Timing; readonly pageForm: string; readonly countForm: string };
  readonly rowguard: { readonly page: Timing; readonly count: Timing };
  readonly check: Timing;
  readonly loadAverage: readonly number[];
}

type Query = SelectQueryBuilder<any, any, any>;

function base(db: Kysely<any>, domainId: number): Query {
  return db.selectFrom('rg_contact as c').where('c.domain_id', '=', domainId).where('c.is_deleted', '=', 0);
}

/** The hand-written predicates of what a subject sees: the country part, and the key-account part. */
function handParts(s: CountrySubject, info: CountrySalesInfo): { own: RawBuilder<SqlBool>; key: RawBuilder<SqlBool> } {
  const country = countryCode(s.country);
  const own =
    s.visible === 'customers'
      ? sql<SqlBool>`(c.country is not null and c.country = ${country} and exists (select 1 from rg_contact_sub_type s where s.contact_id = c.id and s.sub_type = ${'customer'}))`
      : sql<SqlBool>`(c.country is not null and c.country = ${country})`;
  const key = sql<SqlBool>`exists (select 1 from rg_group_contact m where m.contact_id = c.id and m.group_id = ${info.keyAccountsGroup} and m.status = ${'Added'})`;
  return { own, key };
}

function pageOf(q: Query): Query {
  return q.select(['c.id']).orderBy('c.sort_name').orderBy('c.id').limit(PAGE);
}

async function ids(q: Query): Promise<number[]> {
  return (await q.execute()).map((r) => Number((r as { id: unknown }).id));
}

async function count(q: Query): Promise<number> {
  const row = (await q.select(sql<number>`count(*)`.as('n')).executeTakeFirst()) as { n: unknown } | undefined;
  return Number(row?.n ?? 0);
}

function best(a: Timing, b: Timing): { timing: Timing; form: string } {
  if (Number.isNaN(b.median) || a.median <= b.median) return { timing: a, form: 'OR' };
  return { timing: b, form: 'UNION' };
}

/**
 * Measures the country-sales subjects: the rowguard first page (50 by sort name) and count beside the unfiltered
 * query and the best hand-written query for the same visible set, after checking that rowguard and the
 * hand-written query select exactly the same contacts; and one in-memory check.
 *
 * @example
 * ```ts
 * const rows = await runCountrySales(bench, info, { repeat: 7, log: console.log });
 * ```
 */
export async function runCountrySales(bench: BenchDatabase, info: CountrySalesInfo, options: { repeat: number; log: (line: string) => void }): Promise<CountrySalesRow[]> {
  const db = bench.db;
  const engine = countrySalesEngine(db);
  const domain = await engine.domain(COUNTRY_SALES_DOMAIN);
  const plan = { repeat: options.repeat, budgetMs: 30_000 };
  const rows: CountrySalesRow[] = [];
  for (const s of COUNTRY_SUBJECTS) {
    const contactId = info.subjects[s.key];
    if (contactId === undefined) continue;
    const session = domain.subject({ contactId });
    const { own, key } = handParts(s, info);
    const everyone = base(db, info.domainId);
    // The sets first: rowguard's and the hand-written one must be identical.
    const viaRowguard = (await ids(await session.applyTo(base(db, info.domainId).select('c.id'), 'view', { alias: 'c', purpose: 'count' }))).sort((a, b) => a - b);
    const viaHand = (await ids(base(db, info.domainId).select('c.id').where(sql<SqlBool>`(${own} or ${key})`))).sort((a, b) => a - b);
    const setsIdentical = viaRowguard.length === viaHand.length && viaRowguard.every((id, i) => id === viaHand[i]);
    const total = await count(everyone);
    const unfiltered = { page: await timeIt(() => pageOf(everyone).execute(), plan), count: await timeIt(() => count(everyone), plan) };
    const orPage = await timeIt(() => pageOf(base(db, info.domainId).where(sql<SqlBool>`(${own} or ${key})`)).execute(), plan);
    const unionPage = await timeIt(
      () =>
        sql`select u.id, u.sort_name from (
          select * from (select c.id, c.sort_name from rg_contact c where c.domain_id = ${info.domainId} and c.is_deleted = ${0} and ${own} order by c.sort_name, c.id limit ${PAGE}) a
          union select * from (select c.id, c.sort_name from rg_contact c where c.domain_id = ${info.domainId} and c.is_deleted = ${0} and ${key} order by c.sort_name, c.id limit ${PAGE}) b
        ) u order by u.sort_name, u.id limit ${PAGE}`.execute(db),
      plan,
    );
    const orCount = await timeIt(() => count(base(db, info.domainId).where(sql<SqlBool>`(${own} or ${key})`)), plan);
    const unionCount = await timeIt(
      async () =>
        (await count(base(db, info.domainId).where(own))) + (await count(base(db, info.domainId).where(key).where(sql<SqlBool>`not ${own}`))),
      plan,
    );
    const page = best(orPage, unionPage);
    const counted = best(orCount, unionCount);
    const rowguard = {
      page: await timeIt(async () => (await session.applyTo(pageOf(base(db, info.domainId)), 'view', { alias: 'c', purpose: 'page' })).execute(), plan),
      count: await timeIt(async () => count(await session.applyTo(base(db, info.domainId), 'view', { alias: 'c', purpose: 'count' })), plan),
    };
    const probe = viaRowguard[Math.floor(viaRowguard.length / 2)] ?? contactId;
    const check = await timeIt(() => session.check('view', probe), { repeat: 31, budgetMs: 10_000 });
    const row: CountrySalesRow = {
      subject: s.key,
      label: s.label,
      dialect: bench.dialect,
      size: bench.size,
      visible: viaRowguard.length,
      share: total > 0 ? viaRowguard.length / total : 0,
      setsIdentical,
      unfiltered,
      handWritten: { page: page.timing, count: counted.timing, pageForm: page.form, countForm: counted.form },
      rowguard,
      check,
      loadAverage: os.loadavg().map((l) => Math.round(l * 100) / 100),
    };
    rows.push(row);
    options.log(`  ${formatRow(row)}`);
  }
  return rows;
}

function ms(t: Timing): string {
  return t.error ? `error (${t.error})` : `${formatMs(t.median)} ms`;
}

function ratio(a: Timing, b: Timing): string {
  return Number.isFinite(a.median) && Number.isFinite(b.median) && b.median > 0 ? `${(a.median / b.median).toFixed(2)}x` : '-';
}

/** One Markdown table row. */
export function formatRow(r: CountrySalesRow): string {
  return `| ${r.label} | ${r.dialect} | ${r.size} | ${(r.share * 100).toFixed(2)}% (${r.visible}) | ${ms(r.unfiltered.page)} / ${ms(r.unfiltered.count)} | ${ms(r.handWritten.page)} (${r.handWritten.pageForm}) / ${ms(r.handWritten.count)} (${r.handWritten.countForm}) | ${ms(r.rowguard.page)} / ${ms(r.rowguard.count)} | ${ratio(r.rowguard.page, r.handWritten.page)} / ${ratio(r.rowguard.count, r.handWritten.count)} | ${ms(r.check)} | ${r.setsIdentical ? 'yes' : '**NO**'} | ${r.loadAverage.join(' ')} |`;
}

/** The Markdown table header. */
export const TABLE_HEADER = [
  '| subject | server | size | visible | unfiltered page / count | hand-written page / count (form) | rowguard page / count | ratio page / count | check | same set | load avg |',
  '|---|---|---|---|---|---|---|---|---|---|---|',
].join('\n');
