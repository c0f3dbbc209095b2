import type { PostgresPool, PostgresPoolClient } from 'kysely';
import { DatabaseTimeoutError } from './connection-errors.js';

/** The part of a pg client this module uses. */
interface RawPgClient {
  query: (...args: any[]) => any;
  release: (error?: Error | boolean) => void;
  on(event: 'error', listener: (error: Error) => void): unknown;
}

/** The part of a pg `Pool` this module uses. */
export interface RawPgPool {
  connect(): Promise<any>;
  end(): Promise<void>;
  on(event: 'error', listener: (error: Error, client: any) => void): unknown;
  on(event: 'connect', listener: (client: any) => void): unknown;
}

/** Options of {@link resilientPostgresPool}. */
export interface PostgresGuardOptions {
  /** The pool's `connectionTimeoutMillis`, so that running out of it reports a {@link DatabaseTimeoutError}. */
  readonly connectTimeoutMs?: number;
  /** The pool's statement limit (`statement_timeout` / `query_timeout`), for the same reason. */
  readonly statementTimeoutMs?: number;
  /** Told about errors of idle or checked-out connections (a reset, a server restart). Default: ignored. */
  readonly onConnectionError?: (error: Error) => void;
}

const BROKEN = /terminated|ECONNRESET|EPIPE|not queryable/i;
const CONNECT_TIMEOUT = /timeout exceeded when trying to connect|connection timeout/i;

/**
 * Makes a pg `Pool` safe to hand to Kysely's `PostgresDialect`: a cut connection never kills the process (the
 * pool and every client get an `error` listener; pg emits `error` with none attached, which Node turns into a
 * crash), a client that broke or timed out is destroyed on release instead of going back to the pool, and
 * timeouts surface as {@link DatabaseTimeoutError}. `connectDatabase` uses it for `postgres://` URLs.
 *
 * @example
 * ```ts
 * import pg from 'pg';
 * import { Kysely, PostgresDialect } from 'kysely';
 *
 * const pool = new pg.Pool({ connectionString: url, connectionTimeoutMillis: 10_000, query_timeout: 30_000 });
 * const db = new Kysely<any>({ dialect: new PostgresDialect({ pool: resilientPostgresPool(pool, { connectTimeoutMs: 10_000, statementTimeoutMs: 30_000 }) }) });
 * ```
 */
export function resilientPostgresPool(pool: RawPgPool, options: PostgresGuardOptions = {}): PostgresPool {
  const report = (error: Error) => {
    try {
      options.onConnectionError?.(error);
    } catch {
      // A reporter that throws must not bring the process down either.
    }
  };
  const broken = new WeakSet<object>();
  const guarded = new WeakSet<object>();
  pool.on('error', report);
  pool.on('connect', (client: RawPgClient) => {
    client.on('error', (error) => {
      broken.add(client);
      report(error);
    });
  });
  const statementError = (error: unknown): unknown => {
    const message = error instanceof Error ? error.message : '';
    const code = (error as { code?: unknown } | null)?.code;
    if (message === 'Query read timeout' || code === '57014') {
      return new DatabaseTimeoutError('statement', options.statementTimeoutMs ?? 0, 'SQL statement', { cause: error });
    }
    return error;
  };
  const guard = (client: RawPgClient): void => {
    if (!guarded.has(client)) {
      guarded.add(client);
      const query = client.query;
      client.query = function guardedQuery(...args: unknown[]) {
        const result = query.apply(client, args);
        if (result === null || typeof result !== 'object' || typeof result.then !== 'function') return result;
        return (result as Promise<unknown>).catch((error: unknown) => {
          // A client-side timeout leaves the statement running on a connection that may never answer, and a
          // cut connection is dead: neither goes back to the pool.
          if (error instanceof Error && (error.message === 'Query read timeout' || BROKEN.test(error.message))) broken.add(client);
          throw statementError(error);
        });
      };
    }
    // pg-pool gives each checkout a new `release`: wrap it every time.
    const release = client.release;
    client.release = (error?: Error | boolean) => release.call(client, error ?? (broken.has(client) ? true : undefined));
  };
  return {
    async connect(): Promise<PostgresPoolClient> {
      let client: RawPgClient;
      try {
        client = await pool.connect();
      } catch (error) {
        if (error instanceof Error && CONNECT_TIMEOUT.test(error.message)) {
          throw new DatabaseTimeoutError('connect', options.connectTimeoutMs ?? 0, 'connecting to PostgreSQL', { cause: error });
        }
        throw error;
      }
      guard(client);
      return client as unknown as PostgresPoolClient;
    },
    end: () => pool.end(),
  };
}
