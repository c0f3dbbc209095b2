import type { Tier } from '../decide/access-plan.js';
import { decideGrants, whoCanAllows, type SubjectHoldings } from '../decide/who-can-decision.js';
import type { ReverseLookup, RuntimeGrantSource, WhoCanGrant, WhoCanHolderRef } from '../decide/who-can.js';
import type { Operation } from '../model/operation-model.js';
import type { ContactFacts, EntryDef, ObjectRef, PolicySnapshot } from '../model/policy-model.js';

/** How many contacts hold a group or role, and how many of them have a host user. */
export interface Reach {
  readonly contacts: number;
  readonly users: number;
}

/** What kind of holder a line of the reverse lookup is about. */
export type WhoCanHolderKind =
  | 'administrator'
  | 'contact'
  | 'delegation'
  | 'relationship'
  | 'group'
  | 'role'
  | 'everyone'
  | 'authenticated'
  | 'permission';

/** One holder of the operation on the contact, with the entry that decides for it and how far it reaches. */
export interface WhoCanHolder {
  readonly kind: WhoCanHolderKind;
  /** The holder: an owner, a functional permission, or (relationships, delegations) the holder's contact. */
  readonly holder: WhoCanHolderRef;
  readonly label: string;
  /** What the holder's own entries decide alone: allow or deny (a subject holding several combines them by tier). */
  readonly effect: 'allow' | 'deny';
  /** The holder's deciding entry (highest tier, deny beats allow), or null for administrators and relationships. */
  readonly deciding: EntryDef | null;
  readonly tier: Tier | null;
  /** How many of its entries cover the contact. */
  readonly entries: number;
  /** For groups, roles and Authenticated: how many contacts and users hold it; null when not counted. */
  readonly reach: Reach | null;
  /** When it applies only to some holders (tokens, relationships), in words; otherwise null. */
  readonly condition: string | null;
  /** One sentence in words. */
  readonly why: string;
}

function objectWords(o: ObjectRef, snapshot: PolicySnapshot): string {
  switch (o.type) {
    case 'all-contacts':
      return 'all contacts';
    case 'contact':
      return `contact ${o.id}`;
    case 'group-members':
      return `members of group “${snapshot.groups.get(o.groupId)?.name ?? o.groupId}”`;
    case 'related':
      return 'contacts related to the holder';
    case 'delegated':
      return `a delegation from contact ${o.granterId} (parent entry ${o.parentEntryId})`;
    default:
      return o.type;
  }
}

/**
 * The answer of {@link Domain.whoCan}: every holder of an operation on one contact, each with its deciding
 * entry and reach, grouped by kind; the taps that may grant more at run time; and {@link WhoCanReport.allows},
 * which decides any subject from these holders alone. `toJSON()` gives the serialisable part.
 *
 * @example
 * ```ts
 * const report = await domain.whoCan('view', 12);
 * for (const h of report.holders) console.log(h.kind, h.label, h.effect, h.why);
 * ```
 */
export class WhoCanReport {
  readonly operation: Operation;
  readonly contactId: number;
  /** The policy version the answer is for. */
  readonly version: number;
  readonly contactDeleted: boolean;
  readonly holders: readonly WhoCanHolder[];
  /** Taps that may also grant at run time (an `access` or `aclWhereClause` tap), named, not decided. */
  readonly runtime: readonly RuntimeGrantSource[];
  /** Whether the host's permission provider may also hand out the functional permissions listed. */
  readonly hostPermissions: boolean;
  readonly #lookup: ReverseLookup;
  readonly #facts: ContactFacts;
  readonly #snapshot: PolicySnapshot;

