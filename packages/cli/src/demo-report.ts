import type { Domain, Rowguard } from '@rowguard/core';
import type { NormalPolicy } from '@rowguard/policy';
import { checkCreate, type Candidate } from './create-check.js';
import { loadDecisionNames } from './decision-names.js';
import { decisionWords } from './decision-words.js';
import { renderTable } from './text-table.js';

/**
 * One person of the demo: what they see per country and what they may create where.
 *
 * @example
 * ```ts
 * const p: DemoPerson = { key: 'mgr-vn', name: 'Tran, Minh', subTypes: ['manager'], home: 'VN', sees: { VN: 7, FR: 0 }, mayCreate: { sales: { VN: true, FR: false } } };
 * ```
 */
export interface DemoPerson {
  readonly key: string;
  readonly name: string | null;
  readonly subTypes: readonly string[];
  readonly home: string | null;
  readonly sees: Readonly<Record<string, number>>;
  readonly mayCreate: Readonly<Record<string, Readonly<Record<string, boolean>>>>;
}

/**
 * A refusal explained in words.
 *
 * @example
 * ```ts
 * const r: DemoRefusal = { person: 'mgr-vn', question: 'May Tran, Minh (mgr-vn) create a sales contact in FR?', because: '...', deciding: '...', lines: [] };
 * ```
 */
export interface DemoRefusal {
  readonly person: string;
  readonly question: string;
  readonly because: string;
  readonly deciding: string | null;
  readonly lines: readonly string[];
}

/**
 * What the demo found: per person, visibility by the grouping attribute (country) and the may-create matrix,
 * whether the walls between countries hold, and one refusal explained.
 *
 * @example
 * ```ts
 * const report = await buildDemoReport(engine, domain, policy);
 * report.walls.hold; // true
 * ```
 */
export interface DemoReport {
  readonly groupBy: string;
  readonly values: readonly string[];
  readonly totals: Readonly<Record<string, number>>;
  readonly subTypes: readonly string[];
  readonly people: readonly DemoPerson[];
  readonly walls: { readonly hold: boolean; readonly breaches: readonly string[] };
  readonly refusal: DemoRefusal | null;
}

const words = (subType: string): string => subType.replaceAll('_', ' ');

/**
 * Builds the demo report from the applied policy, asking the engine for every answer: `listIds('view')` per
 * person for visibility, and the create check of a candidate of each sub-type in each country.
 *
 * @example
 * ```ts
 * const report = await buildDemoReport(open.engine, domain, validated.policy);
 * ```
 */
