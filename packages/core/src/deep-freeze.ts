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

function walk(value: unknown, copy: boolean, seen: WeakMap<object, unknown>): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (value instanceof FrozenMap || value instanceof FrozenSet) return value;
  const done = seen.get(value);
  if (done !== undefined) return done;
  if (value instanceof Map) {
    const out = new FrozenMap([...value].map(([k, v]) => [walk(k, copy, seen), walk(v, copy, seen)] as const));
    seen.set(value, out);
    return out;
  }
  if (value instanceof Set) {
    const out = new FrozenSet([...value].map((v) => walk(v, copy, seen)));
    seen.set(value, out);
    return out;
  }
  // Class instances other than Map and Set (dates, errors, ...) are not policy data: left as they are.
  if (!isPlain(value)) return value;
  const source = value as Record<string, unknown>;
  const inPlace = !copy && !Object.isFrozen(value);
  const out: Record<string, unknown> = inPlace ? source : Array.isArray(value) ? [] : Object.create(Object.getPrototypeOf(value) as object | null);
  seen.set(value, out);
  for (const key of Object.keys(source)) {
    const next = walk(source[key], copy, seen);
    if (!inPlace || next !== source[key]) out[key] = next;
  }
  if (!inPlace && !copy) {
    // Already frozen: keep it when nothing inside needed replacing.
    if (Object.keys(source).every((k) => out[k] === source[k])) {
      seen.set(value, value);
      return value;
    }
  }
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
  return walk(value, false, new WeakMap()) as T;
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
  return walk(value, true, new WeakMap()) as T;
}
