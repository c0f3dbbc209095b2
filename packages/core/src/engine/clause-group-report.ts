import type { Criteria } from '../model/criteria-schema.js';
import type { PolicySnapshot } from '../model/policy-model.js';
import { searchableColumns } from './attribute-indexes.js';
import type { EngineInternals } from './engine-internals.js';
import type { MaterialisedReport } from './session-clause.js';

function criteriaFields(c: Criteria, out: Set<string>): void {
  if ('all' in c) c.all.forEach((x) => criteriaFields(x, out));
  else if ('any' in c) c.any.forEach((x) => criteriaFields(x, out));
  else if ('not' in c) criteriaFields(c.not, out);
  else if ('field' in c) out.add(c.field);
}

const searchable = new WeakMap<EngineInternals, { at: number; columns: Set<string> }>();

/**
 * What `explainClause` says about the smart groups a clause tests: the materialised ones with how fresh their rows
 * are, and a warning for each attribute that inlined (tokenized) criteria compare but no index of the contact
 * table can search by (add `(domain column, attribute)` indexes for those; the engine's reference table has them).
 *
 * @example
 * ```ts
 * const { materialised, warnings } = await groupReports(engine, snapshot, new Set(['m:3', 't:4']));
 * ```
 */
export async function groupReports(
  engine: EngineInternals,
  snapshot: PolicySnapshot,
  seen: ReadonlySet<string>,
): Promise<{ materialised: MaterialisedReport[]; warnings: string[] }> {
  const materialised: MaterialisedReport[] = [];
  const inlined = new Set<string>();
  const reference = engine.contactTable === engine.store.tables.contact;
  for (const key of seen) {
    if (key.startsWith('m:')) {
      for (const id of key.slice(2).split(',').map(Number)) {
        const membersAt = snapshot.groups.get(id)?.membersAt;
        if (!membersAt || materialised.some((m) => m.groupId === id)) continue;
        materialised.push({ groupId: id, membersAt, freshness: reference ? 'exact' : 'since-refresh', stalenessMs: Math.max(0, Date.now() - Date.parse(membersAt)) });
      }
    } else if (key.startsWith('t:')) {
      const criteria = snapshot.groups.get(Number(key.slice(2)))?.criteria;
      if (criteria) criteriaFields(criteria, inlined);
    }
  }
  const warnings: string[] = [];
  if (inlined.size > 0) {
    let hit = searchable.get(engine);
    if (!hit || Date.now() - hit.at > 60_000) {
      try {
        hit = { at: Date.now(), columns: await searchableColumns(engine.store.db, engine.dialect, engine.contactTable, engine.store.contacts.columns.domainId) };
        searchable.set(engine, hit);
      } catch (error) {
        // A diagnostic only (say, the clause compiled for another dialect than the database's): say so, go on.
        warnings.push(`could not read the indexes of ${engine.contactTable}: ${error instanceof Error ? error.message : String(error)}`);
        return { materialised, warnings };
      }
    }
    for (const field of [...inlined].sort()) {
      const column = engine.store.fields.get(field)?.column;
      if (column && column !== engine.store.contacts.columns.id && !hit.columns.has(column)) {
        warnings.push(`criteria of a tokenized smart group compare '${field}', but no index of ${engine.contactTable} searches column ${column}: add one on (${engine.store.contacts.columns.domainId ?? ''}${engine.store.contacts.columns.domainId ? ', ' : ''}${column})`);
      }
    }
  }
  return { materialised, warnings };
}
