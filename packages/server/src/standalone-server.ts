import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { Rowguard } from '@rowguard/core';
import { z } from 'zod';
import { zodMessage } from './admin-errors.js';
import { createAdminHandler } from './admin-handler.js';
import { adminPersonSchema, type AdminPerson } from './admin-options.js';
import { cookiesOf, securityHeaders } from './http-kit.js';

/** The session cookie of the standalone server. */
export const SESSION_COOKIE = 'rowguard_admin';

/** How long a signed-in session lasts without use: 8 hours. */
const SESSION_IDLE_MS = 8 * 60 * 60 * 1000;

/**
 * zod schema of {@link StandaloneOptions}.
 *
 * @example
 * ```ts
 * standaloneOptionsSchema.parse({ engine, domain: 'default', port: 0, person: { subject: { userId: 'ops' }, actor: 'ops' } });
 * ```
 */
export const standaloneOptionsSchema = z
  .object({
    engine: z.custom<Rowguard>((v) => typeof v === 'object' && v !== null, 'must be a rowguard engine'),
    domain: z.string().min(1).max(128).default('default'),
    port: z.number().int().min(0).max(65_535).default(7357),
    person: adminPersonSchema,
    permission: z.string().min(1).max(128).default('administer CRM'),
    onError: z.custom<(error: unknown) => void>((v) => typeof v === 'function').optional(),
  })
  .strict();

/** Options of {@link startAdminServer}: the engine, the domain, the port, and who signs in with the login link. */
export type StandaloneOptions = z.input<typeof standaloneOptionsSchema>;

/** A running standalone server. */
export interface StandaloneServer {
  /** The page's address (`http://127.0.0.1:<port>/`). */
  readonly url: string;
  /** The one-time login link: opening it signs the browser in (a session cookie) and the link stops working. */
  readonly loginUrl: string;
  readonly server: Server;
  close(): Promise<void>;
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Starts the admin page on its own, bound to 127.0.0.1 only. It prints nothing: the caller shows `loginUrl`,
 * which carries a random one-time token; opening it exchanges the token for a session cookie (HttpOnly,
 * SameSite=Strict) and the token is spent. Requests without a session get 401; the engine still decides whether
 * `person` holds the permission.
 *
 * @example
 * ```ts
 * const s = await startAdminServer({ engine, domain: 'default', port: 7357, person: { subject: { userId: 'ops' }, actor: 'ops' } });
 * console.log(`open ${s.loginUrl}`);
 * ```
 */
export async function startAdminServer(options: StandaloneOptions): Promise<StandaloneServer> {
  const parsed = standaloneOptionsSchema.safeParse(options);
  if (!parsed.success) throw new TypeError(`invalid server options: ${zodMessage(parsed.error)}`);
  const o = parsed.data;
  let loginToken: string | null = randomBytes(24).toString('base64url');
  const sessions = new Map<string, { person: AdminPerson; seen: number }>();
  const personOf = (req: IncomingMessage): AdminPerson | null => {
    const id = cookiesOf(req).get(SESSION_COOKIE);
    const session = id === undefined ? undefined : sessions.get(id);
    if (!session || Date.now() - session.seen > SESSION_IDLE_MS) return null;
    session.seen = Date.now();
    return session.person;
  };
  const handler = createAdminHandler({ engine: o.engine, domain: o.domain, personOf, permission: o.permission, ...(o.onError ? { onError: o.onError } : {}) });
  let hosts: ReadonlySet<string> = new Set();
  const server = createServer((req, res) => {
    // Only this machine's names for the server (a page of another site re-pointing its name at 127.0.0.1 is refused).
    if (!hosts.has(String(req.headers.host ?? ''))) {
      securityHeaders(res);
      res.writeHead(421, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('Misdirected request: open the page at the address `rowguard serve` printed.\n');
      return;
    }
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname === '/login') {
      const token = url.searchParams.get('token') ?? '';
      securityHeaders(res);
      if (req.method !== 'GET' || loginToken === null || !sameSecret(token, loginToken)) {
        res.writeHead(401, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' });
        res.end('This login link is not valid (it works once). Restart `rowguard serve` for a new one.\n');
        return;
      }
      loginToken = null;
      const id = randomBytes(32).toString('base64url');
      sessions.set(id, { person: o.person, seen: Date.now() });
      res.writeHead(303, {
        'Set-Cookie': `${SESSION_COOKIE}=${id}; HttpOnly; SameSite=Strict; Path=/`,
        Location: '/',
        'Cache-Control': 'no-store',
      });
      res.end();
      return;
    }
    handler(req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : o.port;
  hosts = new Set([`127.0.0.1:${port}`, `localhost:${port}`]);
  const url = `http://127.0.0.1:${port}/`;
  return {
    url,
    loginUrl: `${url}login?token=${loginToken}`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
