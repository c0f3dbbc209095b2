import { readUsers, type HostUserFramework } from '../user-framework.js';
import type { HostSource, HostUserRecord } from './host-source.js';

/**
 * A {@link HostSource} over a {@link HostUserFramework} (a user list kept by a Node host, or the
 * {@link MemoryUserFramework}): users are read once per page from `listUsers`, keyed by their position in id
 * order. `knownRoles` are roles that exist even when nobody holds them (the mapped ones), so a mapping is not
 * taken for a vanished role; `idPrefix` says which links the framework owns (default none: then a sync claims
 * only the links whose contact holds a membership it made).
 *
 * @example
 * ```ts
 * const source = frameworkSource(new MemoryUserFramework(users), { knownRoles: ['manager'] });
 * ```
 */
export function frameworkSource(framework: HostUserFramework, options: { knownRoles?: readonly string[]; idPrefix?: string } = {}): HostSource {
  const all = async (): Promise<HostUserRecord[]> =>
    (await readUsers(framework))
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
      .map((u, i) => ({ id: u.id, key: i + 1, email: u.email ?? null, name: u.name ?? null, roles: [...new Set(u.roles)], blocked: false, fields: {}, permissions: {} }));
  return {
    name: framework.name,
    idPrefix: options.idPrefix ?? '',
    async listRoles() {
      const ids = new Set([...(options.knownRoles ?? []), ...(await all()).flatMap((u) => u.roles)]);
      return [...ids].map((id) => ({ id, label: id, permissions: {} }));
    },
    async readUsers(page) {
      return (await all()).filter((u) => u.key > page.after).slice(0, page.limit);
    },
    async readUser(userId) {
      return (await all()).find((u) => u.id === userId) ?? null;
    },
    async existingUsers(userIds) {
      const have = new Set((await all()).map((u) => u.id));
      return new Set(userIds.filter((u) => have.has(u)));
    },
  };
}
