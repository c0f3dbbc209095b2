import { z } from 'zod';

/**
 * zod schema of a host user as an adapter reports it: a stable id, optional e-mail and display name, and the
 * host's role names.
 *
 * @example
 * ```ts
 * hostUserSchema.parse({ id: 'drupal:17', email: 'lan@example.org', name: 'Lan', roles: ['manager'] });
 * ```
 */
export const hostUserSchema = z
  .object({
    id: z.string().min(1).max(191),
    email: z.string().max(255).nullable().optional(),
    name: z.string().max(255).nullable().optional(),
    roles: z.array(z.string().min(1).max(128)).default([]),
  })
  .strict();

/** A host user. */
export type HostUser = z.output<typeof hostUserSchema>;

/**
 * What rowguard needs from a host's user framework (Drupal, WordPress, Joomla, a plain Node service): list its
 * users and, optionally, create users and set their roles (for contact -> user and group -> role sync). An
 * adapter for a CMS implements this with the CMS's own API; everything it returns is validated.
 *
 * @example
 * ```ts
 * const wordpress: HostUserFramework = {
 *   name: 'wordpress',
 *   async listUsers() { return (await wp.users.list()).map((u) => ({ id: `wp:${u.ID}`, email: u.user_email, roles: u.roles })); },
 * };
 * ```
 */
export interface HostUserFramework {
  /** A short name, recorded as the actor of the changes a sync makes (`sync:<name>`). */
  readonly name: string;
  listUsers(): Promise<readonly HostUser[]> | AsyncIterable<HostUser>;
  createUser?(input: { readonly email: string | null; readonly name: string | null; readonly roles: readonly string[] }): Promise<HostUser>;
  setUserRoles?(userId: string, roles: readonly string[]): Promise<void>;
}

/**
 * Reads every user of a framework, validating each one (a bad record throws, naming the framework).
 *
 * @example
 * ```ts
 * const users = await readUsers(framework);
 * ```
 */
export async function readUsers(framework: HostUserFramework): Promise<HostUser[]> {
  const source = framework.listUsers();
  const out: HostUser[] = [];
  const add = (u: unknown): void => {
    const parsed = hostUserSchema.safeParse(u);
    if (!parsed.success) throw new Error(`${framework.name}: invalid user record: ${z.prettifyError(parsed.error)}`);
    out.push(parsed.data);
  };
  if (Symbol.asyncIterator in Object(source)) {
    for await (const u of source as AsyncIterable<HostUser>) add(u);
  } else {
    for (const u of await (source as Promise<readonly HostUser[]>)) add(u);
  }
  return out;
}
