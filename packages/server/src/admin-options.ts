import type { IncomingMessage } from 'node:http';
import { domainNameSchema, subjectInputSchema, type Rowguard, type SubjectInput } from '@rowguard/core';
import { z } from 'zod';

/**
 * The person behind a request, as the host knows them: the subject the engine decides for, and the name the
 * audit log records for their writes.
 *
 * @example
 * ```ts
 * const person: AdminPerson = { subject: { userId: 'wp:1' }, actor: 'wp:1 (alice)' };
 * ```
 */
export interface AdminPerson {
  readonly subject: SubjectInput;
  readonly actor: string;
}

/**
 * Maps a request to the person making it, or `null` when the request is not signed in (the page answers 401).
 * The host plugs in its own sessions here (a cookie, a header its own middleware checked, ...).
 *
 * @example
 * ```ts
 * const personOf: PersonOf = async (req) => (req.headers['x-user'] ? { subject: { userId: String(req.headers['x-user']) }, actor: String(req.headers['x-user']) } : null);
 * ```
 */
export type PersonOf = (req: IncomingMessage) => AdminPerson | null | Promise<AdminPerson | null>;

/** zod schema of a person a host's {@link PersonOf} returns (checked on every request: anything else is a 401). */
export const adminPersonSchema = z
  .object({ subject: subjectInputSchema, actor: z.string().min(1).max(191) })
  .strict();

/**
 * zod schema of {@link AdminHandlerOptions} (the engine and the mapping are checked for shape only).
 *
 * @example
 * ```ts
 * adminHandlerOptionsSchema.parse({ engine, domain: 'default', personOf });
 * ```
 */
export const adminHandlerOptionsSchema = z
  .object({
    engine: z.custom<Rowguard>((v) => typeof v === 'object' && v !== null && typeof (v as Rowguard).domain === 'function', 'must be a rowguard engine'),
    domain: domainNameSchema.default('default'),
    personOf: z.custom<PersonOf>((v) => typeof v === 'function', 'must be a function (request) => person | null'),
    permission: z.string().min(1).max(128).default('administer CRM'),
    basePath: z
      .string()
      .regex(/^(\/[A-Za-z0-9._~-]+)*$/, 'a path such as /admin/rowguard, without a trailing slash')
      .default(''),
    allowedOrigins: z.array(z.url()).max(20).default([]),
    onError: z.custom<(error: unknown) => void>((v) => typeof v === 'function').optional(),
  })
  .strict();

/**
 * Options of {@link createAdminHandler}: the engine, the domain the page administers, how a request maps to a
 * person, the functional permission reading and writing need (default `administer CRM`, decided by the engine),
 * the path the host mounts the page under, extra origins trusted for writes (besides the page's own), and where
 * server-side errors are logged.
 *
 * @example
 * ```ts
 * const options: AdminHandlerOptions = { engine, domain: 'default', personOf, basePath: '/admin/rowguard' };
 * ```
 */
export type AdminHandlerOptions = z.input<typeof adminHandlerOptionsSchema>;

/** Validated options. */
export type AdminSettings = z.output<typeof adminHandlerOptionsSchema>;
