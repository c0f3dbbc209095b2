/**
 * A small seeded pseudo-random source (mulberry32), so that every dialect and every run gets the same data.
 */
export class RandomSource {
  #state: number;

  constructor(seed: number) {
    this.#state = seed >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [min, max] (inclusive). */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  /** One element of a non-empty list. */
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)] as T;
  }

  /** Shuffles a list in place (Fisher-Yates) and returns it. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i -= 1) {
      const j = Math.floor(this.next() * (i + 1));
      const tmp = items[i] as T;
      items[i] = items[j] as T;
      items[j] = tmp;
    }
    return items;
  }
}

/**
 * Draws keys with probability proportional to their weights (cumulative table and binary search).
 */
export class WeightedSampler<K> {
  readonly #keys: readonly K[];
  readonly #cumulative: Float64Array;

  constructor(weights: ReadonlyMap<K, number>) {
    this.#keys = [...weights.keys()];
    this.#cumulative = new Float64Array(this.#keys.length);
    let sum = 0;
    this.#keys.forEach((k, i) => {
      sum += Math.max(0, weights.get(k) ?? 0);
      this.#cumulative[i] = sum;
    });
    if (sum <= 0) throw new Error('weighted sampler needs a positive total weight');
  }

  /** One key, drawn with `random`. */
  draw(random: RandomSource): K {
    const total = this.#cumulative[this.#cumulative.length - 1] as number;
    const x = random.next() * total;
    let lo = 0;
    let hi = this.#cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.#cumulative[mid] as number) > x) hi = mid;
      else lo = mid + 1;
    }
    return this.#keys[lo] as K;
  }
}
