import type { HostUser, HostUserFramework } from './user-framework.js';

/**
 * A user framework kept in memory: the reference implementation of {@link HostUserFramework}, for hosts with no
 * user system of their own, for tests, and as a model for CMS adapters.
 *
 * @example
 * ```ts
 * const users = new MemoryUserFramework([{ id: 'u1', email: 'a@example.org', roles: ['editor'] }]);
 * await users.setUserRoles('u1', ['editor', 'manager']);
 * ```
 */
export class MemoryUserFramework implements HostUserFramework {
  readonly name: string;
  readonly #users = new Map<string, HostUser>();
  #next = 1;

  constructor(users: readonly HostUser[] = [], name = 'memory') {
    this.name = name;
    for (const u of users) this.#users.set(u.id, { ...u, roles: [...u.roles] });
  }

  listUsers(): Promise<readonly HostUser[]> {
    return Promise.resolve([...this.#users.values()].map((u) => ({ ...u, roles: [...u.roles] })));
  }

  createUser(input: { email: string | null; name: string | null; roles: readonly string[] }): Promise<HostUser> {
    let id = `${this.name}:${this.#next++}`;
    while (this.#users.has(id)) id = `${this.name}:${this.#next++}`;
    const user: HostUser = { id, email: input.email, name: input.name, roles: [...input.roles] };
    this.#users.set(id, user);
    return Promise.resolve({ ...user, roles: [...user.roles] });
  }

  setUserRoles(userId: string, roles: readonly string[]): Promise<void> {
    const user = this.#users.get(userId);
    if (!user) return Promise.reject(new Error(`no user '${userId}'`));
    this.#users.set(userId, { ...user, roles: [...new Set(roles)] });
    return Promise.resolve();
  }

  /** One user, or undefined. */
  get(userId: string): HostUser | undefined {
    const u = this.#users.get(userId);
    return u && { ...u, roles: [...u.roles] };
  }
}
