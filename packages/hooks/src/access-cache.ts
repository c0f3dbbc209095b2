/** What the taps of one `access` run declared they depend on. */
export interface AccessDependencies {
  /** Keys invalidated by `invalidate(key)`; `policy` pins the domain's policy version. */
  readonly keys: ReadonlySet<string>;
  /** The shortest `maxAge` any tap declared, if any. */
  readonly maxAgeMs: number | null;
}

interface Entry<V> {
  readonly value: V;
  readonly keys: ReadonlySet<string>;
  /** The policy version the answer is pinned to, when a tap depends on `policy`. */
  readonly version: number | null;
  readonly expiresAt: number | null;
  /** The tap registrations it was computed under. */
  readonly epoch: number;
}

/**
 * Keeps `access` answers across requests, each with what its taps declared they depend on: reused until a
 * declared key is invalidated, the policy version changes (for `policy`), `maxAge` runs out, or the set of taps
 * changes. An answer computed while an invalidation happened is not kept. Bounded: the oldest entry goes first.
 *
 * @example
 * ```ts
 * const cache = new AccessCache<Outcome>(10_000);
 * const started = cache.generation;
 * cache.set('1|7|', outcome, { keys: new Set(['teams']), maxAgeMs: null }, { version: 4, epoch: 2, started });
 * cache.invalidate(['teams']);
 * ```
 */
export class AccessCache<V> {
  readonly #entries = new Map<string, Entry<V>>();
  readonly #limit: number;
  #generation = 0;

  constructor(limit: number) {
    this.#limit = limit;
  }

  /** Increases with every invalidation (to refuse answers computed across one). */
  get generation(): number {
    return this.#generation;
  }

  /** The number of answers kept. */
  get size(): number {
    return this.#entries.size;
  }

  /** A kept answer, if still valid for this policy version and tap epoch. */
  get(key: string, version: number, epoch: number, now = Date.now()): V | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    if (entry.epoch !== epoch || (entry.version !== null && entry.version !== version) || (entry.expiresAt !== null && entry.expiresAt <= now)) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  /** Keeps an answer, unless nothing was declared, the cache is disabled, or an invalidation happened since `started`. */
  set(key: string, value: V, deps: AccessDependencies, at: { version: number; epoch: number; started: number }, now = Date.now()): void {
    if (this.#limit === 0 || at.started !== this.#generation) return;
    if (deps.keys.size === 0 && deps.maxAgeMs === null) return;
    this.#entries.delete(key);
    this.#entries.set(key, {
      value,
      keys: deps.keys,
      version: deps.keys.has('policy') ? at.version : null,
      expiresAt: deps.maxAgeMs === null ? null : now + deps.maxAgeMs,
      epoch: at.epoch,
    });
    while (this.#entries.size > this.#limit) {
      const oldest = this.#entries.keys().next();
      if (oldest.done) break;
      this.#entries.delete(oldest.value);
    }
  }

  /** Forgets one answer. */
  delete(key: string): void {
    this.#entries.delete(key);
  }

  /** Forgets every answer that depends on one of these keys (all answers when `keys` is empty). */
  invalidate(keys: readonly string[]): number {
    this.#generation += 1;
    let dropped = 0;
    for (const [key, entry] of this.#entries) {
      if (keys.length === 0 || keys.some((k) => entry.keys.has(k))) {
        this.#entries.delete(key);
        dropped += 1;
      }
    }
    return dropped;
  }
}
