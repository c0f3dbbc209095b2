import { z } from 'zod';

/** The operations a decision is asked about. */
export const OPERATIONS = ['view', 'edit', 'create', 'delete', 'search'] as const;
/** An operation a decision is asked about: `view`, `edit`, `create`, `delete` or `search`. */
export type Operation = (typeof OPERATIONS)[number];

/** The operations an entry may carry: the decision operations, `all` (every one of them) and `grant`. */
export const ENTRY_OPERATIONS = [...OPERATIONS, 'all', 'grant'] as const;
/** An operation an entry carries. */
export type EntryOperation = (typeof ENTRY_OPERATIONS)[number];

/**
 * zod schema of a decision operation.
 *
 * @example
 * ```ts
 * operationSchema.parse('view'); // 'view'
 * ```
 */
export const operationSchema = z.enum(OPERATIONS);

/**
 * zod schema of an entry operation.
 *
 * @example
 * ```ts
 * entryOperationSchema.parse('all'); // 'all'
 * ```
 */
export const entryOperationSchema = z.enum(ENTRY_OPERATIONS);

const SATISFIED_BY: Readonly<Record<Operation, readonly EntryOperation[]>> = {
  view: ['view', 'edit', 'all'],
  edit: ['edit', 'all'],
  create: ['create', 'all'],
  delete: ['delete', 'all'],
  search: ['search', 'all'],
};

/**
 * The entry operations that satisfy a requested operation (edit implies view; all implies every operation;
 * grant satisfies none of them).
 *
 * @example
 * ```ts
 * satisfyingOperations('view'); // ['view', 'edit', 'all']
 * ```
 */
export function satisfyingOperations(op: Operation): readonly EntryOperation[] {
  return SATISFIED_BY[op];
}

/**
 * Whether an entry operation satisfies a requested operation.
 *
 * @example
 * ```ts
 * operationSatisfies('edit', 'view'); // true
 * operationSatisfies('view', 'edit'); // false
 * ```
 */
export function operationSatisfies(entryOp: EntryOperation, requested: Operation): boolean {
  return SATISFIED_BY[requested].includes(entryOp);
}

/**
 * Whether `narrower` is the same as or narrower than `wider` (every operation `narrower` satisfies, `wider`
 * satisfies too).
 *
 * @example
 * ```ts
 * operationWithin('view', 'edit'); // true
 * operationWithin('all', 'edit'); // false
 * ```
 */
export function operationWithin(narrower: EntryOperation, wider: EntryOperation): boolean {
  if (narrower === 'grant' || wider === 'grant') return narrower === wider;
  return OPERATIONS.every((op) => !operationSatisfies(narrower, op) || operationSatisfies(wider, op));
}
