import type { Kysely } from 'kysely';
import { drupal7Source } from '../drupal/drupal7-source.js';
import { drupal8Source } from '../drupal/drupal8-source.js';
import { sqlSource, type SqlSourceOptions } from '../generic-sql/sql-source.js';
import { joomlaSource } from '../joomla/joomla-source.js';
import { wordpressSource } from '../wordpress/wordpress-source.js';
import type { HostSource } from './host-source.js';

/**
 * The built-in host kinds, as the CLI names them.
 *
 * @example
 * ```ts
 * HOST_KINDS.includes('joomla'); // true
 * ```
 */
export const HOST_KINDS = ['wordpress', 'drupal7', 'drupal8', 'joomla', 'sql'] as const;
/** A built-in host kind. */
export type HostKind = (typeof HOST_KINDS)[number];

/**
 * The built-in source for a host kind over a Kysely handle on the host's database: `prefix` is the table prefix
 * (WordPress `wp_`, Joomla `jos_`, Drupal usually empty); `sql` needs its table configuration in `sql`; `writes`
 * (default false) enables `setUserRoles`.
 *
 * @example
 * ```ts
 * const source = hostSourceFor('wordpress', hostDb, { prefix: 'wp_' });
 * ```
 */
export function hostSourceFor(kind: HostKind, db: Kysely<any>, options: { prefix?: string; sql?: SqlSourceOptions; writes?: boolean } = {}): HostSource {
  const prefix = { ...(options.prefix === undefined ? {} : { prefix: options.prefix }), ...(options.writes === undefined ? {} : { writes: options.writes }) };
  switch (kind) {
    case 'wordpress':
      return wordpressSource(db, prefix);
    case 'drupal7':
      return drupal7Source(db, prefix);
    case 'drupal8':
      return drupal8Source(db, prefix);
    case 'joomla':
      return joomlaSource(db, prefix);
    case 'sql':
      if (!options.sql) throw new Error("the 'sql' host needs its tables configured (users, userRoles)");
      return sqlSource(db, options.writes === undefined ? options.sql : { ...options.sql, writes: options.writes });
  }
}
