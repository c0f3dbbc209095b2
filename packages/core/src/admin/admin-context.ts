import type { Transaction } from 'kysely';
import type { DialectKind } from '../model/dialect-kind.js';
import type { PermissionRegistry } from '../model/functional-permissions.js';
import type { ContactFacts, PolicySnapshot } from '../model/policy-model.js';
import type { StoreContext } from '../store/policy-store.js';
import type { ResolvedSubject } from '../model/subject-model.js';
import type { WriteRetry } from './conflict-retry.js';

/** What the write API needs. */
export interface AdminContext extends StoreContext {
  readonly dialect: DialectKind;
  readonly registry: PermissionRegistry;
  readonly entityTypes: ReadonlySet<string>;
  readonly domainId: number;
  /** Resolves what a delegation is checked against: the snapshot, the granter, the recipient's contact. */
  readonly delegationContext?: (granter: number, recipient: number, db: Transaction<any>) => Promise<DelegationContext>;
  /** Called after every committed write, with what changed (used by extensions for change events). */
  readonly onChange?: ((change: ChangeRecord) => void) | undefined;
  /** Called when a write transaction aborted for a conflict runs again. */
  readonly onWriteRetry?: ((retry: WriteRetry) => void) | undefined;
}

/** An audited change as read back from the audit log, with its timestamp (ISO 8601). */
export interface AuditRecord extends ChangeRecord {
  readonly at: string;
}

/** What a delegation is checked against. */
export interface DelegationContext {
  readonly snapshot: PolicySnapshot;
  readonly granter: ResolvedSubject;
  readonly recipient: ContactFacts | undefined;
}

/** One audited change. */
export interface ChangeRecord {
  readonly domainId: number;
  readonly actor: string;
  readonly action: string;
  readonly targetType: string;
  readonly targetId: string | null;
  readonly before: unknown;
  readonly after: unknown;
}
