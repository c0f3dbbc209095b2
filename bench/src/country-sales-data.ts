import { sql, type Kysely } from 'kysely';
import { createRowguard, type Rowguard } from '@rowguard/core';
import { parsePolicyText, syncPolicy, validatePolicy } from '@rowguard/policy';
import type { BenchDatabase } from './bench-connections.js';
import { BulkLoader } from './bulk-loader.js';
import {
  COUNTRY_COUNT,
  COUNTRY_SALES_DOMAIN,
  COUNTRY_SALES_POLICY,
  COUNTRY_SALES_VERSION,
  COUNTRY_SUBJECTS,
  countryCode,
  countryShares,
  KEY_ACCOUNT_SHARE,
  KIND_SHARES,
} from './country-sales-plan.js';
import { SIZES } from './dataset-plan.js';

const META_TABLE = 'bench_meta';

/** What a generated country-sales data set holds (stored in the benchmark database). */
export interface CountrySalesInfo {
  readonly version: number;
  readonly size: string;
  readonly domainId: number;
  /** Subject key -> contact id. */
  readonly subjects: Readonly<Record<string, number>>;
  readonly keyAccountsGroup: number;
  readonly counts: Readonly<Record<string, number>>;
  readonly seconds: number;
  readonly generatedAt: string;
}

/**
 * The engine of the scenario on a benchmark database (reference contact table with a `country` attribute).
 *
 * @example
 * ```ts
 * const engine = countrySalesEngine(bench.db);
 * ```
 */
export function countrySalesEngine(db: Kysely<any>): Rowguard {
  return createRowguard({ db, contacts: { attributes: { country: { type: 'text' } } }, onError: () => undefined });
}

/**
 * The stored data set description, or null when there is none.
 *
 * @example
 * ```ts
 * const info = await readCountrySalesInfo(bench.db);
 * ```
 */
export async function readCountrySalesInfo(db: Kysely<any>): Promise<CountrySalesInfo | null> {
  try {
    const row = await db.selectFrom(META_TABLE).select('v').where('k', '=', 'country-sales').executeTakeFirst();
    return row ? (JSON.parse(String(row.v)) as CountrySalesInfo) : null;
  } catch {
    return null;
  }
}

/** A small deterministic generator (mulberry32). */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Generates the country-sales organisation into an empty benchmark database: migrates, applies the policy file
 * (groups, roles, entries) through `@rowguard/policy`, then bulk-loads the contacts, their sub-types and the static
 * memberships (bypassing the audited write API, for speed), analyzes, and bumps the domain version.
 *
 * @example
 * ```ts
 * const info = await generateCountrySales(bench, console.log);
 * ```
 */
