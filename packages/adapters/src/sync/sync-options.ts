import { z } from 'zod';
import { identifierSchema } from '@rowguard/core';
import type { HostUserRecord } from '../host/host-source.js';

/**
 * zod schema of one role -> group mapping: a host role by its stable id or machine name (WordPress slug,
 * Drupal 7 rid, Drupal 8 machine name, Joomla group id — never a label) and a static group of the domain.
 * Several roles may map to one group: a user is a member when it holds any of them.
 *
 * @example
 * ```ts
 * roleMappingSchema.parse({ hostRole: 'editor', groupId: 4 });
 * ```
 */
export const roleMappingSchema = z.object({ hostRole: z.string().min(1).max(128), groupId: z.number().int().positive() }).strict();
/** A role -> group mapping. */
export type RoleMapping = z.input<typeof roleMappingSchema>;

/** A value an `attributesFor` mapping gives a contact attribute. */
export type AttributeValue = string | number | null;

/**
 * zod schema of a host sync's settings.
 *
 * - `mappings`: host roles -> static groups.
 * - `emailAttribute`: the declared text attribute holding e-mail; unlinked users are matched to contacts by it
 *   ignoring case, and it is kept current.
 * - `attributesFor(user)`: more contact attributes from the host user (`{ country: user.fields.billing_country }`).
 * - `blocked` / `deleted`: what a blocked or deleted host user's link becomes (`suspend`: kept, resolving to
 *   nothing; `unlink`: removed). Either way the memberships the sync made are set Removed and the contact is kept.
 * - `onMissingRole`: `error` (default) stops when a mapped host role no longer exists; `ignore` skips that
 *   mapping (its memberships are left as they are).
 * - `removalGuard`: a run removes at most `maxShare` of a group's Added members (and always up to `minimum`);
 *   beyond that its removals for the group are withheld and reported, unless the run is forced.
 * - `source`: the provenance recorded on memberships (default the source's name).
 *
 * @example
 * ```ts
 * hostSyncOptionsSchema.parse({ mappings: [{ hostRole: 'editor', groupId: 4 }], emailAttribute: 'email', blocked: 'suspend' });
 * ```
 */
export const hostSyncOptionsSchema = z
  .object({
    mappings: z.array(roleMappingSchema).max(1000).default([]),
    emailAttribute: identifierSchema.optional(),
    attributesFor: z.custom<(user: HostUserRecord) => Record<string, AttributeValue>>((v) => typeof v === 'function').optional(),
    contactType: z.string().min(1).max(64).default('Individual'),
    createMissing: z.boolean().default(true),
    blocked: z.enum(['suspend', 'unlink']).default('suspend'),
    deleted: z.enum(['unlink', 'suspend']).default('unlink'),
    onMissingRole: z.enum(['error', 'ignore']).default('error'),
    removalGuard: z.object({ maxShare: z.number().min(0).max(1).default(0.25), minimum: z.number().int().nonnegative().default(10) }).strict().default({ maxShare: 0.25, minimum: 10 }),
    source: z.string().min(1).max(64).regex(/^[A-Za-z0-9_.:-]+$/).optional(),
    rolesCacheMs: z.number().int().nonnegative().default(1000),
  })
  .strict();
/** A host sync's settings. */
export type HostSyncOptions = z.input<typeof hostSyncOptionsSchema>;
/** A host sync's settings, defaults filled in. */
export type ParsedHostSyncOptions = z.output<typeof hostSyncOptionsSchema>;
