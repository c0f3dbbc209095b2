/**
 * The engine (`engine/`): the objects a host holds. {@link Rowguard} owns the connection, configuration and the
 * per-domain snapshot cache (refreshed when the domain's version moves); a {@link Domain} hands out subject
 * sessions, the audited write API and read APIs; a `SubjectSession` runs decisions under a deadline and fails
 * closed. Extension packages plug in through {@link EngineExtension}.
 */
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { criteriaFields } from '../model/criteria-schema.js';
import { parseDomainName } from '../model/domain-name.js';
import { detectDialect, type DialectKind } from '../model/dialect-kind.js';
import type { DecisionRecord, EngineInternals } from './engine-internals.js';
import { engineConfigSchema, type EngineConfig, type EngineConfigInput } from '../model/engine-config.js';
import { PolicyError, RowguardError } from '../model/engine-errors.js';
import { PermissionRegistry, type PermissionDefinition } from '../model/functional-permissions.js';
import { PolicyAdmin, type ChangeRecord } from '../admin/policy-admin.js';
import type { PolicySnapshot } from '../model/policy-model.js';
import { loadContactFacts, loadSnapshot, type StoreContext } from '../store/policy-store.js';
import { migrateSchema } from '../store/schema-migrations.js';
import { readVersionCheckingSession } from '../store/session-escaping-guard.js';
import type { ResolvedSubject } from '../model/subject-model.js';
import { resolveSubject, type PermissionOverride, type PermissionProvider, type ResolveOptions, type SubjectContributor } from '../decide/subject-resolver.js';
import { NO_ADJUSTMENT, type ScopeAdjustment } from '../decide/access-plan.js';
import type { Operation } from '../model/operation-model.js';
import type { RuntimeGrantSource } from '../decide/who-can.js';
import { isoDay } from '../model/relationship-model.js';
import { GrantSizeEstimator } from '../sql/clause-shape.js';
import {
  BUILTIN_ENTITY_TYPES,
  entityConditionSchema,
  entityPermissionSchema,
  type EntityCondition,
  type EntityPermission,
} from '../decide/entity-permissions.js';
import { Domain } from './engine-domain.js';
import { replicaReadsFor, type ReadTarget, type ReplicaReadCounts, type ReplicaReads } from './replica-reads.js';
import type { ConsistencyToken } from '../model/cluster-config.js';
import type { WriteRetry } from '../admin/conflict-retry.js';
import { tableNames, type TableNames } from '../store/table-names.js';

/** Callbacks an extension package (such as `@rowguard/hooks`) plugs into the engine. */
export interface EngineExtension {
  /** Adds groups, roles, entries or permissions to a subject at resolution time. */
  readonly contributeToSubject?: SubjectContributor;
  /** Overrides functional-permission checks (deny over allow over no opinion). */
  readonly overridePermissions?: PermissionOverride;
  /** Narrows or widens a subject's contact scope for one operation (criteria, so both forms apply it). */
  readonly adjustScope?: (
    subject: ResolvedSubject,
    operation: Operation,
    snapshot: PolicySnapshot,
  ) => Promise<ScopeAdjustment | undefined>;
  /** Alters the permitted ids of a non-contact type for a subject and operation. */
  readonly adjustEntities?: (
    subject: ResolvedSubject,
    entity: string,
    operation: Operation,
    permission: EntityPermission,
    snapshot: PolicySnapshot,
  ) => Promise<EntityPermission | undefined>;
  /** Adds structured conditions to the clause over a host entity table. */
  readonly entityConditions?: (
    subject: ResolvedSubject,
    entity: string,
    operation: Operation,
  ) => Promise<readonly EntityCondition[] | undefined>;
  /** Observes committed changes. */
  readonly onChange?: (change: ChangeRecord) => void;
  /** Observes decisions. */
  readonly onDecision?: (record: DecisionRecord) => void;
  /** The taps that may grant at run time, for the reverse lookup (`Domain.whoCan`) to name. */
  readonly runtimeGrantSources?: () => readonly RuntimeGrantSource[];
}

