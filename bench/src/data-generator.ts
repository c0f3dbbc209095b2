import { sql, type Kysely } from 'kysely';
import type { DialectKind } from '@rowguard/core';
import type { BenchDatabase } from './bench-connections.js';
import { BulkLoader, type LoadColumn } from './bulk-loader.js';
import { createBenchEngine } from './bench-engine.js';
import {
  COUNTRY_NULL_SHARE,
  COUNTRY_SHARES,
  DENY_GROUP,
  DOMAIN_NAME,
  GENERATOR_VERSION,
  GRANT_GROUPS,
  GROUP_COUNT,
  GROUP_FRACTIONS,
  HOLDER_GROUP,
  MEMBERSHIPS_PER_CONTACT,
  RANDOM_ROLES,
  SALES_FR_IT_GROUP,
  SAME_COUNTRY_GROUP,
  SAME_STATE_GROUP,
  SCENARIOS,
  SEED,
  SIZES,
  SMART_CRITERIA,
  SMART_WITH_ROWS,
  STATE_COUNT,
  STATIC_GROUPS,
  STATUS_SHARES,
  SUBJECT_CONTACTS,
  range,
  subjectUserId,
  type SizeName,
} from './dataset-plan.js';
import { RandomSource, WeightedSampler } from './random-source.js';

/** What a generated data set holds, stored in the `bench_meta` table next to it. */
export interface DataSetInfo {
  readonly size: SizeName;
  readonly generatorVersion: number;
  readonly seed: number;
  readonly domainId: number;
  readonly counts: Readonly<Record<string, number>>;
  /** Wall-clock seconds per phase, and in total. */
  readonly seconds: Readonly<Record<string, number>>;
  readonly generatedAt: string;
}

const META_TABLE = 'bench_meta';
const RELATIONSHIP_TABLE = 'bench_relationship';
const CONTACT_BATCH = 50_000;

const SYLLABLES = ['an', 'ber', 'cor', 'dan', 'el', 'fen', 'gar', 'hol', 'is', 'jan', 'kel', 'lin', 'mor', 'nor', 'os', 'per', 'quin', 'ros', 'sten', 'tor', 'ul', 'ven', 'wil', 'xan', 'yor', 'zel', 'ma', 'ri', 'son', 'berg'];
const FIRST_NAMES = ['Anna', 'Ben', 'Chloe', 'David', 'Emma', 'Felix', 'Grace', 'Hugo', 'Ines', 'Jonas', 'Kim', 'Lena', 'Max', 'Nina', 'Oscar', 'Paula', 'Quentin', 'Rosa', 'Sam', 'Tara', 'Ugo', 'Vera', 'Will', 'Xenia', 'Yann', 'Zoe', 'Linh', 'Minh', 'Ade', 'Olu'];
const ORG_SUFFIXES = ['Ltd', 'GmbH', 'Inc', 'Foundation', 'Trust', 'Cooperative'];

/**
 * Reads the description of the data set in a benchmark database, or null when there is none (or it is
 * incomplete).
 *
 * @example
 * ```ts
 * const info = await readDataSetInfo(bench.db);
 * ```
 */
export async function readDataSetInfo(db: Kysely<any>): Promise<DataSetInfo | null> {
  try {
    const row = await db.selectFrom(META_TABLE).select('v').where('k', '=', 'dataset').executeTakeFirst();
    return row ? (JSON.parse(String(row.v)) as DataSetInfo) : null;
  } catch {
    return null;
  }
}

