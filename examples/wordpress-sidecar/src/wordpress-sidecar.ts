import { createServer, type Server } from 'node:http';
import type { Kysely } from 'kysely';
import { createRowguard, type Domain, type Rowguard } from '@rowguard/core';
import { HostSync, liveHostAccess, wordpressSource, type RoleMapping } from '@rowguard/adapters';

/** A contact as the sidecar lists it. */
export interface ListedContact {
  readonly id: number;
  readonly name: string | null;
  readonly email: string | null;
  readonly country: string | null;
}

/** The sidecar: rowguard on its own database, WordPress's database read beside it, and the sync between them. */
export interface WordpressSidecar {
  readonly engine: Rowguard;
  readonly domain: Domain;
  readonly sync: HostSync;
  /** One page of the contacts a WordPress user may view, the rowguard clause ANDed into the sidecar's query. */
  listContacts(userId: string, page?: { afterId?: number; limit?: number }): Promise<ListedContact[]>;
  /** What WordPress calls on `profile_update`, `set_user_role`, `deleted_user` (see the README): reconcileUser. */
  userChanged(userId: string): Promise<void>;
  /** An HTTP server: `GET /contacts?as=wp:12`, `POST /users/wp:12/changed`. */
  server(): Server;
}

/**
 * Builds the sidecar over two Kysely handles: `crm` (rowguard's tables and the contacts) and `wordpress`
 * (WordPress's tables, read only). Contacts follow WordPress's users (`HostSync`: e-mail matched ignoring case,
 * name, e-mail and `billing_country` kept current, roles mapped to groups), and WordPress capabilities act as
 * functional permissions, read live at each decision (`list_users` -> `view all contacts`).
 *
 * @example
 * ```ts
 * const sidecar = await createWordpressSidecar({ crm, wordpress, mappings: [{ hostRole: 'shop_manager', groupId: managers }] });
 * await sidecar.sync.reconcileAll();
 * sidecar.server().listen(8080);
 * ```
 */
export async function createWordpressSidecar(options: {
  crm: Kysely<any>;
  wordpress: Kysely<any>;
  prefix?: string;
  domain?: string;
  setUp?: (domain: Domain) => Promise<readonly RoleMapping[]>;
}): Promise<WordpressSidecar> {
  const source = wordpressSource(options.wordpress, { prefix: options.prefix ?? 'wp_', metaKeys: ['billing_country'] });
  const live = liveHostAccess(source, { permissions: { list_users: ['view all contacts'] }, ttlMs: 1000 });
  const engine = createRowguard({
    db: options.crm,
    contacts: { attributes: { email: { type: 'text' }, country: { type: 'text' } } },
    permissionProvider: live.permissionProvider,
  });
  await engine.migrate();
  const domain = await engine.domain(options.domain ?? 'wordpress');
  const mappings = [...((await options.setUp?.(domain)) ?? [])];
  const sync = new HostSync(domain, source, { emailAttribute: 'email', mappings, attributesFor: (u) => ({ country: u.fields.billing_country ?? null }) });

  async function listContacts(userId: string, page: { afterId?: number; limit?: number } = {}): Promise<ListedContact[]> {
    const clause = await domain.subject({ userId }).clause('view', { alias: 'c' });
    const rows = await options.crm
      .selectFrom('rg_contact as c')
      .select(['c.id', 'c.sort_name', 'c.email', 'c.country'])
      .where('c.domain_id', '=', domain.id)
      .where('c.id', '>', page.afterId ?? 0)
      .where(clause)
      .orderBy('c.id')
      .limit(Math.min(page.limit ?? 50, 500))
      .execute();
    return rows.map((r) => ({ id: Number(r.id), name: r.sort_name ?? null, email: r.email ?? null, country: r.country ?? null }));
  }

  const userChanged = async (userId: string) => {
    await sync.reconcileUser(userId);
  };

  const server = () =>
    createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://sidecar');
      const reply = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      const changed = /^\/users\/(wp:[0-9]+)\/changed$/.exec(url.pathname);
      const work =
        req.method === 'GET' && url.pathname === '/contacts' && url.searchParams.get('as')
          ? listContacts(url.searchParams.get('as') as string, { afterId: Number(url.searchParams.get('after') ?? 0) }).then((contacts) => reply(200, { contacts }))
          : req.method === 'POST' && changed
            ? userChanged(changed[1] as string).then(() => reply(200, { reconciled: changed[1] }))
            : Promise.resolve(reply(404, { error: 'GET /contacts?as=wp:<id> or POST /users/wp:<id>/changed' }));
      // Fail closed: any error lists nothing.
      work.catch((err: unknown) => reply(500, { error: String(err) }));
    });

  return { engine, domain, sync, listContacts, userChanged, server };
}
