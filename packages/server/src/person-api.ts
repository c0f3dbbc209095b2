import type { CandidateInput, Criteria, Domain, Operation, Rowguard, SubjectInput, SubjectSession } from '@rowguard/core';

/** How many contacts the page reads at most to count what a person sees (beyond it the counts say `partial`). */
export const PERSON_SCAN_LIMIT = 50_000;

/** One row of a person's table: a group or an attribute value, how many of its contacts they see, whether they may create there. */
export interface PersonRow {
  readonly label: string;
  readonly visible: number;
  readonly total: number;
  readonly edit: number;
  /** The contact sub-types a candidate may have to be created here (`any` for a candidate without one); empty when none. */
  readonly create: readonly string[];
  /** Group membership that depends on each person's own fields (tokens): the counts are for this person. */
  readonly tokenized?: boolean;
}

/** What a person can see and create, per group and per value of the first attribute, and what they hold. */
export interface PersonView {
  readonly subject: {
    readonly contactId: number | null;
    readonly userId: string | null;
    readonly name: string | null;
    readonly administrator: boolean;
    readonly groups: readonly string[];
    readonly roles: readonly string[];
    readonly permissions: readonly string[];
  };
  readonly attribute: string | null;
  readonly byValue: readonly PersonRow[];
  readonly byGroup: readonly PersonRow[];
  readonly partial: boolean;
}

interface Scanned {
  readonly ids: number[];
  readonly values: Map<number, string>;
  readonly partial: boolean;
}

async function scanContacts(domain: Domain, attribute: string | null): Promise<Scanned> {
  const ids: number[] = [];
  const values = new Map<number, string>();
  let afterId = 0;
  for (;;) {
    const page = await domain.findContacts({ afterId, limit: 10_000 });
    for (const c of page) {
      ids.push(c.id);
      const v = attribute === null ? null : c.attributes[attribute];
      values.set(c.id, v === null || v === undefined ? '(empty)' : String(v));
    }
    if (page.length < 10_000) return { ids, values, partial: false };
    afterId = page[page.length - 1]?.id ?? afterId;
    if (ids.length >= PERSON_SCAN_LIMIT) return { ids, values, partial: true };
  }
}

/** The sub-types the policy's criteria name: the candidates worth trying in the create column. */
function criteriaSubTypes(criteria: readonly (Criteria | null)[]): string[] {
  const out = new Set<string>();
  const walk = (c: Criteria): void => {
    if ('all' in c) c.all.forEach(walk);
    else if ('any' in c) c.any.forEach(walk);
    else if ('not' in c) walk(c.not);
    else if ('subType' in c) out.add(c.subType);
  };
  for (const c of criteria) if (c) walk(c);
  return [...out].sort();
}

async function creatable(session: SubjectSession, subTypes: readonly string[], candidate: Omit<CandidateInput, 'contactType'>): Promise<string[]> {
  const out: string[] = [];
  for (const subType of [null, ...subTypes]) {
    const decision = await session.checkCreate({ contactType: 'Individual', ...candidate, subTypes: subType === null ? [] : [subType] });
    if (decision.allowed) out.push(subType ?? 'any');
  }
  return out;
}

async function allowedSet(domain: Domain, subject: SubjectInput, op: Operation, ids: readonly number[]): Promise<Set<number>> {
  return domain.subject(subject).checkMany(op, ids);
}

/**
 * A person's view of the domain, every number from the engine: `checkMany` for what they see and edit, the create
 * check of a candidate for each group and each value of the first declared attribute (the table `rowguard demo`
 * prints), and the groups, roles and permissions they hold.
 *
 * @example
 * ```ts
 * const view = await personView(engine, domain, { userId: 'crm:mgr-vn' });
 * view.byValue; // [{ label: 'VN', visible: 7, total: 7, edit: 7, create: true }, ...]
 * ```
 */
export async function personView(engine: Rowguard, domain: Domain, subject: SubjectInput): Promise<PersonView> {
  const session = domain.subject(subject);
  const resolved = await session.resolve();
  const policy = await domain.policy();
  const attribute = Object.keys(engine.config.contacts.attributes)[0] ?? null;
  const scanned = await scanContacts(domain, attribute);
  const [visible, editable] = await Promise.all([allowedSet(domain, subject, 'view', scanned.ids), allowedSet(domain, subject, 'edit', scanned.ids)]);
  const byValue = new Map<string, { visible: number; total: number; edit: number }>();
  for (const id of scanned.ids) {
    const v = scanned.values.get(id) ?? '(empty)';
    const row = byValue.get(v) ?? { visible: 0, total: 0, edit: 0 };
    row.total += 1;
    if (visible.has(id)) row.visible += 1;
    if (editable.has(id)) row.edit += 1;
    byValue.set(v, row);
  }
  const subTypes = criteriaSubTypes([...policy.groups.values()].map((g) => g.criteria));
  const valueRows: PersonRow[] = [];
  for (const [label, counts] of [...byValue].sort((a, b) => a[0].localeCompare(b[0]))) {
    const create = await creatable(session, subTypes, attribute !== null && label !== '(empty)' ? { attributes: { [attribute]: label } } : {});
    valueRows.push({ label, ...counts, create });
  }
  const groupRows: PersonRow[] = [];
  for (const g of [...policy.groups.values()].filter((x) => x.active).sort((a, b) => a.name.localeCompare(b.name, 'en', { numeric: true }))) {
    const members = (await domain.findContacts({ where: { inGroup: g.id }, limit: 10_000 })).map((c) => c.id);
    const seen = members.length > 0 ? await allowedSet(domain, subject, 'view', members) : new Set<number>();
    const edits = members.length > 0 ? await allowedSet(domain, subject, 'edit', members) : new Set<number>();
    const create = g.kind === 'static' ? await creatable(session, subTypes, { groups: [g.id] }) : [];
    const tokenized = g.criteria !== null && JSON.stringify(g.criteria).includes('"$subject"');
    groupRows.push({ label: g.name, visible: seen.size, total: members.length, edit: edits.size, create, tokenized });
  }
  let name: string | null = null;
  if (resolved?.contactId) name = (await domain.findContacts({ where: { field: 'id', op: '=', value: resolved.contactId }, limit: 1 }))[0]?.sortName ?? null;
  return {
    subject: {
      contactId: resolved?.contactId ?? null,
      userId: resolved?.userId ?? null,
      name,
      administrator: resolved?.isAdministrator ?? false,
      groups: [...(resolved?.groupIds ?? [])].map((id) => policy.groups.get(id)?.name ?? `group ${id}`),
      roles: [...(resolved?.roleIds ?? [])].map((id) => policy.roles.get(id)?.name ?? `role ${id}`),
      permissions: [...(resolved?.permissions ?? [])].sort(),
    },
    attribute,
    byValue: valueRows,
    byGroup: groupRows,
    partial: scanned.partial,
  };
}

/**
 * Why a person may or may not act on a contact, in words (the engine's explanation).
 *
 * @example
 * ```ts
 * (await whyDecision(domain, { userId: 'crm:mgr-vn' }, 'view', 12)).summary;
 * ```
 */
export async function whyDecision(domain: Domain, subject: SubjectInput, operation: Operation, target: number): Promise<Record<string, unknown>> {
  const e = await domain.subject(subject).explain(operation, target);
  return {
    allowed: e.allowed,
    reason: e.reason,
    summary: e.summary,
    deciding: e.deciding,
    tiers: e.tiers,
    relationships: e.relationships,
    extension: e.extension,
  };
}