/** Options of {@link createRowguard}: the database handle, callbacks, and the validated configuration. */
export interface RowguardOptions extends EngineConfigInput {
  /** A Kysely instance on SQLite (better-sqlite3), MariaDB/MySQL (mysql2) or PostgreSQL (pg). */
  readonly db: Kysely<any>;
  /** The dialect; detected from the Kysely adapter when omitted. */
  readonly dialect?: DialectKind;
  /** Functional permissions from the host's own permission system. */
  readonly permissionProvider?: PermissionProvider;
  /** Functional permissions the host defines besides the built-in ones. */
  readonly permissions?: readonly PermissionDefinition[];
  /** Where errors that turned into a deny are reported (default: `console.error`). */
  readonly onError?: (error: unknown, context: Readonly<Record<string, unknown>>) => void;
  /** An extension (see `@rowguard/hooks`). */
  readonly extension?: EngineExtension;
  /** The clock relationship dates are compared with (default: the system clock; dates are taken in UTC). */
  readonly clock?: () => Date;
  /**
   * PostgreSQL hot standbys of `db` (with `cluster: { kind: 'postgres-replicas' }`): sessions read them, writes
   * go to `db`. See {@link Rowguard.consistencyToken} and `Domain.subjectAfter`.
   */
  readonly replicas?: readonly Kysely<any>[];
  /** Told about every write transaction the database aborted for a conflict and that runs again. */
  readonly onWriteRetry?: (retry: WriteRetry) => void;
}

/**
 * The engine, bound to one database. Create domains (tenants) from it; each gives subject sessions (decisions
 * and SQL clauses) and an audited write API.
 *
 * @example
 * ```ts
 * import Database from 'better-sqlite3';
 * import { Kysely, SqliteDialect } from 'kysely';
 * import { createRowguard } from '@rowguard/core';
 *
 * const db = new Kysely<any>({ dialect: new SqliteDialect({ database: new Database(':memory:') }) });
 * const rowguard = createRowguard({ db, contacts: { attributes: { country: { type: 'text' } } } });
 * await rowguard.migrate();
 * const domain = await rowguard.domain('default');
 * ```
 */
export class Rowguard {
  readonly db: Kysely<any>;
  readonly dialect: DialectKind;
  readonly config: EngineConfig;
  readonly tables: TableNames;
  readonly permissions: PermissionRegistry;
  readonly #store: StoreContext;
  readonly #options: RowguardOptions;
  readonly #snapshots = new Map<number, PolicySnapshot>();
  readonly #loading = new Map<string, Promise<PolicySnapshot>>();
  readonly #internals: EngineInternals;
  readonly #reads: ReplicaReads | undefined;
  readonly #replicaInternals: readonly EngineInternals[];

