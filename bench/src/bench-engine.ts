import type { Kysely } from 'kysely';
import { createRowguard, type DialectKind, type Rowguard } from '@rowguard/core';

/** The contact attributes of the benchmark data set. */
export const BENCH_ATTRIBUTES = { country: { type: 'text' }, state: { type: 'text' } } as const;

/**
 * Creates the engine on a benchmark database (reference contact table with `country` and `state`). Errors that
 * turn into a deny are collected in `errors` (a benchmark must not print thousands of lines).
 *
 * @example
 * ```ts
 * const { engine, errors } = createBenchEngine(bench.db, 'postgres');
 * ```
 */
export function createBenchEngine(db: Kysely<any>, dialect: DialectKind): { engine: Rowguard; errors: unknown[] } {
  const errors: unknown[] = [];
  const engine = createRowguard({
    db,
    dialect,
    contacts: { attributes: BENCH_ATTRIBUTES },
    onError: (error) => {
      if (errors.length < 100_000) errors.push(error);
    },
  });
  return { engine, errors };
}
