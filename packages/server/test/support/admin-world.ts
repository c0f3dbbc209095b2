import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRowguard, type Domain, type Rowguard } from '@rowguard/core';
import type { TestDatabase } from '../../../core/test/support/test-databases.js';
import { createAdminHandler, type AdminHandlerOptions } from '../../src/index.js';

/** A small domain for the page's tests: alice administers (a role with `administer CRM`), bob does not. */
export interface AdminWorld {
  readonly engine: Rowguard;
  readonly domain: Domain;
  readonly alice: number;
  readonly bob: number;
  readonly customer: number;
  readonly staffRole: number;
  readonly customers: number;
}

/**
 * Creates the engine (country attribute), migrates, and writes the small domain.
 *
 * @example
 * ```ts
 * const w = await adminWorld(t);
 * ```
 */
export async function adminWorld(t: TestDatabase): Promise<AdminWorld> {
  const engine = createRowguard({ db: t.db, contacts: { attributes: { country: { type: 'text' } } }, onError: () => undefined });
  await engine.migrate();
  const domain = await engine.domain('default');
  const ids = await domain.admin('test-setup').transaction(async (a) => {
    const alice = await a.createContact({ key: 'alice', contactType: 'Individual', sortName: 'Admin, Alice', attributes: { country: 'FR' } });
    const bob = await a.createContact({ key: 'bob', contactType: 'Individual', sortName: 'Staff, Bob', attributes: { country: 'VN' } });
    const customer = await a.createContact({ key: 'cust', contactType: 'Individual', sortName: 'Customer, Carol', attributes: { country: 'VN' } });
    await a.linkUser({ userId: 'alice', contactId: alice });
    await a.linkUser({ userId: 'bob', contactId: bob });
    const admins = await a.createRole({ name: 'Admins' });
    await a.grantPermission({ roleId: admins, permission: 'administer CRM' });
    await a.assignRole({ roleId: admins, assignee: { type: 'contact', id: alice } });
    const staffRole = await a.createRole({ name: 'Staff' });
    await a.assignRole({ roleId: staffRole, assignee: { type: 'contact', id: bob } });
    const customers = await a.createGroup({ name: 'Customers', kind: 'static' });
    await a.setMembership({ groupId: customers, contactId: customer, status: 'Added' });
    return { alice, bob, customer, staffRole, customers };
  });
  return { engine, domain, ...ids };
}

/**
 * Serves the admin handler on 127.0.0.1 (a random port) with a host mapping that reads the `x-test-user` header,
 * as a host's own authentication middleware would have set it.
 *
 * @example
 * ```ts
 * const { url, close } = await serveHandler({ engine, domain: 'default' });
 * ```
 */
export async function serveHandler(options: Omit<AdminHandlerOptions, 'personOf'> & Partial<Pick<AdminHandlerOptions, 'personOf'>>): Promise<{ url: string; server: Server; close: () => Promise<void> }> {
  const handler = createAdminHandler({
    personOf: (req) => {
      const user = req.headers['x-test-user'];
      return typeof user === 'string' ? { subject: { userId: user }, actor: `${user} (test)` } : null;
    },
    ...options,
  });
  const server = createServer((req, res) => handler(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