  constructor(options: RowguardOptions) {
    const { db, dialect, permissionProvider: _p, permissions, onError: _e, extension: _x, clock: _c, replicas, onWriteRetry: _r, ...rest } = options;
    const parsed = engineConfigSchema.safeParse(rest);
    if (!parsed.success) {
      throw new PolicyError('invalid_input', `invalid rowguard configuration: ${z.prettifyError(parsed.error)}`, {
        issues: parsed.error.issues,
      });
    }
    const detected = dialect ?? detectDialect(db);
    if (!detected) throw new RowguardError('cannot tell the SQL dialect of this Kysely instance; pass `dialect`');
    this.db = db;
    this.dialect = detected;
    this.config = parsed.data;
    this.tables = tableNames(this.config.tablePrefix);
    this.permissions = new PermissionRegistry(permissions ?? []);
    this.#options = options;
    this.#store = { db, tables: this.tables, contacts: this.config.contacts, fields: criteriaFields(this.config.contacts) };
    const grantSizes = new GrantSizeEstimator(
      db,
      this.dialect,
      this.tables,
      this.config.contacts.table ?? this.tables.contact,
      this.config.contacts.columns.domainId,
    );
    this.#internals = this.#internalsFor(this.#store, 'primary', grantSizes);
    this.#reads = replicaReadsFor(db, this.dialect, this.config.cluster, replicas);
    // Grant-size estimates only steer the clause's shape: the primary's serve the replicas too.
    this.#replicaInternals = (this.#reads?.replicas ?? []).map((replica, i) =>
      this.#internalsFor({ ...this.#store, db: replica }, `replica${i}`, grantSizes),
    );
  }

  /** What sessions need, reading through `store` (the primary's or a replica's). */
  #internalsFor(store: StoreContext, target: string, grantSizes: GrantSizeEstimator): EngineInternals {
    return {
      dialect: this.dialect,
      store,
      contactTable: this.config.contacts.table ?? this.tables.contact,
      snapshot: (domainId) => this.#snapshot(domainId, store, target),
      resolve: (snapshot, input) => resolveSubject(store, snapshot, input, this.#resolveOptions(true)),
      adjust: async (subject, operation, snapshot) =>
        (await this.#options.extension?.adjustScope?.(subject, operation, snapshot)) ?? NO_ADJUSTMENT,
      reportError: (error, context) => (this.#options.onError ?? defaultOnError)(error, context),
      decided: (record) => this.#options.extension?.onDecision?.(record),
      entityTypes: new Set<string>([...BUILTIN_ENTITY_TYPES, ...this.config.entityTypes]),
      today: () => isoDay((this.#options.clock ?? (() => new Date()))()),
      grantSizes,
      clauseShape: this.config.clauseShape,
      secondDegree: this.config.relationships.secondDegree,
      decisionTimeoutMs: this.config.decisionTimeoutMs,
      adjustEntities: async (subject, entity, operation, permission, snapshot) => {
        const adjusted = await this.#options.extension?.adjustEntities?.(subject, entity, operation, permission, snapshot);
        return adjusted === undefined ? permission : entityPermissionSchema.parse(adjusted);
      },
      expandPermissions: (names) => this.permissions.expand(names),
      runtimeGrantSources: () => this.#options.extension?.runtimeGrantSources?.() ?? [],
      hasPermissionProvider: this.#options.permissionProvider !== undefined,
      entityConditions: async (subject, entity, operation) =>
        z.array(entityConditionSchema).parse((await this.#options.extension?.entityConditions?.(subject, entity, operation)) ?? []),
    };
  }

  /**
   * A consistency token: the primary's WAL position, covering every write committed so far (take it right after
   * a write). A session made with it (`domain.subjectAfter(token, subject)`) reads a replica only once the
   * replica has replayed that far, else the primary. Needs `cluster: { kind: 'postgres-replicas' }`.
   *
   * @example
   * ```ts
   * await domain.admin('alice').updateEntry(12, { active: false });
   * const token = await rowguard.consistencyToken();
   * const me = await domain.subjectAfter(token, { contactId: 7 }); // sees the change
   * ```
   */
  async consistencyToken(): Promise<ConsistencyToken> {
    if (!this.#reads) throw new RowguardError("consistency tokens need cluster: { kind: 'postgres-replicas' }");
    return this.#reads.token();
  }

  /**
   * How many token sessions read a replica and how many fell back to the primary (undefined without replicas).
   *
   * @example
   * ```ts
   * rowguard.replicaReadCounts; // { replica: 120, primary: 3 }
   * ```
   */
  get replicaReadCounts(): ReplicaReadCounts | undefined {
    return this.#reads?.counts;
  }

  /** @internal Where a session without a consistency token reads. */
  readInternals(): EngineInternals {
    return this.#target(this.#reads?.untokened() ?? { kind: 'primary' });
  }

  /** @internal Where a session given a consistency token reads (waits for a replica, bounded). */
  async readInternalsAfter(token: ConsistencyToken): Promise<EngineInternals> {
    if (!this.#reads) return this.#internals;
    return this.#target(await this.#reads.after(token));
  }

  #target(target: ReadTarget): EngineInternals {
    return target.kind === 'replica' ? (this.#replicaInternals[target.index] ?? this.#internals) : this.#internals;
  }

  /**
   * Creates or upgrades the engine's tables (idempotent).
   *
   * @example
   * ```ts
   * await rowguard.migrate();
   * ```
   */
  async migrate(): Promise<void> {
    await migrateSchema(this.db, this.dialect, this.config);
  }

  /**
   * The domain with this name, created if missing. Names compare exactly (`ACME` and `acme` are two domains);
   * an empty name, one longer than 128 characters or one with a control character is refused with
   * `PolicyError('invalid_input')`.
   *
   * @example
   * ```ts
   * const domain = await rowguard.domain('default');
   * ```
   */
  async domain(name: string): Promise<Domain> {
    const n = parseDomainName(name);
    const find = () => this.db.selectFrom(this.tables.domain).select('id').where('name', '=', n).executeTakeFirst();
    let row = await find();
    if (!row) {
      try {
        await this.db.insertInto(this.tables.domain).values({ name: n, version: 0 }).execute();
      } catch (err) {
        // Another process may have created it at the same moment; the unique name decides.
        if (!(await find())) throw err;
      }
      row = await find();
    }
    return new Domain(this, this.#internals, Number(row?.id), n);
  }

  /**
   * The names and ids of every domain.
   *
   * @example
   * ```ts
   * await rowguard.domains(); // [{ id: 1, name: 'default' }]
   * ```
   */
  async domains(): Promise<{ id: number; name: string }[]> {
    const rows = await this.db.selectFrom(this.tables.domain).select(['id', 'name']).orderBy('id').execute();
    return rows.map((r) => ({ id: Number(r.id), name: String(r.name) }));
  }

  /** @internal Builds the write API for a domain. */
  adminFor(domainId: number, actor: string): PolicyAdmin {
    return new PolicyAdmin(
      {
        ...this.#store,
        dialect: this.dialect,
        registry: this.permissions,
        entityTypes: this.#internals.entityTypes,
        domainId,
        delegationContext: async (granter, recipient, trx) => {
          // Inside the write's transaction: it sees the transaction's own earlier writes, and on SQLite the
          // transaction holds the only connection. Host callbacks (hooks, permission provider) are not asked
          // here, since they may read through another handle: a hold that only they give is refused.
          const store = { ...this.#store, db: trx };
          const snapshot = await loadSnapshot(store, domainId);
          const resolved = await resolveSubject(store, snapshot, { contactId: granter }, this.#resolveOptions(false));
          return { snapshot, granter: resolved, recipient: (await loadContactFacts(store, [recipient])).get(recipient) };
        },
        onChange: this.#options.extension?.onChange,
        onWriteRetry: this.#options.onWriteRetry,
      },
      actor,
    );
  }

  async #snapshot(domainId: number, store: StoreContext, target: string): Promise<PolicySnapshot> {
    // On MariaDB/MySQL this statement also refuses a session that would mis-read values (NO_BACKSLASH_ESCAPES);
    // on a Galera node it is a causal read (it waits until the node applied every write committed before it).
    const cluster = this.config.cluster;
    const version = await readVersionCheckingSession(store, this.dialect, domainId, cluster.kind === 'galera' ? { galeraSyncWait: cluster.syncWait } : {});
    if (version === undefined) throw new PolicyError('unknown_domain', `domain ${domainId} does not exist`, { domainId });
    const cached = this.#snapshots.get(domainId);
    if (cached && cached.version === version) return cached;
    // Loads are shared per server read: a replica's snapshot never stands in for the primary's, nor the reverse.
    const key = `${target}:${domainId}`;
    let loading = this.#loading.get(key);
    if (!loading) {
      loading = loadSnapshot(store, domainId).finally(() => this.#loading.delete(key));
      this.#loading.set(key, loading);
    }
    const snapshot = await loading;
    const current = this.#snapshots.get(domainId);
    if (!current || current.version <= snapshot.version) this.#snapshots.set(domainId, snapshot);
    // A load that started before a newer write is older than `version`: load again rather than decide on it.
    return snapshot.version >= version ? snapshot : loadSnapshot(store, domainId);
  }

  #resolveOptions(withHost: boolean): ResolveOptions {
    return {
      registry: this.permissions,
      permissionProvider: withHost ? this.#options.permissionProvider : undefined,
      contributor: withHost ? this.#options.extension?.contributeToSubject : undefined,
      permissionOverride: withHost ? this.#options.extension?.overridePermissions : undefined,
      today: this.#internals.today(),
      secondDegree: this.config.relationships.secondDegree,
    };
  }
}

function defaultOnError(error: unknown, context: Readonly<Record<string, unknown>>): void {
  console.error(`[rowguard] ${String(context.action ?? 'decision')} denied after an error:`, error);
}

/**
 * Creates the engine. Validates the configuration (zod) and detects the dialect.
 *
 * @example
 * ```ts
 * const rowguard = createRowguard({ db, tablePrefix: 'crm_acl_', contacts: { attributes: { country: { type: 'text' } } } });
 * ```
 */
export function createRowguard(options: RowguardOptions): Rowguard {
  return new Rowguard(options);
}
