import { z } from 'zod';
import type { EntryDef, FieldValue } from './policy-model.js';
import type { Relation } from './relationship-model.js';

/**
 * zod schema of a subject as a host names it: a contact id, a host user id (looked up through the user <->
 * contact link), both, or neither (anonymous).
 *
 * @example
 * ```ts
 * subjectInputSchema.parse({ userId: 'drupal:17' });
 * subjectInputSchema.parse({}); // anonymous
 * ```
 */
export const subjectInputSchema = z
  .object({
    contactId: z.number().int().positive().optional(),
    userId: z.string().min(1).max(191).optional(),
  })
  .strict();

/** Who is acting: `{ contactId }`, `{ userId }`, or `{}` for anonymous. */
export type SubjectInput = z.input<typeof subjectInputSchema>;

/** The acting subject with everything it holds, resolved for one domain version. */
export interface ResolvedSubject {
  readonly domainId: number;
  /** The subject's contact; `null` for anonymous subjects and for subjects whose contact is deleted. */
  readonly contactId: number | null;
  /**
   * The subject's own contact when it is deleted (the subject then resolves like an anonymous visitor: SPEC
   * section 3 rule 7), otherwise `null`.
   */
  readonly deletedContactId: number | null;
  /** The subject's host user: the one given, or the one linked to the contact given; `null` when none. */
  readonly userId: string | null;
  /** Whether the subject has a host user (Authenticated is decided from this, never from a session). */
  readonly hasUser: boolean;
  /** The subject contact's field values, for tokens; empty for anonymous subjects. */
  readonly values: Readonly<Record<string, FieldValue>>;
  /** Active static groups in which the subject's contact is Added (plus any an extension adds). */
  readonly groupIds: ReadonlySet<number>;
  /** Active roles held directly or through those groups (plus any an extension adds). */
  readonly roleIds: ReadonlySet<number>;
  readonly isAdministrator: boolean;
  /** Functional permissions, implications expanded. */
  readonly permissions: ReadonlySet<string>;
  /** How each group or role is held, for explanations: `group:3` -> `member`, `role:2` -> `via group 3`. */
  readonly via: ReadonlyMap<string, string>;
  /** Entries added for this subject: checked delegations, and whatever an extension contributes. */
  readonly extraEntries: readonly EntryDef[];
  /** Contacts the subject reaches through current permissioned relationships. */
  readonly relations: readonly Relation[];
}
