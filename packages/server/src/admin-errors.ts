import { PolicyError, WriteConflictError, AccessDeniedError } from '@rowguard/core';
import { PolicyFileError } from '@rowguard/policy';
import { z } from 'zod';

/**
 * An error the admin page answers with: an HTTP status and a message meant for people (never SQL, never a stack
 * trace), with the problems of a policy file when there are some.
 *
 * @example
 * ```ts
 * throw new AdminHttpError(403, 'forbidden', 'this page needs the permission “administer CRM”');
 * ```
 */
export class AdminHttpError extends Error {
  override readonly name = 'AdminHttpError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Readonly<Record<string, unknown>> = {},
  ) {
    super(message);
  }
}

/**
 * The message of a zod failure, one part per issue, naming the field.
 *
 * @example
 * ```ts
 * zodMessage(schema.safeParse(body).error!); // 'priority: Invalid input: expected number, received string'
 * ```
 */
export function zodMessage(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.length > 0 ? `${i.path.join('.')}: ` : ''}${i.message}`).join('; ');
}

/**
 * Turns anything thrown while answering into an {@link AdminHttpError}: bad input is a 400 with its message,
 * engine refusals keep theirs (they are written for people), and everything else (a database failure, a bug)
 * becomes a 500 with a fixed message; the original goes to `report` for the server log only.
 *
 * @example
 * ```ts
 * const e = toHttpError(new Error('SQLITE_ERROR: no such table'), console.error); // 500, 'the server could not answer'
 * ```
 */
export function toHttpError(error: unknown, report: (error: unknown) => void): AdminHttpError {
  if (error instanceof AdminHttpError) return error;
  if (error instanceof z.ZodError) return new AdminHttpError(400, 'invalid_input', zodMessage(error));
  if (error instanceof PolicyFileError && (error.kind === 'invalid' || error.kind === 'refused' || error.kind === 'incomplete')) {
    return new AdminHttpError(400, error.code, error.message.split('\n')[0] ?? 'the policy file is not valid', {
      problems: error.problems.map((p) => ({ file: p.file, line: p.line, column: p.column, field: p.field, message: p.message })),
    });
  }
  if (error instanceof WriteConflictError) return new AdminHttpError(409, 'conflict', 'another change was being written at the same time; try again');
  if (error instanceof AccessDeniedError) return new AdminHttpError(403, 'forbidden', 'access denied');
  if (error instanceof PolicyError) {
    // Engine refusals describe the input (an unknown group, a duplicate name); they carry no SQL.
    return new AdminHttpError(error.code.startsWith('unknown') ? 404 : 400, error.code, error.message);
  }
  report(error);
  return new AdminHttpError(500, 'internal', 'the server could not answer; the details are in the server log');
}
