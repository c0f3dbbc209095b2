import { entryOperationSchema, idSchema, operationSchema } from '@rowguard/core';
import { z } from 'zod';

/** A number in a query string. */
const queryId = z.coerce.number().int().positive();

/**
 * The person a screen is about: a contact id or a host user id (query string).
 *
 * @example
 * ```ts
 * personQuerySchema.parse({ contactId: '12' }); // { contactId: 12 }
 * ```
 */
export const personQuerySchema = z
  .object({ contactId: queryId.optional(), userId: z.string().min(1).max(191).optional() })
  .strict()
  .refine((q) => (q.contactId === undefined) !== (q.userId === undefined), 'give either contactId or userId');

/** "Why": a person, an operation and a contact. */
export const whyQuerySchema = z
  .object({ contactId: queryId.optional(), userId: z.string().min(1).max(191).optional(), operation: operationSchema, target: queryId })
  .strict()
  .refine((q) => (q.contactId === undefined) !== (q.userId === undefined), 'give either contactId or userId');

/** The reverse lookup: a contact and an operation. */
export const whoCanQuerySchema = z.object({ contactId: queryId, operation: operationSchema.default('view') }).strict();

/** Contact search: an id, a user id, or part of a sort name. */
export const contactSearchSchema = z.object({ q: z.string().max(191).default(''), limit: z.coerce.number().int().min(1).max(100).default(20) }).strict();

/** Audit filters: actor, object (type or `type:id`), a time range (ISO dates), how many rows. */
export const auditQuerySchema = z
  .object({
    actor: z.string().max(191).optional(),
    object: z.string().max(191).optional(),
    from: z.iso.datetime({ local: true }).or(z.iso.date()).optional(),
    to: z.iso.datetime({ local: true }).or(z.iso.date()).optional(),
    limit: z.coerce.number().int().min(1).max(1000).default(200),
  })
  .strict();

/** A new entry in a matrix cell: role x (group or all contacts). */
export const cellCreateSchema = z
  .object({
    roleId: idSchema,
    groupId: idSchema.nullable(),
    effect: z.enum(['allow', 'deny']),
    operation: entryOperationSchema.exclude(['grant']),
    priority: z.number().int().min(-1_000_000).max(1_000_000).default(0),
  })
  .strict();

/** A change to an entry of a matrix cell. */
export const cellUpdateSchema = z
  .object({
    entryId: idSchema,
    effect: z.enum(['allow', 'deny']).optional(),
    operation: entryOperationSchema.exclude(['grant']).optional(),
    priority: z.number().int().min(-1_000_000).max(1_000_000).optional(),
  })
  .strict();

/** Removing an entry of a matrix cell. */
export const cellDeleteSchema = z.object({ entryId: idSchema }).strict();

/** A policy file to check or apply. */
export const policyUploadSchema = z
  .object({
    text: z.string().max(4 * 1024 * 1024),
    fileName: z.string().min(1).max(191).regex(/^[^/\\\p{Cc}]+$/u, 'a file name without a path').default('policy.yaml'),
    prune: z.boolean().default(false),
  })
  .strict();

/** The export format. */
export const exportQuerySchema = z.object({ format: z.enum(['yaml', 'json']).default('yaml') }).strict();
