import { request as httpRequest } from 'node:http';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, testDialects, type TestDatabase } from '../../core/test/support/test-databases.js';
import { CSRF_HEADER, SESSION_COOKIE, startAdminServer } from '../src/index.js';
import { adminWorld, serveHandler, type AdminWorld } from './support/admin-world.js';

// The page guards itself: no person (401), no permission (403, decided by the engine), cross-site writes and
// writes without the anti-forgery token (403), malformed input (400/415, through zod), errors without SQL or
// stack traces (500 with a fixed message), and the standalone server's one-time login link.
const dialects = await testDialects();

/** A JSON answer. */
const j = (r: Response): Promise<any> => r.json() as Promise<any>;

/** No SQL, no stack trace, no table name in what the page answers. */
function expectNoLeak(text: string): void {
  expect(text).not.toMatch(/\bselect\b|\binsert\b|\bfrom\b.*\bwhere\b|rg_[a-z_]+|SQLITE|ER_|\n\s+at |\.ts:\d+|\.js:\d+/i);
}

describe.each(dialects)('admin page security, on %s', (dialect) => {
  let t: TestDatabase;
  let w: AdminWorld;
  let page: Awaited<ReturnType<typeof serveHandler>>;
  const logged: unknown[] = [];

  beforeAll(async () => {
    t = await openTestDatabase(dialect, 'adm-server-security');
    w = await adminWorld(t);
    page = await serveHandler({ engine: w.engine, domain: 'default', onError: (e) => logged.push(e) });
  });
  afterAll(async () => {
    await page?.close();
    await t?.close();
  });

  const as = (user: string | null, extra: Record<string, string> = {}): Record<string, string> => ({ ...(user ? { 'x-test-user': user } : {}), ...extra });
  const token = async (user: string): Promise<string> => {
    const res = await fetch(`${page.url}/api/session`, { headers: as(user) });
    expect(res.status).toBe(200);
    return res.headers.get(CSRF_HEADER) ?? '';
  };
  const write = (user: string | null, path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${page.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', origin: page.url, ...as(user), ...headers }, body: JSON.stringify(body) });

  it('answers 401 to a request the host maps to nobody, for reads and writes', async () => {
    for (const path of ['/api/session', '/api/matrix', '/api/audit', '/api/who-can?contactId=1']) {
      const res = await fetch(`${page.url}${path}`);
      expect(res.status, path).toBe(401);
      expect((await j(res)).code).toBe('unauthenticated');
    }
    const res = await write(null, '/api/matrix/cell', { roleId: w.staffRole, groupId: null, effect: 'allow', operation: 'view' });
    expect(res.status).toBe(401);
  });

  it('answers 403 when the engine denies the permission (bob holds no administer CRM), and 200 for alice', async () => {
    const denied = await fetch(`${page.url}/api/matrix`, { headers: as('bob') });
    expect(denied.status).toBe(403);
    expect((await j(denied)).error).toContain('administer CRM');
    const unknown = await fetch(`${page.url}/api/matrix`, { headers: as('nobody-at-all') });
    expect(unknown.status).toBe(403);
    const allowed = await fetch(`${page.url}/api/matrix`, { headers: as('alice') });
    expect(allowed.status).toBe(200);
    const matrix = await j(allowed);
    expect(matrix.roles.map((r: { name: string }) => r.name)).toEqual(['Admins', 'Staff']);
    // bob may not write either, even with a token of his own and the right origin.
    const bobWrite = await write('bob', '/api/matrix/cell', { roleId: w.staffRole, groupId: null, effect: 'allow', operation: 'view' }, { [CSRF_HEADER]: await fetch(`${page.url}/api/session`, { headers: as('bob') }).then((r) => r.headers.get(CSRF_HEADER) ?? '') });
    expect(bobWrite.status).toBe(403);
  });

  it('uses the permission the host names, decided by the engine', async () => {
    const other = await serveHandler({ engine: w.engine, domain: 'default', permission: 'edit groups' });
    try {
      // administer CRM implies edit groups: alice passes; bob holds neither.
      expect((await fetch(`${other.url}/api/session`, { headers: as('alice') })).status).toBe(200);
      expect((await fetch(`${other.url}/api/session`, { headers: as('bob') })).status).toBe(403);
    } finally {
      await other.close();
    }
  });

  it('refuses cross-site writes: another origin, no origin, a cross-site fetch, a missing or wrong token', async () => {
    const good = await token('alice');
    const body = { roleId: w.staffRole, groupId: null, effect: 'allow', operation: 'view' };
    const cases: [string, Record<string, string>, string][] = [
      ['another origin', { origin: 'https://evil.example', [CSRF_HEADER]: good }, 'cross_site'],
      ['no origin', { origin: '', [CSRF_HEADER]: good }, 'cross_site'],
      ['cross-site fetch', { 'sec-fetch-site': 'cross-site', [CSRF_HEADER]: good }, 'cross_site'],
      ['no token', {}, 'csrf'],
      ['wrong token', { [CSRF_HEADER]: `${good.slice(0, -2)}xx` }, 'csrf'],
      ['bob’s token', { [CSRF_HEADER]: await fetch(`${page.url}/api/session`, { headers: as('bob') }).then((r) => r.headers.get(CSRF_HEADER) ?? '') }, 'csrf'],
    ];
    const before = (await w.domain.policy()).entries.length;
    for (const [name, headers, code] of cases) {
      const res = await write('alice', '/api/matrix/cell', body, headers);
      expect(res.status, name).toBe(403);
      expect((await j(res)).code, name).toBe(code);
    }
    expect((await w.domain.policy()).entries.length).toBe(before);
  });

  it('writes through the audited API with the person as actor when origin and token are right', async () => {
    const res = await write('alice', '/api/matrix/cell', { roleId: w.staffRole, groupId: w.customers, effect: 'allow', operation: 'view', priority: 2 }, { [CSRF_HEADER]: await token('alice') });
    expect(res.status).toBe(200);
    const { id } = await j(res);
    const entry = (await w.domain.policy()).entries.find((e) => e.id === id);
    expect(entry).toMatchObject({ effect: 'allow', operation: 'view', priority: 2, owner: { type: 'role', id: w.staffRole }, object: { type: 'group-members', groupId: w.customers } });
    const [last] = await w.domain.auditLog({ limit: 1 });
    expect(last).toMatchObject({ actor: 'alice (test)', action: 'entry.create', targetId: String(id) });
    // The decision changed: bob (Staff) now sees the customer, and the reverse lookup says so.
    expect(await w.domain.subject({ userId: 'bob' }).check('view', w.customer)).toBe(true);
    const who = await j(await fetch(`${page.url}/api/who-can?contactId=${w.customer}&operation=view`, { headers: as('alice') }));
    expect(who.report.holders.some((h: { label: string; effect: string }) => h.label === 'role “Staff”' && h.effect === 'allow')).toBe(true);
  });

  it('rejects malformed input through zod, naming the field, and writes nothing', async () => {
    const good = await token('alice');
    const before = (await w.domain.policy()).entries.length;
    const bad: [unknown, RegExp][] = [
      [{ roleId: w.staffRole, groupId: null, effect: 'allow', operation: 'view', priority: 'high' }, /priority/],
      [{ roleId: -1, groupId: null, effect: 'allow', operation: 'view' }, /roleId/],
      [{ roleId: w.staffRole, groupId: null, effect: 'maybe', operation: 'view' }, /effect/],
      [{ roleId: w.staffRole, groupId: null, effect: 'allow', operation: 'grant' }, /operation/],
      [{ roleId: w.staffRole, groupId: null, effect: 'allow', operation: 'view', sql: 'drop table' }, /sql|unrecognized/i],
    ];
    for (const [body, field] of bad) {
      const res = await write('alice', '/api/matrix/cell', body, { [CSRF_HEADER]: good });
      expect(res.status, JSON.stringify(body)).toBe(400);
      const answer = await j(res);
      expect(answer.error).toMatch(field);
      expectNoLeak(answer.error);
    }
    const notJson = await fetch(`${page.url}/api/matrix/cell`, { method: 'POST', headers: { 'content-type': 'application/json', origin: page.url, [CSRF_HEADER]: good, ...as('alice') }, body: '{"roleId": ' });
    expect(notJson.status).toBe(400);
    expect((await j(notJson)).code).toBe('invalid_json');
    const text = await fetch(`${page.url}/api/matrix/cell`, { method: 'POST', headers: { 'content-type': 'text/plain', origin: page.url, [CSRF_HEADER]: good, ...as('alice') }, body: 'x' });
    expect(text.status).toBe(415);
    for (const q of ['contactId=abc', 'contactId=1&operation=steal', 'contactId=1&extra=1']) {
      const res = await fetch(`${page.url}/api/who-can?${q}`, { headers: as('alice') });
      expect(res.status, q).toBe(400);
    }
    expect((await fetch(`${page.url}/api/matrix/cell`, { headers: as('alice') })).status).toBe(405);
    expect((await w.domain.policy()).entries.length).toBe(before);
  });

  it('answers errors with a message, never SQL or a stack trace', async () => {
    const unknown = await fetch(`${page.url}/api/who-can?contactId=999999`, { headers: as('alice') });
    expect(unknown.status).toBe(404);
    expectNoLeak((await j(unknown)).error);
    logged.length = 0;
    await sql`alter table rg_audit_log rename to rg_audit_log_hidden`.execute(t.db);
    try {
      const res = await fetch(`${page.url}/api/audit`, { headers: as('alice') });
      expect(res.status).toBe(500);
      const text = await res.text();
      expect(JSON.parse(text).error).toBe('the server could not answer; the details are in the server log');
      expectNoLeak(text);
      expect(logged.length).toBe(1);
    } finally {
      await sql`alter table rg_audit_log_hidden rename to rg_audit_log`.execute(t.db);
    }
    const policy = await write('alice', '/api/policy/dry-run', { text: 'version: 1\ndomain: default\nroles:\n  - { name: Staff, permisions: [] }\n', fileName: 'acl.yaml' }, { [CSRF_HEADER]: await token('alice') });
    expect(policy.status).toBe(400);
    const answer = await j(policy);
    expect(answer.problems[0]).toMatchObject({ file: 'acl.yaml', line: 4 });
    expect(answer.problems[0].field).toMatch(/roles\[0\]/);
    expectNoLeak(answer.error);
  });
});

describe('the standalone server', () => {
  let t: TestDatabase;
  let w: AdminWorld;
  beforeAll(async () => {
    t = await openTestDatabase('sqlite', 'adm-server-standalone');
    w = await adminWorld(t);
  });
  afterAll(async () => t?.close());

  it('binds 127.0.0.1, lets in only the one-time login link, and sets an HttpOnly, SameSite=Strict session cookie', async () => {
    const s = await startAdminServer({ engine: w.engine, domain: 'default', port: 0, person: { subject: { userId: 'alice' }, actor: 'alice' } });
    try {
      expect((s.server.address() as { address: string }).address).toBe('127.0.0.1');
      expect(s.loginUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/login\?token=[A-Za-z0-9_-]{32}$/);
      expect((await fetch(`${s.url}api/session`)).status).toBe(401);
      expect((await fetch(`${s.url}login?token=wrong`, { redirect: 'manual' })).status).toBe(401);
      const login = await fetch(s.loginUrl, { redirect: 'manual' });
      expect(login.status).toBe(303);
      const cookie = login.headers.get('set-cookie') ?? '';
      expect(cookie).toMatch(new RegExp(`^${SESSION_COOKIE}=[A-Za-z0-9_-]{43}; HttpOnly; SameSite=Strict; Path=/$`));
      expect((await fetch(s.loginUrl, { redirect: 'manual' })).status, 'the token works once').toBe(401);
      const session = await fetch(`${s.url}api/session`, { headers: { cookie: cookie.split(';')[0] as string } });
      expect(session.status).toBe(200);
      expect((await j(session)).actor).toBe('alice');
      expect((await fetch(`${s.url}api/session`, { headers: { cookie: `${SESSION_COOKIE}=forged` } })).status).toBe(401);
      // A request under another host name (DNS rebinding) is refused even with the session cookie.
      const rebound = await new Promise<number>((resolve, reject) => {
        const req = httpRequest(`${s.url}api/session`, { headers: { host: 'evil.example', cookie: cookie.split(';')[0] as string } }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', reject);
        req.end();
      });
      expect(rebound).toBe(421);
      const html = await fetch(s.url);
      expect(html.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    } finally {
      await s.close();
    }
  });

  it('still lets the engine decide: a signed-in person without the permission gets 403', async () => {
    const s = await startAdminServer({ engine: w.engine, domain: 'default', port: 0, person: { subject: { userId: 'bob' }, actor: 'bob' } });
    try {
      const cookie = ((await fetch(s.loginUrl, { redirect: 'manual' })).headers.get('set-cookie') ?? '').split(';')[0] as string;
      expect((await fetch(`${s.url}api/matrix`, { headers: { cookie } })).status).toBe(403);
    } finally {
      await s.close();
    }
  });
});
