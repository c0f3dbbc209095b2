import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Domain } from '@rowguard/core';
import { AdminHttpError } from './admin-errors.js';
import { adminPersonSchema, type AdminPerson, type AdminSettings } from './admin-options.js';

/** The header a write must carry with the page's anti-forgery token. */
export const CSRF_HEADER = 'x-rowguard-csrf';

/**
 * The page's guard: who is asking (the host's mapping), whether the engine lets them administer (the configured
 * functional permission, decided by the engine for that subject), and, for writes, whether the request comes
 * from the page itself (same origin and the per-person anti-forgery token).
 *
 * @example
 * ```ts
 * const guard = new RequestGuard(settings);
 * const person = await guard.admit(req, domain, { write: true });
 * ```
 */
export class RequestGuard {
  readonly #settings: AdminSettings;
  readonly #secret = randomBytes(32);

  constructor(settings: AdminSettings) {
    this.#settings = settings;
  }

  /**
   * The anti-forgery token of a person: an HMAC of who they are under a secret of this process, so a page of
   * another site cannot know it, and the server keeps no state for it.
   *
   * @example
   * ```ts
   * guard.csrfToken(person); // 'q3V...'
   * ```
   */
  csrfToken(person: AdminPerson): string {
    return createHmac('sha256', this.#secret).update(JSON.stringify([person.actor, person.subject])).digest('base64url');
  }

  /**
   * Admits a request or throws: 401 when the host maps it to nobody, 403 when the engine denies the permission,
   * 403 for a write from another origin or without the right token.
   *
   * @example
   * ```ts
   * const person = await guard.admit(req, domain, { write: req.method !== 'GET' });
   * ```
   */
  async admit(req: IncomingMessage, domain: Domain, options: { write: boolean }): Promise<AdminPerson> {
    let mapped: unknown;
    try {
      mapped = await this.#settings.personOf(req);
    } catch {
      mapped = null;
    }
    const parsed = adminPersonSchema.safeParse(mapped);
    if (mapped === null || mapped === undefined || !parsed.success) throw new AdminHttpError(401, 'unauthenticated', 'sign in to use this page');
    const person = parsed.data;
    if (options.write) this.#checkWrite(req, person);
    if (!(await domain.subject(person.subject).hasPermission(this.#settings.permission))) {
      throw new AdminHttpError(403, 'forbidden', `this page needs the permission “${this.#settings.permission}”`);
    }
    return person;
  }

  #checkWrite(req: IncomingMessage, person: AdminPerson): void {
    const origin = req.headers.origin;
    const fetchSite = req.headers['sec-fetch-site'];
    const own = `${(req.socket as { encrypted?: boolean }).encrypted ? 'https' : 'http'}://${String(req.headers.host ?? '')}`;
    const trusted = origin === own || (origin !== undefined && this.#settings.allowedOrigins.some((o) => new URL(o).origin === origin));
    if (!trusted || (fetchSite !== undefined && fetchSite !== 'same-origin')) {
      throw new AdminHttpError(403, 'cross_site', 'writes are accepted only from the page itself');
    }
    const sent = Buffer.from(String(req.headers[CSRF_HEADER] ?? ''));
    const expected = Buffer.from(this.csrfToken(person));
    if (sent.length !== expected.length || !timingSafeEqual(sent, expected)) {
      throw new AdminHttpError(403, 'csrf', 'the page’s anti-forgery token is missing or wrong; reload the page');
    }
  }
}
