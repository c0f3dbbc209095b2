import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, testDialects, type TestDatabase } from '../../core/test/support/test-databases.js';
import { CSRF_HEADER } from '../src/index.js';
import { adminWorld, serveHandler, type AdminWorld } from './support/admin-world.js';

// What the screens ask of the API, answered by the engine: the matrix and its edits, a person's table and "why",
// the reverse lookup, the audit filters, and the policy file (dry run writes nothing, apply writes as the person,
// export gives it back).
const dialects = await testDialects();
const j = (r: Response): Promise<any> => r.json() as Promise<any>;

describe.each(dialects)('admin page API, on %s', (dialect) => {
  let t: TestDatabase;
  let w: AdminWorld;
  let page: Awaited<ReturnType<typeof serveHandler>>;
  let csrf = '';
  const headers = { 'x-test-user': 'alice' };
  const get = async (path: string): Promise<any> => {
    const res = await fetch(`${page.url}${path}`, { headers });
    expect(res.status, `${path}: ${await res.clone().text()}`).toBe(200);
    csrf = res.headers.get(CSRF_HEADER) ?? csrf;
    return j(res);
  };
  const post = async (path: string, body: unknown, status = 200): Promise<any> => {
    const res = await fetch(`${page.url}${path}`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json', origin: page.url, [CSRF_HEADER]: csrf },
      body: JSON.stringify(body),
    });
    expect(res.status, `${path}: ${await res.clone().text()}`).toBe(status);
    return j(res);
  };

  beforeAll(async () => {
    t = await openTestDatabase(dialect, 'adm-server-api');
    w = await adminWorld(t);
    page = await serveHandler({ engine: w.engine, domain: 'default', basePath: '/admin' });
    await get('/admin/api/session');
  });
  afterAll(async () => {
    await page?.close();
    await t?.close();
  });

  it('serves the page under its base path, and nothing outside it', async () => {
    const html = await fetch(`${page.url}/admin/`);
    expect(html.status).toBe(200);
    expect(await html.text()).toContain('src="/admin/app.js"');
    expect((await fetch(`${page.url}/admin/app.js`)).headers.get('content-type')).toContain('javascript');
    expect((await fetch(`${page.url}/elsewhere`, { headers })).status).toBe(404);
  });

  it('edits a matrix cell (add, flip, remove) and the person view and reverse lookup follow', async () => {
    const before = await get(`/admin/api/person?userId=bob`);
    expect(before.byGroup.find((r: { label: string }) => r.label === 'Customers')).toMatchObject({ visible: 0, total: 1 });
    const { id } = await post('/admin/api/matrix/cell', { roleId: w.staffRole, groupId: w.customers, effect: 'allow', operation: 'edit' });
    const matrix = await get('/admin/api/matrix');
    expect(matrix.cells[`${w.staffRole}:${w.customers}`]).toEqual([{ id, effect: 'allow', operation: 'edit', priority: 0 }]);
    const after = await get(`/admin/api/person?userId=bob`);
    expect(after.byGroup.find((r: { label: string }) => r.label === 'Customers')).toMatchObject({ visible: 1, edit: 1, total: 1 });
    expect(after.subject).toMatchObject({ userId: 'bob', contactId: w.bob, roles: ['Staff'] });
    const why = await get(`/admin/api/why?userId=bob&operation=edit&target=${w.customer}`);
    expect(why.allowed).toBe(true);
    expect(why.summary).toContain(`entry #${id}`);
    const who = await get(`/admin/api/who-can?contactId=${w.customer}&operation=edit`);
    const staff = who.report.holders.find((h: { label: string }) => h.label === 'role “Staff”');
    expect(staff).toMatchObject({ kind: 'role', effect: 'allow', reach: { contacts: 1, users: 1 } });
    expect(who.report.holders.find((h: { label: string }) => h.label.startsWith('permission “edit all contacts” held by role “Admins”'))).toBeDefined();
    await post('/admin/api/matrix/cell/update', { entryId: id, effect: 'deny' });
    expect((await get(`/admin/api/why?userId=bob&operation=edit&target=${w.customer}`)).allowed).toBe(false);
    await post('/admin/api/matrix/cell/delete', { entryId: id });
    expect((await get('/admin/api/matrix')).cells[`${w.staffRole}:${w.customers}`]).toBeUndefined();
    // An entry outside the matrix (owned by a contact) cannot be edited through it.
    const own = await w.domain.admin('test').createEntry({ effect: 'allow', operation: 'view', owner: { type: 'contact', id: w.bob }, object: { type: 'all-contacts' } });
    expect((await post('/admin/api/matrix/cell/delete', { entryId: own }, 404)).code).toBe('unknown_entry');
  });

  it('filters the audit log by actor, object and time', async () => {
    const mine = await get('/admin/api/audit?actor=alice');
    expect(mine.rows.length).toBeGreaterThanOrEqual(3);
    expect(mine.rows.every((r: { actor: string }) => r.actor === 'alice (test)')).toBe(true);
    const entries = await get('/admin/api/audit?object=entry');
    expect(entries.rows.every((r: { targetType: string }) => r.targetType === 'entry')).toBe(true);
    expect((await get('/admin/api/audit?to=2000-01-01')).rows).toEqual([]);
    const today = new Date().toISOString().slice(0, 10);
    expect((await get(`/admin/api/audit?from=${today}&actor=test-setup`)).rows.length).toBeGreaterThan(0);
  });

  it('dry-runs a policy file without writing, applies it as the person, and exports it back', async () => {
    const exported = await get('/admin/api/policy/export?format=yaml');
    expect(exported.text).toContain('Staff');
    const text = `${exported.text}\n`.replace(/^roles:\n/m, 'roles:\n  - name: Auditors\n    permissions: [view all contacts]\n');
    expect(text).toContain('Auditors');
    const version = (await w.domain.policy()).version;
    const dry = await post('/admin/api/policy/dry-run', { text, fileName: 'acl.yaml' });
    expect(dry.written).toBe(false);
    expect(dry.changes.some((c: { label: string; action: string }) => c.action === 'create' && c.label.includes('Auditors'))).toBe(true);
    expect((await w.domain.policy()).version).toBe(version);
    const applied = await post('/admin/api/policy/apply', { text, fileName: 'acl.yaml' });
    expect(applied.written).toBe(true);
    expect([...(await w.domain.policy()).roles.values()].some((r) => r.name === 'Auditors')).toBe(true);
    expect((await w.domain.auditLog({ limit: 5 })).some((r) => r.actor === 'alice (test)' && r.action.startsWith('role.'))).toBe(true);
    expect((await get('/admin/api/policy/export?format=json')).text).toContain('"Auditors"');
    const other = await post('/admin/api/policy/dry-run', { text: text.replace(/^domain: .*$/m, 'domain: elsewhere'), fileName: 'acl.yaml' }, 400);
    expect(other.code).toBe('other_domain');
  });

  it('finds contacts by id, user id and part of the name', async () => {
    expect((await get(`/admin/api/contacts?q=${w.customer}`)).contacts.map((c: { id: number }) => c.id)).toEqual([w.customer]);
    expect((await get('/admin/api/contacts?q=bob')).contacts.map((c: { id: number }) => c.id)).toEqual([w.bob]);
    expect((await get('/admin/api/contacts?q=carol')).contacts.map((c: { sortName: string }) => c.sortName)).toEqual(['Customer, Carol']);
  });
});
