import type { Domain } from '@rowguard/core';
import type { HostSource } from '../host/host-source.js';

/**
 * What an adapter author gives the conformance kit: the source under test and a way to change the host the way
 * the host itself would (through its own tables or API), so the kit can check that every change reads back
 * and reaches rowguard. Each method acts at once (no caching in between).
 *
 * @example
 * ```ts
 * const host: ConformanceHost = {
 *   source: mySource,
 *   roles: ['editor', 'author', 'publisher'],
 *   createUser: async ({ email, name, roles }) => `my:${await insertUser(email, name, roles)}`,
 *   setRoles: (id, roles) => replaceRoles(id, roles),
 *   setEmail: (id, email) => updateUser(id, { email }),
 *   block: (id) => updateUser(id, { blocked: true }),
 *   deleteUser: (id) => removeUser(id),
 *   corruptRoles: (id) => writeBadRoleRow(id),
 * };
 * ```
 */
export interface ConformanceHost {
  readonly source: HostSource;
  /**
   * The same source built with `writes: true`, when the adapter can write roles into the host (`setUserRoles`);
   * absent for a read-only adapter (the checks that need it are skipped). `source` itself must stay read-only.
   */
  readonly writer?: HostSource;
  /** Three distinct role ids (stable ids or machine names) that exist in the host and can be given to users. */
  readonly roles: readonly [string, string, string];
  /** Creates a user with exactly these roles (besides any implicit role); returns its id as the source reads it. */
  createUser(input: { readonly email: string; readonly name: string; readonly roles: readonly string[] }): Promise<string>;
  setRoles(userId: string, roles: readonly string[]): Promise<void>;
  setEmail(userId: string, email: string): Promise<void>;
  /** Blocks the user, or is absent when the host has no blocked state (the checks that need it are skipped). */
  block?(userId: string): Promise<void>;
  /** Deletes the user and every row of it. */
  deleteUser(userId: string): Promise<void>;
  /** Makes the user's role data corrupt, as a broken import would (a bad serialized value, a dangling role id). */
  corruptRoles(userId: string): Promise<void>;
}

/**
 * Where the kit runs the sync checks: a domain of a migrated rowguard whose contacts declare `emailAttribute`
 * (text), and two static groups of it the kit may fill and empty.
 *
 * @example
 * ```ts
 * const ctx: ConformanceContext = { domain, emailAttribute: 'email', groupIds: [g1, g2] };
 * ```
 */
export interface ConformanceContext {
  readonly domain: Domain;
  readonly emailAttribute: string;
  readonly groupIds: readonly [number, number];
}

/**
 * A check failed: what was expected and what the adapter did.
 *
 * @example
 * ```ts
 * throw new ConformanceFailure('pages users in key order', 'user wp:3 listed twice');
 * ```
 */
export class ConformanceFailure extends Error {
  override readonly name = 'ConformanceFailure';

  constructor(
    readonly check: string,
    readonly detail: string,
  ) {
    super(`${check}: ${detail}`);
  }
}

/**
 * One check of the kit. `run` throws {@link ConformanceFailure} (or the adapter's own error) when the adapter fails.
 *
 * @example
 * ```ts
 * const check: ConformanceCheck = conformanceChecks[0];
 * await check.run(host, ctx);
 * ```
 */
export interface ConformanceCheck {
  readonly name: string;
  /** Whether the check needs {@link ConformanceHost.block}. */
  readonly needsBlock?: boolean;
  /** Whether the check needs {@link ConformanceHost.writer}. */
  readonly needsWrites?: boolean;
  run(host: ConformanceHost, ctx: ConformanceContext): Promise<void>;
}