function capital(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

function staticGroupWeights(random: RandomSource): Map<number, number> {
  const fixed = [...GROUP_FRACTIONS.values()].reduce((a, b) => a + b, 0);
  const free = range(1, STATIC_GROUPS).filter((g) => !GROUP_FRACTIONS.has(g));
  const zipf = random.shuffle(free.map((_, i) => 1 / Math.pow(i + 1, 0.6)));
  const zipfSum = zipf.reduce((a, b) => a + b, 0);
  const rest = MEMBERSHIPS_PER_CONTACT - fixed;
  const weights = new Map<number, number>();
  for (let g = 1; g <= STATIC_GROUPS; g += 1) {
    const fixedShare = GROUP_FRACTIONS.get(g);
    const share = fixedShare ?? ((zipf[free.indexOf(g)] ?? 0) / zipfSum) * rest;
    weights.set(g, share / MEMBERSHIPS_PER_CONTACT);
  }
  return weights;
}

const STATUS_NAMES = STATUS_SHARES.map(([s]) => s);

function drawStatus(random: RandomSource): number {
  const x = random.next();
  let acc = 0;
  for (let i = 0; i < STATUS_SHARES.length; i += 1) {
    acc += (STATUS_SHARES[i] as readonly [string, number])[1];
    if (x < acc) return i;
  }
  return 0;
}

interface Timer {
  phase(name: string): void;
  done(): Record<string, number>;
}

function timer(log: (line: string) => void): Timer {
  const started = performance.now();
  let current: { name: string; at: number } | null = null;
  const seconds: Record<string, number> = {};
  const close = (): void => {
    if (current) {
      seconds[current.name] = Math.round((performance.now() - current.at) / 10) / 100;
      log(`  ${current.name}: ${seconds[current.name]} s`);
    }
  };
  return {
    phase(name) {
      close();
      current = { name, at: performance.now() };
    },
    done() {
      close();
      current = null;
      seconds.total = Math.round((performance.now() - started) / 10) / 100;
      return seconds;
    },
  };
}

async function analyze(db: Kysely<any>, dialect: DialectKind, tables: readonly string[]): Promise<void> {
  // PostgreSQL: VACUUM too, so index-only scans see an up-to-date visibility map (as autovacuum would leave it).
  if (dialect === 'postgres') for (const t of tables) await sql`vacuum analyze ${sql.table(t)}`.execute(db);
  else if (dialect === 'mysql') await sql`analyze table ${sql.join(tables.map((t) => sql.table(t)))}`.execute(db);
  else await sql`analyze`.execute(db);
}

/**
 * Generates the benchmark data set into an empty benchmark database: runs the engine's migrations, then
 * bulk-loads contacts, sub-types, 300 groups (30 smart, some tokenized), ~3 memberships per contact, 300+
 * roles, ~1,000 entries (a few denies and priorities), role assignments, user links and relationships
 * directly into the engine's tables (bypassing the audited write API, for speed), rebuilds the indexes,
 * analyzes, and bumps the domain version so every engine instance reloads.
 *
 * @example
 * ```ts
 * const info = await generateDataSet(bench, console.log);
 * ```
 */
export async function generateDataSet(bench: BenchDatabase, log: (line: string) => void): Promise<DataSetInfo> {
  const { dialect, size } = bench;
  const n = SIZES[size];
  const clock = timer(log);
  clock.phase('migrate');
  const { engine } = createBenchEngine(bench.db, dialect);
  await engine.migrate();
  const domain = await engine.domain(DOMAIN_NAME);
  const t = engine.tables;
  const domainId = domain.id;
  await bench.db.schema
    .createTable(META_TABLE)
    .ifNotExists()
    .addColumn('k', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('v', 'text')
    .execute();
  await bench.db.schema
    .createTable(RELATIONSHIP_TABLE)
    .ifNotExists()
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('contact_a', 'integer', (c) => c.notNull())
    .addColumn('contact_b', 'integer', (c) => c.notNull())
    .addColumn('relationship_type', 'varchar(32)', (c) => c.notNull())
    .addColumn('is_active', 'integer', (c) => c.notNull())
    .execute();

  const random = new RandomSource(SEED);
  const counts: Record<string, number> = {};
  const subjectIds = new Set(SCENARIOS.map((s) => s.contactId));

  await bench.db.connection().execute(async (conn) => {
    const loader = new BulkLoader(conn, dialect);
    await loader.prepare();
    const restore = [
      ...(await loader.dropSecondaryIndexes(t.contact)),
      ...(await loader.dropSecondaryIndexes(t.groupContact)),
      ...(await loader.dropSecondaryIndexes(t.contactSubType)),
    ];

    clock.phase('contacts');
    const countries = new WeightedSampler(COUNTRY_SHARES);
    const groupSampler = new WeightedSampler(staticGroupWeights(random));
    const memberships = {
      group: new Int32Array(n * MEMBERSHIPS_PER_CONTACT + 10_000),
      contact: new Int32Array(n * MEMBERSHIPS_PER_CONTACT + 10_000),
      status: new Uint8Array(n * MEMBERSHIPS_PER_CONTACT + 10_000),
      length: 0,
    };
    const addMembership = (group: number, contact: number, status: number): void => {
      const i = memberships.length;
      memberships.group[i] = group;
      memberships.contact[i] = contact;
      memberships.status[i] = status;
      memberships.length += 1;
    };
    const contactColumns: LoadColumn[] = [
      { name: 'id', type: 'int' },
      { name: 'domain_id', type: 'int' },
      { name: 'contact_key', type: 'text' },
      { name: 'contact_type', type: 'text' },
      { name: 'sort_name', type: 'text' },
      { name: 'is_deleted', type: 'int' },
      { name: 'country', type: 'text' },
      { name: 'state', type: 'text' },
    ];
    let subTypeRows = 0;
    for (let start = 1; start <= n; start += CONTACT_BATCH) {
      const end = Math.min(n, start + CONTACT_BATCH - 1);
      const cols: (string | number | null)[][] = contactColumns.map(() => []);
      const sub: (string | number)[][] = [[], []];
      for (let id = start; id <= end; id += 1) {
        const row: (string | number | null)[] = [];
        if (id <= SUBJECT_CONTACTS) {
          row.push(id, domainId, `c${id}`, 'Individual', `Bench Subject ${String(id).padStart(2, '0')}`, 0, 'DE', 'S07');
        } else {
          const r = random.next();
          const type = r < 0.85 ? 'Individual' : r < 0.95 ? 'Organization' : 'Household';
          const last = capital(random.pick(SYLLABLES) + random.pick(SYLLABLES) + (random.chance(0.5) ? random.pick(SYLLABLES) : ''));
          const sortName = type === 'Individual' ? `${last}, ${random.pick(FIRST_NAMES)}` : `${last} ${type === 'Household' ? 'Household' : random.pick(ORG_SUFFIXES)}`;
          const country = random.chance(COUNTRY_NULL_SHARE) ? null : countries.draw(random);
          const state = random.chance(0.03) ? null : `S${String(random.int(1, STATE_COUNT)).padStart(2, '0')}`;
          row.push(id, domainId, `c${id}`, type, sortName, random.chance(0.01) ? 1 : 0, country, state);
          const subTypes: string[] = [];
          if (type === 'Individual') {
            if (random.chance(0.2)) subTypes.push('sales');
            if (random.chance(0.05)) subTypes.push('manager');
          } else if (type === 'Organization' && random.chance(0.3)) subTypes.push('supplier');
          for (const s of subTypes) {
            (sub[0] as (string | number)[]).push(id);
            (sub[1] as (string | number)[]).push(s);
          }
          const picked = new Set<number>();
          while (picked.size < MEMBERSHIPS_PER_CONTACT) picked.add(groupSampler.draw(random));
          for (const g of [...picked].sort((a, b) => a - b)) addMembership(g, id, drawStatus(random));
        }
        row.forEach((v, i) => (cols[i] as (string | number | null)[]).push(v));
      }
      await loader.insert(t.contact, contactColumns, cols);
      await loader.insert(
        t.contactSubType,
        [
          { name: 'contact_id', type: 'int' },
          { name: 'sub_type', type: 'text' },
        ],
        sub,
      );
      subTypeRows += (sub[0] as unknown[]).length;
      if (end % 200_000 === 0 || end === n) log(`  ... ${end} contacts`);
    }
    counts.contacts = n;
    counts.subTypes = subTypeRows;

    clock.phase('memberships');
    // The mixed subject is an Added member of the group that carries one of its roles.
    addMembership(HOLDER_GROUP, 9, 0);
    // A few explicit Added / Removed rows in smart groups.
    const explicit: [number, number, number][] = [];
    const perGroup = Math.max(2, Math.round(n * 0.0001));
    for (const g of SMART_WITH_ROWS) {
      const seen = new Set<number>();
      while (seen.size < perGroup * 2) {
        const c = random.int(SUBJECT_CONTACTS + 1, n);
        if (seen.has(c)) continue;
        explicit.push([g, c, seen.size < perGroup ? 0 : 1]);
        seen.add(c);
      }
    }
    explicit.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    for (const [g, c, s] of explicit) addMembership(g, c, s);
    // Counting sort by group (contacts are already ascending within a group): load in primary-key order.
    const len = memberships.length;
    const offsets = new Int32Array(GROUP_COUNT + 2);
    for (let i = 0; i < len; i += 1) (offsets[(memberships.group[i] as number) + 1] as number) += 1;
    for (let g = 1; g <= GROUP_COUNT + 1; g += 1) offsets[g] = (offsets[g] as number) + (offsets[g - 1] as number);
    const order = new Int32Array(len);
    for (let i = 0; i < len; i += 1) {
      const g = memberships.group[i] as number;
      order[offsets[g] as number] = i;
      offsets[g] = (offsets[g] as number) + 1;
    }
    const batch = 200_000;
    for (let start = 0; start < len; start += batch) {
      const idx = Array.from(order.subarray(start, Math.min(len, start + batch)));
      await loader.insert(
        t.groupContact,
        [
          { name: 'group_id', type: 'int' },
          { name: 'contact_id', type: 'int' },
          { name: 'status', type: 'text' },
        ],
        [
          idx.map((i) => memberships.group[i] as number),
          idx.map((i) => memberships.contact[i] as number),
          idx.map((i) => STATUS_NAMES[memberships.status[i] as number] as string),
        ],
      );
    }
    counts.memberships = len;

    clock.phase('policy');
    const groups: (string | number | null)[][] = [[], [], [], [], [], []];
    for (let g = 1; g <= GROUP_COUNT; g += 1) {
      const smart = g > STATIC_GROUPS;
      const criteria = smart ? SMART_CRITERIA[g - STATIC_GROUPS - 1] : undefined;
      const name =
        g === DENY_GROUP ? 'Do not contact' : g === SAME_COUNTRY_GROUP ? 'Same country as me' : g === SAME_STATE_GROUP ? 'Same state as me' : g === SALES_FR_IT_GROUP ? 'Sales FR/IT' : `Group ${String(g).padStart(3, '0')}`;
      [g, domainId, name, smart ? 'smart' : 'static', criteria ? JSON.stringify(criteria) : null, g === STATIC_GROUPS ? 0 : 1].forEach((v, i) =>
        (groups[i] as (string | number | null)[]).push(v),
      );
    }
    await loader.insert(
      t.group,
      [
        { name: 'id', type: 'int' },
        { name: 'domain_id', type: 'int' },
        { name: 'name', type: 'text' },
        { name: 'kind', type: 'text' },
        { name: 'criteria', type: 'text' },
        { name: 'is_active', type: 'int' },
      ],
      groups,
    );
    counts.groups = GROUP_COUNT;

    const policy = buildPolicy(random, n, domainId, subjectIds);
    await loader.insert(
      t.role,
      [
        { name: 'id', type: 'int' },
        { name: 'domain_id', type: 'int' },
        { name: 'name', type: 'text' },
        { name: 'is_administrator', type: 'int' },
        { name: 'is_active', type: 'int' },
      ],
      policy.roles,
    );
    await loader.insert(
      t.entry,
      [
        { name: 'id', type: 'int' },
        { name: 'domain_id', type: 'int' },
        { name: 'effect', type: 'text' },
        { name: 'operation', type: 'text' },
        { name: 'owner_type', type: 'text' },
        { name: 'owner_id', type: 'int' },
        { name: 'object_type', type: 'text' },
        { name: 'object_entity', type: 'text' },
        { name: 'object_id', type: 'int' },
        { name: 'priority', type: 'int' },
        { name: 'is_active', type: 'int' },
      ],
      policy.entries,
    );
    await loader.insert(
      t.roleAssignment,
      [
        { name: 'id', type: 'int' },
        { name: 'domain_id', type: 'int' },
        { name: 'role_id', type: 'int' },
        { name: 'assignee_type', type: 'text' },
        { name: 'assignee_id', type: 'int' },
        { name: 'is_active', type: 'int' },
      ],
      policy.assignments,
    );
    await loader.insert(
      t.rolePermission,
      [
        { name: 'role_id', type: 'int' },
        { name: 'permission', type: 'text' },
      ],
      policy.permissions,
    );
    counts.roles = policy.roles[0]?.length ?? 0;
    counts.entries = policy.entries[0]?.length ?? 0;
    counts.assignments = policy.assignments[0]?.length ?? 0;

    const links: (string | number)[][] = [[], [], []];
    const link = (contactId: number, userId: string): void => {
      (links[0] as (string | number)[]).push(domainId);
      (links[1] as (string | number)[]).push(userId);
      (links[2] as (string | number)[]).push(contactId);
    };
    for (let id = 1; id <= SUBJECT_CONTACTS; id += 1) link(id, subjectUserId(id));
    for (let id = 101; id <= n; id += 100) link(id, `u${id}`);
    await loader.insert(
      t.userLink,
      [
        { name: 'domain_id', type: 'int' },
        { name: 'user_id', type: 'text' },
        { name: 'contact_id', type: 'int' },
      ],
      links,
    );
    counts.userLinks = links[0]?.length ?? 0;

    const rel: (string | number)[][] = [[], [], [], [], []];
    const relCount = Math.round(n / 100);
    for (let i = 1; i <= relCount; i += 1) {
      [i, random.int(SUBJECT_CONTACTS + 1, n), random.int(SUBJECT_CONTACTS + 1, n), random.pick(['employee_of', 'spouse_of', 'case_coordinator']), random.chance(0.9) ? 1 : 0].forEach(
        (v, k) => (rel[k] as (string | number)[]).push(v),
      );
    }
    await loader.insert(
      RELATIONSHIP_TABLE,
      [
        { name: 'id', type: 'int' },
        { name: 'contact_a', type: 'int' },
        { name: 'contact_b', type: 'int' },
        { name: 'relationship_type', type: 'text' },
        { name: 'is_active', type: 'int' },
      ],
      rel,
    );
    counts.relationships = relCount;

    clock.phase('indexes');
    await loader.recreateIndexes(restore);
    if (dialect === 'postgres') {
      for (const table of [t.contact, t.group, t.role, t.entry, t.roleAssignment]) {
        await sql`select setval(pg_get_serial_sequence(${table}, 'id'), (select max(id) from ${sql.table(table)}))`.execute(conn);
      }
    }
    clock.phase('analyze');
    await analyze(conn, dialect, [t.contact, t.groupContact, t.contactSubType, t.group, t.entry, t.role, t.roleAssignment, t.userLink]);
  });

  // Every engine instance reloads its snapshot after a version bump (the data bypassed the write API).
  await bench.db
    .updateTable(t.domain)
    .set({ version: sql`version + 1` })
    .where('id', '=', domainId)
    .execute();
  // The smart groups were bulk-loaded around the write API: materialise their members as a host that writes its
  // own tables would (`domain.refreshGroups()`), so the clause reads them like static memberships.
  clock.phase('materialise');
  counts.materialisedGroups = await domain.refreshGroups('bench:generator');
  await analyze(bench.db, dialect, [t.groupMember, t.group]);
  const info: DataSetInfo = {
    size,
    generatorVersion: GENERATOR_VERSION,
    seed: SEED,
    domainId,
    counts,
    seconds: clock.done(),
    generatedAt: new Date().toISOString(),
  };
  await bench.db.deleteFrom(META_TABLE).where('k', '=', 'dataset').execute();
  await bench.db.insertInto(META_TABLE).values({ k: 'dataset', v: JSON.stringify(info) }).execute();
  return info;
}

interface Policy {
  roles: (string | number)[][];
  entries: (string | number | null)[][];
  assignments: (string | number)[][];
  permissions: (string | number)[][];
}

/** The role and entry ids of the benchmark subjects' grants start here. */
const BENCH_ROLE_BASE = RANDOM_ROLES + 1;

function buildPolicy(random: RandomSource, n: number, domainId: number, subjectIds: ReadonlySet<number>): Policy {
  const policy: Policy = { roles: [[], [], [], [], []], entries: [[], [], [], [], [], [], [], [], [], [], []], assignments: [[], [], [], [], [], []], permissions: [[], []] };
  const push = <T>(columns: T[][], values: T[]): void => values.forEach((v, i) => (columns[i] as T[]).push(v));
  const randomContact = (): number => random.int(SUBJECT_CONTACTS + 1, n);
  let entryId = 0;
  const entry = (
    effect: 'allow' | 'deny',
    operation: string,
    owner: [string, number | null],
    object: [string, string | null, number | null],
    priority = 0,
  ): void => {
    entryId += 1;
    push(policy.entries, [entryId, domainId, effect, operation, owner[0], owner[1], object[0], object[1], object[2], priority, 1]);
  };
  let assignmentId = 0;
  const assign = (roleId: number, type: 'contact' | 'group', id: number): void => {
    assignmentId += 1;
    push(policy.assignments, [assignmentId, domainId, roleId, type, id, 1]);
  };
  const operations = ['view', 'view', 'view', 'view', 'view', 'view', 'edit', 'edit', 'edit', 'delete', 'all', 'search'];
  // Background roles: ~3 entries each, some denies and priorities, a few group and contact owners.
  for (let r = 1; r <= RANDOM_ROLES; r += 1) {
    push(policy.roles, [r, domainId, `Role ${String(r).padStart(3, '0')}`, 0, 1]);
    const k = random.int(2, 4);
    for (let i = 0; i < k; i += 1) {
      const o = random.next();
      const owner: [string, number | null] =
        o < 0.9 ? ['role', r] : o < 0.97 ? ['group', random.int(HOLDER_GROUP + 1, STATIC_GROUPS - 1)] : ['contact', randomContact()];
      const b = random.next();
      const object: [string, string | null, number | null] =
        b < 0.85
          ? ['group-members', null, random.int(HOLDER_GROUP + 1, GROUP_COUNT)]
          : b < 0.88
            ? ['all-contacts', null, null]
            : b < 0.93
              ? ['contact', null, randomContact()]
              : ['entity', 'custom_group', random.chance(0.3) ? null : random.int(1, 20)];
      const p = random.next();
      entry(random.chance(0.08) ? 'deny' : 'allow', random.pick(operations), owner, object, p < 0.85 ? 0 : p < 0.95 ? 1 : 5);
    }
    const holders = new Set<number>();
    while (holders.size < 4) holders.add(randomContact());
    for (const c of holders) if (!subjectIds.has(c)) assign(r, 'contact', c);
    if (random.chance(0.1)) assign(r, 'group', random.int(HOLDER_GROUP + 1, STATIC_GROUPS - 1));
  }
  push(policy.permissions, [1, 'view all contacts']);
  push(policy.permissions, [2, 'edit all contacts']);
  push(policy.permissions, [3, 'access deleted contacts']);
  push(policy.permissions, [4, 'view my contact']);

  // Benchmark subjects: one role each, assigned to the subject's contact.
  let roleId = BENCH_ROLE_BASE - 1;
  const role = (name: string, administrator = false): number => {
    roleId += 1;
    push(policy.roles, [roleId, domainId, name, administrator ? 1 : 0, 1]);
    push(policy.permissions, [roleId, 'access CRM']);
    return roleId;
  };
  for (const s of SCENARIOS) {
    if (s.grant.kind === 'mixed') continue;
    const id = role(`Bench ${s.key}`);
    assign(id, 'contact', s.contactId);
    if (s.grant.kind === 'all') entry('allow', 'view', ['role', id], ['all-contacts', null, null]);
    else if (s.grant.kind === 'smart') entry('allow', 'view', ['role', id], ['group-members', null, s.grant.group]);
    else for (const g of s.grant.groups) entry('allow', 'view', ['role', id], ['group-members', null, g]);
  }
  // The mixed subject (contact 9): a role through a group, two direct roles, a deny, a priority, a token, a
  // contact-level entry.
  const mixedA = role('Bench mixed A (via group)');
  assign(mixedA, 'group', HOLDER_GROUP);
  for (const g of range(13, 22)) entry('allow', 'view', ['role', mixedA], ['group-members', null, g]);
  entry('allow', 'view', ['role', mixedA], ['group-members', null, SAME_STATE_GROUP]);
  const mixedB = role('Bench mixed B');
  assign(mixedB, 'contact', 9);
  entry('deny', 'view', ['role', mixedB], ['group-members', null, DENY_GROUP]);
  entry('allow', 'view', ['role', mixedB], ['group-members', null, GRANT_GROUPS.g1[0]], 5);
  const mixedC = role('Bench mixed C');
  assign(mixedC, 'contact', 9);
  entry('allow', 'edit', ['role', mixedC], ['group-members', null, 5]);
  entry('allow', 'view', ['contact', 9], ['group-members', null, GRANT_GROUPS.big10[0]]);

  const admin = role('Administrator', true);
  assign(admin, 'contact', randomContact());
  return policy;
}
