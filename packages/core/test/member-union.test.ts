import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClauseOptions, DialectKind, SubjectSession } from '../src/index.js';
import { openTestDatabase, testDialects, type TestDatabase } from './support/test-databases.js';
import { createWorld, visible, type TestWorld } from './support/test-world.js';

const dialects = await testDialects();

/** How each dialect quotes an identifier. */
const q = (dialect: DialectKind, name: string) => (dialect === 'mysql' ? `\`${name}\`` : `"${name}"`);

// The member-driven union: a count's clause as `id in (select id from (<term> union ...))`, one term per allowed
// member set (read from the membership table alone, less the denies above it) or per tier's other objects.
describe.each(dialects)('the member-driven union form, on %s', (dialect) => {
  let t: TestDatabase;
  let w: TestWorld;
  let viewer: number;
  let editor: number;
  const all: number[] = [];

  beforeAll(async () => {
    t = await openTestDatabase(dialect, 'member_union');
    w = await createWorld(t);
    await w.admin.transaction(async (admin) => {
      const big = await admin.createGroup({ name: 'big', kind: 'static' });
      const small = await admin.createGroup({ name: 'small', kind: 'static' });
      const blocked = await admin.createGroup({ name: 'do-not-contact', kind: 'static' });
      const vip = await admin.createGroup({ name: 'vip', kind: 'static' });
      const tiny = await admin.createGroup({ name: 'tiny-deny', kind: 'static' });
      const sameState = await admin.createGroup({ name: 'my-state', kind: 'smart', criteria: { field: 'state', op: '=', value: { $subject: 'state' } } });
      viewer = await admin.createContact({ contactType: 'Individual', sortName: 'viewer', attributes: { state: 'S1', country: 'FR' } });
      editor = await admin.createContact({ contactType: 'Individual', sortName: 'editor', attributes: { state: 'S2', country: 'FR' } });
      all.push(viewer, editor);
      for (let i = 0; i < 120; i++) {
        const id = await admin.createContact({
          contactType: 'Individual',
          sortName: `c${String(i).padStart(3, '0')}`,
          attributes: { state: i % 5 === 0 ? 'S1' : 'S2', country: i % 7 === 0 ? 'DE' : 'FR' },
        });
        all.push(id);
        if (i % 3 === 0) await admin.setMembership({ groupId: big, contactId: id, status: 'Added' });
        if (i % 3 === 1 && i < 20) await admin.setMembership({ groupId: big, contactId: id, status: 'Removed' });
        if (i % 11 === 0) await admin.setMembership({ groupId: small, contactId: id, status: 'Added' });
        if (i % 4 === 0) await admin.setMembership({ groupId: blocked, contactId: id, status: 'Added' });
        if (i % 8 === 0) await admin.setMembership({ groupId: vip, contactId: id, status: 'Added' });
        if (i === 1) await admin.setMembership({ groupId: sameState, contactId: id, status: 'Added' });
        if (i === 10 || i === 15) await admin.setMembership({ groupId: tiny, contactId: id, status: 'Added' });
        if (i === 5) await admin.setMembership({ groupId: sameState, contactId: id, status: 'Removed' });
      }
      const owner = { type: 'contact', id: viewer } as const;
      // Priority 5: the VIP group, above the deny. Priority 0: the deny, the big and small groups, my state.
      await admin.createEntry({ effect: 'allow', operation: 'view', owner, object: { type: 'group-members', groupId: vip }, priority: 5 });
      await admin.createEntry({ effect: 'deny', operation: 'view', owner, object: { type: 'group-members', groupId: blocked } });
      // Priority 3: a deny of two contacts (under 3%: bound as a list for a MariaDB count), over both terms below.
      await admin.createEntry({ effect: 'deny', operation: 'view', owner, object: { type: 'group-members', groupId: tiny }, priority: 3 });
      for (const groupId of [big, small, sameState]) await admin.createEntry({ effect: 'allow', operation: 'view', owner, object: { type: 'group-members', groupId } });
      // The editor's edit (a deny of edit denies view too): the VIP group above a tokenized deny (contacts outside my country, which needs the contact row), and
      // the big group below it.
      const elsewhere = await admin.createGroup({
        name: 'other-countries',
        kind: 'smart',
        criteria: { field: 'country', op: '!=', value: { $subject: 'country' } },
      });
      const editorOwner = { type: 'contact', id: editor } as const;
      await admin.createEntry({ effect: 'allow', operation: 'edit', owner: editorOwner, object: { type: 'group-members', groupId: vip }, priority: 5 });
      await admin.createEntry({ effect: 'deny', operation: 'edit', owner: editorOwner, object: { type: 'group-members', groupId: elsewhere } });
      await admin.createEntry({ effect: 'allow', operation: 'edit', owner: editorOwner, object: { type: 'group-members', groupId: big } });
    });
  });
  afterAll(async () => {
    await t.close();
  });

  const rows = async (session: SubjectSession, operation: 'view' | 'edit', options: ClauseOptions) =>
    (await t.db.selectFrom('rg_contact as c').select('c.id').where(await session.clause(operation, { alias: 'c', ...options })).orderBy('c.id').execute())
      .map((r) => Number(r.id))
      .filter((id) => all.includes(id));

  it('reads each member set from the membership table alone, and returns the in-memory decision', async () => {
    const session = w.domain.subject({ contactId: viewer });
    const expected = await visible(session, 'view', all);
    expect(expected.length).toBeGreaterThan(20);
    for (const purpose of ['page', 'count'] as const) {
      const explained = await session.explainClause('view', { alias: 'c', purpose, form: 'member-union' });
      expect(explained.form).toEqual({ form: 'member-union', why: "forced by the clause form setting 'member-union'" });
      const sql = explained.sql;
      // The VIP term (above the deny) and the big+small term (less the deny) read rg_group_contact under their own alias.
      const memberBranch = `select ${q(dialect, 'rg_u_m')}.${q(dialect, 'contact_id')} as ${q(dialect, 'rg_id')} from ${q(dialect, 'rg_group_contact')} as ${q(dialect, 'rg_u_m')}`;
      expect(sql.split(memberBranch).length - 1).toBe(2);
      // The tokenized group is a term over the contact table, with the domain filter.
      expect(sql).toContain(`select ${q(dialect, 'rg_u')}.${q(dialect, 'id')} as ${q(dialect, 'rg_id')} from ${q(dialect, 'rg_contact')} as ${q(dialect, 'rg_u')}`);
      expect(sql).toContain(` union `);
      expect(sql).toContain(`) as ${q(dialect, 'rg_u_d')}`);
      expect(await rows(session, 'view', { purpose, form: 'member-union' })).toEqual(expected);
    }
  });

  it('a deny repeated in several terms binds its id list once (the other terms test exists), same rows', async () => {
    const session = w.domain.subject({ contactId: viewer });
    const explained = await session.explainClause('view', { alias: 'c', purpose: 'count', form: 'member-union' });
    const expected = await visible(session, 'view', all);
    expect(await rows(session, 'view', { purpose: 'count', form: 'member-union' })).toEqual(expected);
    if (dialect !== 'mysql') return;
    // The two-contact deny is bound as a list (`ids`) for a MariaDB count; it sits above two terms.
    expect(explained.shapes).toEqual(expect.arrayContaining([expect.objectContaining({ shape: 'ids', grant: 'small' })]));
    const boundLists = (text: string) => text.match(/`(contact_id|id)` in \(\?, \?\)/g)?.length ?? 0;
    expect(boundLists(explained.sql)).toBe(1);
    // The row term tests it with exists instead.
    expect(explained.sql).toMatch(/from `rg_contact` as `rg_u` where .*not \(exists \(select 1 from `rg_group_contact`/);
    const orForm = await session.explainClause('view', { alias: 'c', purpose: 'count', form: 'or' });
    expect(boundLists(orForm.sql)).toBe(1);
  });

  it('a deny that reads the contact row keeps the member set on the contact table; same rows as every other form', async () => {
    const session = w.domain.subject({ contactId: editor });
    const expected = await visible(session, 'edit', all);
    expect(expected.length).toBeGreaterThan(5);
    const explained = await session.explainClause('edit', { alias: 'c', purpose: 'count', form: 'member-union' });
    // The VIP term reads the membership table; the big group's term, less a deny on the country, reads the contacts.
    const memberBranch = `from ${q(dialect, 'rg_group_contact')} as ${q(dialect, 'rg_u_m')}`;
    expect(explained.sql.split(memberBranch).length - 1).toBe(1);
    expect(explained.sql).toContain(`from ${q(dialect, 'rg_contact')} as ${q(dialect, 'rg_u')} where`);
    expect(explained.sql).toMatch(/ union /);
    for (const form of ['or', 'disjunct-union', 'member-union'] as const) {
      for (const purpose of ['page', 'count'] as const) expect(await rows(session, 'edit', { purpose, form }), `${form} ${purpose}`).toEqual(expected);
    }
  });

  it('is what a MariaDB/MySQL or PostgreSQL count chooses when a member set holds 3% of the contacts or more; explainClause says why', async () => {
    const session = w.domain.subject({ contactId: viewer });
    const count = await session.explainClause('view', { alias: 'c', purpose: 'count' });
    const page = await session.explainClause('view', { alias: 'c', purpose: 'page' });
    expect(page.form?.form).toBe('or');
    if (dialect === 'sqlite') {
      expect(count.form).toEqual({ form: 'or', why: 'SQLite tests the tiers as one predicate on each row' });
    } else {
      // PostgreSQL would take the disjunct union first for a visible set under 10% of the contacts; this is more.
      expect(count.form?.form).toBe('member-union');
      expect(count.form?.why).toMatch(/member set of 3% of the contacts or more among 3 terms/);
    }
    // Forcing `or` keeps the one-predicate clause.
    const or = await session.explainClause('view', { alias: 'c', purpose: 'count', form: 'or' });
    expect(or.sql).not.toContain(' union ');
    expect(await rows(session, 'view', { purpose: 'count' })).toEqual(await visible(session, 'view', all));
  });

  it('an unknown form is refused by explainClause with the zod error, and clause() denies (never allows)', async () => {
    const session = w.domain.subject({ contactId: viewer });
    const explained = await session.explainClause('view', { alias: 'c', form: 'bogus' as never });
    expect(explained.error).toMatch(/member-union/);
    expect(await rows(session, 'view', { form: 'bogus' as never })).toEqual([]);
  });
});