export async function buildDemoReport(engine: Rowguard, domain: Domain, policy: NormalPolicy): Promise<DemoReport> {
  const groupBy = policy.attributes.has('country') ? 'country' : ([...policy.attributes.keys()][0] ?? 'country');
  const contacts = [...policy.contacts.values()].filter((c) => !c.deleted);
  const values: string[] = [];
  const subTypes: string[] = [];
  const totals: Record<string, number> = {};
  for (const c of contacts) {
    const v = c.attributes[groupBy];
    if (v !== null && v !== undefined) {
      if (!values.includes(String(v))) values.push(String(v));
      totals[String(v)] = (totals[String(v)] ?? 0) + 1;
    }
    for (const s of c.subTypes) if (!subTypes.includes(s)) subTypes.push(s);
  }
  const rows = await engine.db
    .selectFrom(engine.tables.contact)
    .select(['id', 'contact_key'])
    .where('domain_id', '=', domain.id)
    .where('contact_key', 'is not', null)
    .execute();
  const idOf = new Map(rows.map((r) => [String(r.contact_key), Number(r.id)]));
  const keyOf = new Map(rows.map((r) => [Number(r.id), String(r.contact_key)]));

  const people: DemoPerson[] = [];
  const breaches: string[] = [];
  const candidate = (subType: string, value: string): Candidate => ({ type: 'Individual', subTypes: [subType], attributes: { [groupBy]: value }, groups: [] });
  for (const c of contacts) {
    const id = idOf.get(c.key);
    if (id === undefined) continue;
    const session = domain.subject({ contactId: id });
    const home = c.attributes[groupBy] === null || c.attributes[groupBy] === undefined ? null : String(c.attributes[groupBy]);
    const sees: Record<string, number> = Object.fromEntries(values.map((v) => [v, 0]));
    for (const seen of await session.listIds('view', { limit: 10_000 })) {
      const other = policy.contacts.get(keyOf.get(seen) ?? '');
      const v = other?.attributes[groupBy];
      if (v === null || v === undefined) continue;
      sees[String(v)] = (sees[String(v)] ?? 0) + 1;
      if (home !== null && String(v) !== home) breaches.push(`${c.key} (${home}) sees ${other?.key} (${String(v)})`);
    }
    const mayCreate: Record<string, Record<string, boolean>> = {};
    for (const s of subTypes) {
      mayCreate[s] = {};
      for (const v of values) {
        const allowed = (await checkCreate(engine, domain, session, candidate(s, v))).decision.allowed;
        (mayCreate[s] as Record<string, boolean>)[v] = allowed;
        if (allowed && home !== null && v !== home) breaches.push(`${c.key} (${home}) may create a ${words(s)} in ${v}`);
      }
    }
    people.push({ key: c.key, name: c.sortName, subTypes: c.subTypes, home, sees, mayCreate });
  }

  // One refusal, explained: the first person who may create something, trying the same in another country.
  let refusal: DemoRefusal | null = null;
  for (const p of people) {
    const s = subTypes.find((t) => Object.values(p.mayCreate[t] ?? {}).some(Boolean));
    const elsewhere = s === undefined ? undefined : values.find((v) => p.mayCreate[s]?.[v] === false);
    if (s === undefined || elsewhere === undefined) continue;
    const id = idOf.get(p.key) as number;
    const session = domain.subject({ contactId: id });
    const { decision, facts } = await checkCreate(engine, domain, session, candidate(s, elsewhere));
    const subject = await session.resolve();
    const snapshot = await domain.policy();
    const names = await loadDecisionNames(engine, snapshot, [id]);
    if (!subject) break;
    const w = decisionWords({ snapshot, subject, operation: 'create', facts, explanation: decision.explanation, names, noun: 'the candidate' });
    refusal = {
      person: p.key,
      question: `May ${names.contact(id)} create a ${words(s)} contact in ${elsewhere}? ${decision.allowed ? 'Yes.' : 'No.'}`,
      because: w.because,
      deciding: w.deciding,
      lines: w.lines,
    };
    break;
  }
  return { groupBy, values, totals, subTypes, people, walls: { hold: breaches.length === 0, breaches }, refusal };
}

/**
 * The demo report as text: a small table per person (what they see per country; the may-create matrix of
 * sub-type x country, or one `may create  -` row for people who may create nothing), the verdict on the walls,
 * and the refusal in words.
 *
 * @example
 * ```ts
 * io.out(renderDemoReport(report));
 * ```
 */
export function renderDemoReport(report: DemoReport): string {
  const out: string[] = [];
  const { values, groupBy } = report;
  for (const p of report.people) {
    const title = `${p.name ?? p.key} (${p.key})${p.subTypes.length > 0 ? ` · ${p.subTypes.map(words).join(', ')}` : ''}${p.home ? ` · ${p.home}` : ''}`;
    const rows: string[][] = [['can see', ...values.map((v) => `${p.sees[v] ?? 0} of ${report.totals[v] ?? 0}`)]];
    const creates = report.subTypes.some((s) => values.some((v) => p.mayCreate[s]?.[v] === true));
    if (creates) for (const s of report.subTypes) rows.push([`create ${words(s)}`, ...values.map((v) => (p.mayCreate[s]?.[v] ? 'yes' : '-'))]);
    else rows.push(['may create', ...values.map(() => '-')]);
    out.push(title);
    const first = Math.max(...report.subTypes.map((s) => `create ${words(s)}`.length), 'may create'.length);
    const cell = Math.max(...values.map((v) => `${report.totals[v] ?? 0} of ${report.totals[v] ?? 0}`.length));
    out.push(renderTable(['', ...values], rows, { indent: '  ', rule: false, minWidths: [first, ...values.map(() => cell)] }));
  }
  const between = groupBy === 'country' ? 'countries' : `${groupBy} values`;
  out.push(
    report.walls.hold
      ? `The walls between ${between} hold: nobody sees, or may create, a contact outside their own ${groupBy}.\n`
      : `The walls between ${between} are BROKEN:\n${report.walls.breaches.map((b) => `  - ${b}`).join('\n')}\n`,
  );
  if (report.refusal) {
    out.push(`${report.refusal.question}\n${report.refusal.lines.map((l) => `  ${l}`).join('\n')}\n`);
  }
  return out.join('\n');
}
