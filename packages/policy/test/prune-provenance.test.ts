import { createRowguard, type Rowguard } from '@rowguard/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, testDialects, type TestDatabase } from '../../core/test/support/test-databases.js';
import { diffAgainstDatabase, parsePolicyText, POLICY_CREATED, syncPolicy, validatePolicy } from '../src/index.js';

// Version 1 of a policy file: two contacts it creates, one with a user link, in one group.
const V1 = `
domain: prune-safety
contacts:
  - { key: ann, name: "Ann" }
  - { key: bob, name: "Bob", user: "crm:bob" }
  - { key: cyd, name: "Cyd", user: "crm:cyd" }
groups:
  - { name: Staff, kind: static, members: [ann, bob] }
`;
// Version 2 keeps only ann and cyd (without cyd's user link).
const V2 = `
domain: prune-safety
contacts:
  - { key: ann, name: "Ann" }
  - { key: cyd, name: "Cyd" }
groups:
  - { name: Staff, kind: static, members: [ann] }
`;

const policy = (text: string) => validatePolicy(parsePolicyText(text, 'prune-safety.yaml'));

interface ContactState {
  readonly key: string | null;
  readonly deleted: boolean;
  readonly user: string | null;
}

/** Every contact of the domain with its deleted flag and linked user, by key (unkeyed ones by sort name). */
async function contactsOf(engine: Rowguard, domainId: number): Promise<Record<string, ContactState>> {
  const rows = await engine.db
    .selectFrom(`${engine.tables.contact} as c`)
    .leftJoin(`${engine.tables.userLink} as l`, 'l.contact_id', 'c.id')
    .select(['c.contact_key', 'c.sort_name', 'c.is_deleted', 'l.user_id'])
    .where('c.domain_id', '=', domainId)
    .execute();
  return Object.fromEntries(
    rows.map((r) => [
      String(r.contact_key ?? `(no key) ${String(r.sort_name)}`),
      { key: r.contact_key === null ? null : String(r.contact_key), deleted: Number(r.is_deleted) === 1, user: r.user_id === null ? null : String(r.user_id) },
    ]),
  );
}

const dialects = await testDialects();

describe.each(dialects)('apply --prune removes only the contacts and user links a policy file created (%s)', (dialect) => {
  let t: TestDatabase;
  let engine: Rowguard;
  let domainId = 0;

  beforeAll(async () => {
    t = await openTestDatabase(dialect, 'prune_provenance');
    engine = createRowguard({ db: t.db, dialect, onError: () => undefined });
    await syncPolicy(engine, policy(V1), { actor: 'ops' });
    const domain = await engine.domain('prune-safety');
    domainId = domain.id;
    const ids = new Map((await engine.db.selectFrom(engine.tables.contact).select(['id', 'contact_key']).execute()).map((r) => [String(r.contact_key), Number(r.id)]));
    // By hand, with the very actor the applies use: a keyed contact with a link, and a link to a file's contact.
    const byHand = domain.admin('ops');
    const hand = await byHand.createContact({ key: 'hand', contactType: 'Individual', sortName: 'Hand' });
    await byHand.linkUser({ userId: 'crm:hand', contactId: hand });
    await byHand.linkUser({ userId: 'crm:ann', contactId: ids.get('ann') as number });
    // A host sync: keyed and unkeyed contacts with links, and a file's link made again by the sync.
    const sync = domain.admin('wordpress-sync');
    const wp = await sync.createContact({ key: 'wp:7', contactType: 'Individual', sortName: 'Seven' });
    await sync.linkUser({ userId: 'wp:7', contactId: wp });
    const unkeyed = await sync.createContact({ contactType: 'Individual', sortName: 'Eight' });
    await sync.linkUser({ userId: 'wp:8', contactId: unkeyed });
    await sync.unlinkUser('crm:cyd');
    await sync.linkUser({ userId: 'crm:cyd', contactId: ids.get('cyd') as number });
  });
  afterAll(async () => t?.close());

  it('the dry run and the preview plan to remove only what the file created', async () => {
    const expected = ["contact 'bob'", "member 'bob' of group 'Staff'", "user link of contact 'bob'"];
    const dry = await syncPolicy(engine, policy(V2), { prune: true, dryRun: true, force: true, actor: 'ops' });
    const deletes = (changes: readonly { action: string; label: string }[]) => changes.filter((c) => c.action === 'delete').map((c) => c.label).sort();
    expect(deletes(dry.diff.changes)).toEqual(expected);
    expect(deletes((await diffAgainstDatabase(engine, policy(V2), { prune: true })).changes)).toEqual(expected);
  });

  it('contacts and links made by hand or by a sync survive the prune; the file\'s own go', async () => {
    const outcome = await syncPolicy(engine, policy(V2), { prune: true, force: true, actor: 'ops' });
    expect(outcome.written).toBe(true);
    expect(await contactsOf(engine, domainId)).toEqual({
      ann: { key: 'ann', deleted: false, user: 'crm:ann' }, // the hand-made link to a file's contact stays
      bob: { key: 'bob', deleted: true, user: null }, // created by the file: marked deleted, its link removed
      cyd: { key: 'cyd', deleted: false, user: 'crm:cyd' }, // the file's link, made again by the sync: the sync's now
      hand: { key: 'hand', deleted: false, user: 'crm:hand' },
      'wp:7': { key: 'wp:7', deleted: false, user: 'wp:7' },
      '(no key) Eight': { key: null, deleted: false, user: 'wp:8' },
    });
    // Applying again changes nothing: the survivors are not "left over" for the next prune.
    const again = await syncPolicy(engine, policy(V2), { prune: true, actor: 'ops' });
    expect(again.diff.changes).toEqual([]);
  });

  it('what the file created is recorded in the audit log, in the apply\'s transaction', async () => {
    const marks = await engine.db
      .selectFrom(engine.tables.audit)
      .select(['target_type', 'after_json'])
      .where('domain_id', '=', domainId)
      .where('action', '=', POLICY_CREATED)
      .orderBy('id')
      .execute();
    const summary = marks.map((m) => `${String(m.target_type)} ${String((JSON.parse(String(m.after_json)) as { key: string }).key)}`);
    expect(summary).toEqual(['contact ann', 'contact bob', 'contact cyd', 'user_link bob', 'user_link cyd']);
  });
});