  constructor(
    lookup: ReverseLookup,
    snapshot: PolicySnapshot,
    facts: ContactFacts,
    reach: ReadonlyMap<string, Reach>,
    runtime: readonly RuntimeGrantSource[],
    hostPermissions: boolean,
  ) {
    this.#lookup = lookup;
    this.#facts = facts;
    this.#snapshot = snapshot;
    this.operation = lookup.operation;
    this.contactId = lookup.contactId;
    this.version = snapshot.version;
    this.contactDeleted = lookup.contactDeleted;
    this.runtime = runtime;
    this.hostPermissions = hostPermissions;
    this.holders = Object.freeze(this.#group(reach));
  }

  /**
   * Whether a resolved subject may do the operation on the contact, decided from this answer alone (no hook
   * adjustment). Equals `check` for every subject of a domain without hooks.
   *
   * @example
   * ```ts
   * report.allows((await domain.subject({ contactId: 7 }).resolve())!);
   * ```
   */
  allows(subject: SubjectHoldings): boolean {
    return whoCanAllows(this.#lookup, subject, this.#facts, this.#snapshot.groups);
  }

  /** The grants the answer is made of (every covering entry with its holder). */
  get grants(): readonly WhoCanGrant[] {
    return this.#lookup.grants;
  }

  /**
   * The serialisable answer.
   *
   * @example
   * ```ts
   * JSON.stringify(report); // { operation, contactId, version, contactDeleted, holders, runtime, hostPermissions }
   * ```
   */
  toJSON(): Record<string, unknown> {
    const { operation, contactId, version, contactDeleted, holders, runtime, hostPermissions } = this;
    return { operation, contactId, version, contactDeleted, holders, runtime, hostPermissions };
  }

  #name(ref: WhoCanHolderRef): string {
    const s = this.#snapshot;
    switch (ref.type) {
      case 'contact':
        return `contact ${ref.id}`;
      case 'group':
        return `group “${s.groups.get(ref.id)?.name ?? ref.id}”`;
      case 'role':
        return `role “${s.roles.get(ref.id)?.name ?? ref.id}”`;
      case 'everyone':
        return 'Everyone';
      case 'authenticated':
        return 'Authenticated users';
      case 'permission':
        return ref.contactId === null ? `permission “${ref.name}”` : `permission “${ref.name}” (contact ${ref.contactId} itself)`;
    }
  }

  #group(reach: ReadonlyMap<string, Reach>): WhoCanHolder[] {
    const s = this.#snapshot;
    const out: WhoCanHolder[] = [];
    const deletedNote = this.contactDeleted ? ' (the contact is deleted: only holders of “access deleted contacts” see it)' : '';
    for (const id of this.#lookup.administratorRoles) {
      out.push({
        kind: 'administrator',
        holder: { type: 'role', id },
        label: `role “${s.roles.get(id)?.name ?? id}” (administrator)`,
        effect: 'allow',
        deciding: null,
        tier: null,
        entries: 0,
        reach: reach.get(`role:${id}`) ?? null,
        condition: this.contactDeleted ? 'holders of “access deleted contacts” only' : null,
        why: `Administrators may do everything in the domain; no entry can deny them${deletedNote}.`,
      });
    }
    const byHolder = new Map<string, WhoCanGrant[]>();
    for (const g of this.#lookup.grants) {
      if (g.entry.source === 'relationship') continue;
      const kind = g.entry.object.type === 'delegated' ? 'delegation' : g.holder.type;
      const key = `${kind}:${JSON.stringify(g.holder)}`;
      byHolder.set(key, [...(byHolder.get(key) ?? []), g]);
    }
    for (const grants of byHolder.values()) {
      const first = grants[0] as WhoCanGrant;
      const { allowed, deciding, tier } = decideGrants(grants);
      const d = (deciding ?? first).entry;
      const ref = first.holder;
      const kind: WhoCanHolderKind = d.object.type === 'delegated' ? 'delegation' : ref.type;
      const conditional = grants.filter((g) => g.condition !== null);
      const condition =
        conditional.length === 0
          ? null
          : conditional
              .map((g) =>
                g.condition?.type === 'tokens'
                  ? `when the subject’s own fields put the contact in group “${s.groups.get(g.condition.groupId)?.name ?? g.condition.groupId}”`
                  : `for holders related to the contact (${this.#lookup.relations.map((r) => `contact ${r.holder}`).join(', ') || 'none now'})`,
              )
              .join('; ');
      const entryName = d.id === null ? d.source : `entry #${d.id}${d.key ? ` (${d.key})` : ''}`;
      const roles = ref.type === 'permission' ? this.#lookup.permissionRoles[ref.name] ?? [] : [];
      const held = ref.type === 'permission' && roles.length > 0 ? ` held by ${roles.map((id) => `role “${s.roles.get(id)?.name ?? id}”`).join(', ')}` : '';
      out.push({
        kind,
        holder: ref,
        label: this.#name(ref) + held,
        effect: allowed ? 'allow' : 'deny',
        deciding: d,
        tier,
        entries: grants.length,
        reach:
          ref.type === 'group' || ref.type === 'role' || ref.type === 'authenticated'
            ? (reach.get(ref.type === 'authenticated' ? 'authenticated:0' : `${ref.type}:${ref.id}`) ?? null)
            : null,
        condition,
        why: `${this.#name(ref)} ${allowed ? 'is allowed' : 'is denied'} ${d.operation === this.operation ? this.operation : `${this.operation} (through ${d.operation})`} by ${entryName}: ${d.effect} on ${objectWords(d.object, s)}, priority ${d.priority}${tier?.level === 1 ? ', contact level' : ''}${deletedNote}.`,
      });
    }
    for (const r of this.#lookup.relations) {
      if (this.operation !== 'view' && !(this.operation === 'edit' && r.level === 'edit')) continue;
      out.push({
        kind: 'relationship',
        holder: { type: 'contact', id: r.holder },
        label: `contact ${r.holder}`,
        effect: 'allow',
        deciding: null,
        tier: { priority: 0, level: 0 },
        entries: 1,
        reach: null,
        condition: null,
        why: `Contact ${r.holder} reaches it as ${r.path} (${r.level}, degree ${r.degree}): a relationship allow at priority 0, group level${deletedNote}.`,
      });
    }
    return out;
  }
}
