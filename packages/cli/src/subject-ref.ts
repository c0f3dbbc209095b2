import type { Domain, Rowguard, SubjectInput } from '@rowguard/core';
import { CliError, EXIT } from './cli-errors.js';
import { contactIdById, contactIdByKey } from './contact-lookup.js';

/**
 * Who a command acts as: a contact key (`--as`), a contact id (`--as-contact-id`, for a contact without a key), a
 * host user (`--user`) or nobody (`--anonymous`).
 *
 * @example
 * ```ts
 * const choice: SubjectChoice = { as: 'mgr-vn' };
 * ```
 */
export interface SubjectChoice {
  readonly as?: string | undefined;
  readonly asContactId?: string | undefined;
  readonly user?: string | undefined;
  readonly anonymous?: boolean | undefined;
}

/**
 * A resolved subject choice: the engine's subject input, the contact id when known, and a label.
 *
 * @example
 * ```ts
 * const ref: SubjectRef = { input: { contactId: 3 }, contactId: 3, key: 'mgr-vn', label: 'mgr-vn' };
 * ```
 */
export interface SubjectRef {
  readonly input: SubjectInput;
  readonly contactId: number | null;
  readonly key: string | null;
  readonly label: string;
}

/**
 * Turns `--as <contact-key>` / `--as-contact-id <id>` / `--user <id>` / `--anonymous` into the engine's subject
 * input. Exactly one is required; an unknown contact key or id exits 2.
 *
 * @example
 * ```ts
 * const ref = await subjectRef(engine, domain, { as: 'mgr-vn' }); // { input: { contactId: 3 }, ... }
 * ```
 */
export async function subjectRef(engine: Rowguard, domain: Domain, choice: SubjectChoice): Promise<SubjectRef> {
  const given = [choice.as !== undefined, choice.asContactId !== undefined, choice.user !== undefined, choice.anonymous === true].filter(Boolean).length;
  if (given !== 1) {
    throw new CliError(
      'missing_subject',
      'say who acts: --as <contact-key>, --as-contact-id <id>, --user <host-user-id> or --anonymous (exactly one)',
      EXIT.badInput,
    );
  }
  if (choice.asContactId !== undefined) {
    const contactId = await contactIdById(engine, domain, choice.asContactId, '--as-contact-id');
    return { input: { contactId }, contactId, key: null, label: `contact #${contactId}` };
  }
  if (choice.as !== undefined) {
    const contactId = await contactIdByKey(engine, domain, choice.as);
    return { input: { contactId }, contactId, key: choice.as, label: choice.as };
  }
  if (choice.user !== undefined) {
    const link = await engine.db
      .selectFrom(engine.tables.userLink)
      .select('contact_id')
      .where('domain_id', '=', domain.id)
      .where('user_id', '=', choice.user)
      .executeTakeFirst();
    const contactId = link ? Number(link.contact_id) : null;
    return { input: { userId: choice.user }, contactId, key: null, label: `user ${choice.user}` };
  }
  return { input: {}, contactId: null, key: null, label: 'anonymous' };
}
