import { unserialize } from 'php-serialize';
import { HostDataError } from './host-data-error.js';

/** Where a serialized value was read from, for the error a bad value gives. */
export interface SerializedOrigin {
  readonly table: string;
  readonly row: string;
  readonly userId: string | null;
}

/**
 * Parses a PHP-serialized value with the `php-serialize` library (never a regular expression), in strict mode;
 * a value that does not parse throws {@link HostDataError} naming its origin. Classes are refused: host role
 * data holds arrays and scalars only.
 *
 * @example
 * ```ts
 * const caps = parsePhpSerialized('a:1:{s:6:"editor";b:1;}', { table: 'wp_usermeta', row: 'umeta_id=3', userId: 'wp:1' });
 * ```
 */
export function parsePhpSerialized(value: unknown, origin: SerializedOrigin): unknown {
  const text = Buffer.isBuffer(value) ? value.toString('utf8') : value;
  if (typeof text !== 'string') throw new HostDataError({ ...origin, reason: `expected a PHP-serialized string, got ${typeof text}` });
  try {
    return unserialize(text, {}, { strict: true });
  } catch (cause) {
    throw new HostDataError({ ...origin, reason: `not valid PHP-serialized data: ${(cause as Error).message}`, cause });
  }
}

/**
 * A PHP array parsed by {@link parsePhpSerialized} as a plain object with string keys (a PHP list becomes an
 * object keyed '0', '1', ...); anything else throws {@link HostDataError}.
 *
 * @example
 * ```ts
 * const map = phpArray(parsePhpSerialized(raw, origin), origin); // { editor: true }
 * ```
 */
export function phpArray(value: unknown, origin: SerializedOrigin): Record<string, unknown> {
  if (Array.isArray(value)) return Object.fromEntries(value.map((v, i) => [String(i), v]));
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) return value as Record<string, unknown>;
  throw new HostDataError({ ...origin, reason: `expected a PHP array, got ${value === null ? 'null' : typeof value}` });
}

/**
 * A PHP value read as a boolean the way PHP casts it (`true`, 1, '1' and non-empty strings other than '0' are true).
 *
 * @example
 * ```ts
 * phpTruthy('1'); // true
 * ```
 */
export function phpTruthy(value: unknown): boolean {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') return value !== 0;
  if (typeof value === 'string') return value !== '' && value !== '0';
  return value !== null && value !== undefined;
}