export async function generateCountrySales(bench: BenchDatabase, log: (line: string) => void): Promise<CountrySalesInfo> {
  const started = performance.now();
  const n = SIZES[bench.size];
  const engine = countrySalesEngine(bench.db);
  await engine.migrate();
  const outcome = await syncPolicy(engine, validatePolicy(parsePolicyText(COUNTRY_SALES_POLICY, 'country-sales.yaml')), { actor: 'bench' });
  log(`  policy applied through the policy file: ${outcome.diff.changes.length} changes`);
  const domain = await engine.domain(COUNTRY_SALES_DOMAIN);
  const groups = new Map([...(await domain.policy()).groups.values()].map((g) => [g.name, g.id]));
  const group = (name: string): number => {
    const id = groups.get(name);
    if (id === undefined) throw new Error(`the policy file did not create group '${name}'`);
    return id;
  };
  const t = engine.tables;
  const next = random(20261126);
  const shares = countryShares();
  const cumulative = shares.map((_, i) => shares.slice(0, i + 1).reduce((a, b) => a + b, 0));
  const ids: number[] = [];
  const countries: string[] = [];
  const names: string[] = [];
  const sub = { contact: [] as number[], type: [] as string[] };
  const members = { group: [] as number[], contact: [] as number[] };
  const subjects: Record<string, number> = {};
  const customers: number[] = [];
  const letters = 'abcdefghijklmnopqrstuvwxyz';
  for (let id = 1; id <= n; id += 1) {
    // Contacts 1..40 are the managers, one per country; the others are drawn.
    let country: number;
    let kind: 'manager' | 'team_lead' | 'sales' | 'customer' | null;
    if (id <= COUNTRY_COUNT) {
      country = id - 1;
      kind = 'manager';
    } else {
      const r = next();
      country = cumulative.findIndex((c) => r < c);
      if (country < 0) country = COUNTRY_COUNT - 1;
      const k = next();
      kind = k < KIND_SHARES.team_lead ? 'team_lead' : k < KIND_SHARES.team_lead + KIND_SHARES.sales ? 'sales' : k < KIND_SHARES.team_lead + KIND_SHARES.sales + KIND_SHARES.customer ? 'customer' : null;
    }
    ids.push(id);
    countries.push(countryCode(country));
    let name = '';
    for (let i = 0; i < 8; i += 1) name += letters[Math.floor(next() * 26)];
    names.push(name);
    if (kind) {
      sub.contact.push(id);
      sub.type.push(kind);
    }
    const staffGroup = kind === 'manager' ? 'Managers' : kind === 'team_lead' ? 'Team leads' : kind === 'sales' ? 'Sales staff' : null;
    if (staffGroup) {
      members.group.push(group(staffGroup));
      members.contact.push(id);
    }
    if (kind === 'customer') customers.push(id);
    for (const s of COUNTRY_SUBJECTS) if (subjects[s.key] === undefined && s.kind === kind && s.country === country) subjects[s.key] = id;
  }
  const keyAccounts = group('Key accounts');
  const wanted = Math.max(1, Math.round(n * KEY_ACCOUNT_SHARE));
  for (let i = 0; i < wanted && customers.length > 0; i += 1) {
    const pick = Math.floor(next() * customers.length);
    members.group.push(keyAccounts);
    members.contact.push(customers[pick] as number);
    customers[pick] = customers[customers.length - 1] as number;
    customers.pop();
  }
  for (const s of COUNTRY_SUBJECTS) if (subjects[s.key] === undefined) throw new Error(`no ${s.kind} in country ${s.country} at this size`);
  await bench.db.connection().execute(async (conn) => {
    const loader = new BulkLoader(conn, bench.dialect);
    await loader.prepare();
    const restore = [...(await loader.dropSecondaryIndexes(t.contact)), ...(await loader.dropSecondaryIndexes(t.groupContact)), ...(await loader.dropSecondaryIndexes(t.contactSubType))];
    await loader.insert(
      t.contact,
      [
        { name: 'id', type: 'int' },
        { name: 'domain_id', type: 'int' },
        { name: 'contact_type', type: 'text' },
        { name: 'sort_name', type: 'text' },
        { name: 'is_deleted', type: 'int' },
        { name: 'country', type: 'text' },
      ],
      [ids, ids.map(() => domain.id), ids.map(() => 'Individual'), names, ids.map(() => 0), countries],
    );
    await loader.insert(t.contactSubType, [{ name: 'contact_id', type: 'int' }, { name: 'sub_type', type: 'text' }], [sub.contact, sub.type]);
    await loader.insert(
      t.groupContact,
      [{ name: 'group_id', type: 'int' }, { name: 'contact_id', type: 'int' }, { name: 'status', type: 'text' }],
      [members.group, members.contact, members.group.map(() => 'Added')],
    );
    log(`  loaded ${loader.rows} rows; rebuilding indexes`);
    await loader.recreateIndexes(restore);
    if (bench.dialect === 'postgres') {
      await sql`select setval(pg_get_serial_sequence(${t.contact}, 'id'), (select max(id) from ${sql.table(t.contact)}))`.execute(conn);
      for (const table of [t.contact, t.groupContact, t.contactSubType]) await sql`vacuum analyze ${sql.table(table)}`.execute(conn);
    } else if (bench.dialect === 'mysql') await sql`analyze table ${sql.join([t.contact, t.groupContact, t.contactSubType].map((x) => sql.table(x)))}`.execute(conn);
    else await sql`analyze`.execute(conn);
  });
  // Materialises whatever smart group is not tokenized (none in this policy) and makes every engine reload.
  await domain.refreshGroups('bench');
  await bench.db.schema.createTable(META_TABLE).ifNotExists().addColumn('k', 'varchar(64)', (c) => c.primaryKey()).addColumn('v', 'text').execute();
  const info: CountrySalesInfo = {
    version: COUNTRY_SALES_VERSION,
    size: bench.size,
    domainId: domain.id,
    subjects,
    keyAccountsGroup: keyAccounts,
    counts: { contacts: n, subTypes: sub.contact.length, memberships: members.group.length },
    seconds: Math.round((performance.now() - started) / 1000),
    generatedAt: new Date().toISOString(),
  };
  await bench.db.deleteFrom(META_TABLE).where('k', '=', 'country-sales').execute();
  await bench.db.insertInto(META_TABLE).values({ k: 'country-sales', v: JSON.stringify(info) }).execute();
  return info;
}
