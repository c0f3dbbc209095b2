/**
 * A map that cannot change: the read-only half of `Map`, over a private copy. It is not a `Map`, so even
 * `Map.prototype.set.call(frozen, k, v)` throws.
 *
 * @example
 * ```ts
 * const m = new FrozenMap([[1, 'a']]);
 * m.get(1); // 'a'
 * (m as unknown as Map<number, string>).set; // undefined
 * ```
 */
export class FrozenMap<K, V> implements ReadonlyMap<K, V> {
  readonly #map: Map<K, V>;

  constructor(entries?: Iterable<readonly [K, V]>) {
    this.#map = new Map(entries);
    Object.freeze(this);
  }

  get size(): number {
    return this.#map.size;
  }

  get(key: K): V | undefined {
    return this.#map.get(key);
  }

  has(key: K): boolean {
    return this.#map.has(key);
  }

  forEach(fn: (value: V, key: K, map: ReadonlyMap<K, V>) => void, thisArg?: unknown): void {
    this.#map.forEach((value, key) => fn.call(thisArg, value, key, this));
  }

  keys(): MapIterator<K> {
    return this.#map.keys();
  }

  values(): MapIterator<V> {
    return this.#map.values();
  }

  entries(): MapIterator<[K, V]> {
    return this.#map.entries();
  }

  [Symbol.iterator](): MapIterator<[K, V]> {
    return this.#map[Symbol.iterator]();
  }

  get [Symbol.toStringTag](): string {
    return 'FrozenMap';
  }
}

/**
 * A set that cannot change: the read-only half of `Set`, over a private copy (not a `Set`, so
 * `Set.prototype.add.call(frozen, x)` throws).
 *
 * @example
 * ```ts
 * const s = new FrozenSet([1, 2]);
 * s.has(2); // true
 * ```
 */
export class FrozenSet<T> implements ReadonlySet<T> {
  readonly #set: Set<T>;

  constructor(values?: Iterable<T>) {
    this.#set = new Set(values);
    Object.freeze(this);
  }

  get size(): number {
    return this.#set.size;
  }

  has(value: T): boolean {
    return this.#set.has(value);
  }

  forEach(fn: (value: T, value2: T, set: ReadonlySet<T>) => void, thisArg?: unknown): void {
    this.#set.forEach((value) => fn.call(thisArg, value, value, this));
  }

  keys(): SetIterator<T> {
    return this.#set.keys();
  }

  values(): SetIterator<T> {
    return this.#set.values();
  }

  entries(): SetIterator<[T, T]> {
    return this.#set.entries();
  }

  [Symbol.iterator](): SetIterator<T> {
    return this.#set[Symbol.iterator]();
  }

  get [Symbol.toStringTag](): string {
    return 'FrozenSet';
  }
}

function isPlain(value: object): boolean {
  if (Array.isArray(value)) return true;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/** Policy data is shallow; anything deeper than this is refused rather than walked (it would be a cycle). */
const MAX_DEPTH = 200;

function walk(value: unknown, copy: boolean, depth: number): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (depth > MAX_DEPTH) throw new RangeError(`cannot freeze a value nested deeper than ${MAX_DEPTH} levels`);
  if (value instanceof FrozenMap || value instanceof FrozenSet) return value;
  if (value instanceof Map) {
    const entries: [unknown, unknown][] = [];
    for (const [k, v] of value) entries.push([walk(k, copy, depth + 1), walk(v, copy, depth + 1)]);
    return new FrozenMap(entries);
  }
  if (value instanceof Set) {
    const items: unknown[] = [];
    for (const v of value) items.push(walk(v, copy, depth + 1));
    return new FrozenSet(items);
  }
  // Class instances other than Map and Set (dates, errors, ...) are not policy data: left as they are.
  if (!isPlain(value)) return value;
  const source = value as Record<string, unknown>;
  const keys = Object.keys(source);
  if (!copy && !Object.isFrozen(value)) {
    for (const key of keys) {
      const child = source[key];
      if (typeof child === 'object' && child !== null) {
        const next = walk(child, false, depth + 1);
        if (next !== child) source[key] = next;
      }
    }
    return Object.freeze(value);
  }
  // A copy, or an object frozen already: rebuilt only when something inside had to change.
  let out: Record<string, unknown> | undefined;
  for (const [i, key] of keys.entries()) {
    const child = source[key];
    const next = walk(child, copy, depth + 1);
    if (out === undefined && (copy || next !== child)) {
      out = (Array.isArray(value) ? [] : Object.create(Object.getPrototypeOf(value) as object | null)) as Record<string, unknown>;
      for (const earlier of keys.slice(0, i)) out[earlier] = source[earlier];
    }
    if (out !== undefined) out[key] = next;
  }
  if (out === undefined) return copy ? Object.freeze(Array.isArray(value) ? [] : {}) : value;
  return Object.freeze(out);
}

/**
 * Makes a value deeply immutable, in place where it can: plain objects and arrays are frozen (recursively),
 * every `Map` and `Set` is replaced by a {@link FrozenMap} / {@link FrozenSet} (so the objects holding them are
 * updated before being frozen; an already-frozen object holding one is copied). Other class instances are
 * left alone. Use it on values you own (freshly built); see {@link immutableCopy} for values others still
 * change.
 *
 * @example
 * ```ts
 * const snapshot = deepFreeze({ entries: [{ id: 1 }], groups: new Map([[3, { id: 3 }]]) });
 * Object.isFrozen(snapshot.entries[0]); // true
 * ```
 */
export function deepFreeze<T>(value: T): T {
  return walk(value, false, 0) as T;
}

/**
 * A deeply immutable copy of a value (plain objects, arrays, maps and sets copied and frozen); the original is
 * not touched.
 *
 * @example
 * ```ts
 * const view = immutableCopy({ groupIds: new Set([1]) });
 * view.groupIds.has(1); // true, and it has no `add`
 * ```
 */
export function immutableCopy<T>(value: T): T {
  return walk(value, true, 0) as T;
}
