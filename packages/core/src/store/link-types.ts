/** The types of the user <-> contact link reads (`user-links.ts`, `link-sync-reads.ts`). */
import type { Kysely } from 'kysely';
import type { FieldInfo } from '../model/criteria-schema.js';
import type { ContactsConfig } from '../model/engine-config.js';
import type { TableNames } from './table-names.js';

/** One link: a host user id and the contact it is; `suspended` when the host user is blocked. */
export interface UserLink {
  readonly userId: string;
  readonly contactId: number;
  readonly suspended: boolean;
}

/** A stored membership of a contact in a group, with its provenance (`source` null: made by hand). */
export interface MembershipRow {
  readonly groupId: number;
  readonly contactId: number;
  readonly status: 'Added' | 'Removed' | 'Pending';
  readonly source: string | null;
}

/** A linked contact's fields as a user sync keeps them current: sort name and declared attributes. */
export interface LinkedContactFields {
  readonly contactId: number;
  readonly sortName: string | null;
  readonly attributes: Readonly<Record<string, string | number | null>>;
}

/** A contact whose text attribute matched a value, ignoring case, and whether it already has a user. */
export interface LinkCandidate {
  readonly contactId: number;
  /** The attribute's value as stored. */
  readonly value: string;
  readonly linked: boolean;
}

/** What reading links needs: the handle and the engine's table names (and, for the sync reads, the contact table). */
export interface LinkStore {
  readonly db: Kysely<any>;
  readonly tables: TableNames;
  readonly contacts?: ContactsConfig;
  readonly fields?: ReadonlyMap<string, FieldInfo>;
}

/** What a user sync reads about a batch of users (see `UserLinks.linkedState`). */
export interface LinkedState {
  readonly links: UserLink[];
  readonly contacts: LinkedContactFields[];
  readonly memberships: MembershipRow[];
}
