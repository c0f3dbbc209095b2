import type { IncomingMessage, ServerResponse } from 'node:http';
import { AdminHttpError } from './admin-errors.js';

/** The largest request body the page accepts (a policy file upload included): 4 MiB. */
export const MAX_BODY_BYTES = 4 * 1024 * 1024;

/**
 * Reads a JSON request body (at most {@link MAX_BODY_BYTES}); anything else is a 400 or 413.
 *
 * @example
 * ```ts
 * const body = await readJson(req); // unknown: validate it with zod next
 * ```
 */
export async function readJson(req: IncomingMessage): Promise<unknown> {
  const type = String(req.headers['content-type'] ?? '');
  if (!type.startsWith('application/json')) throw new AdminHttpError(415, 'unsupported_media_type', 'send the body as application/json');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new AdminHttpError(413, 'too_large', `the body is larger than ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new AdminHttpError(400, 'invalid_json', 'the body is not valid JSON');
  }
}

/**
 * Security headers on every answer: no framing, no sniffing, no referrer, a strict content policy.
 *
 * @example
 * ```ts
 * securityHeaders(res);
 * ```
 */
export function securityHeaders(res: ServerResponse): void {
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
  res.setHeader(
    'Content-Security-Policy',
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  );
}

/**
 * Sends a JSON answer.
 *
 * @example
 * ```ts
 * sendJson(res, 200, { ok: true });
 * ```
 */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  securityHeaders(res);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

/**
 * The cookies of a request, by name.
 *
 * @example
 * ```ts
 * cookiesOf(req).get('rowguard_admin');
 * ```
 */
export function cookiesOf(req: IncomingMessage): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of String(req.headers.cookie ?? '').split(';')) {
    const at = part.indexOf('=');
    if (at > 0) out.set(part.slice(0, at).trim(), decodeURIComponent(part.slice(at + 1).trim()));
  }
  return out;
}

/**
 * The query parameters of a request as a plain object (repeated names keep the last value).
 *
 * @example
 * ```ts
 * queryOf(new URL('http://x/api/who-can?contactId=12')); // { contactId: '12' }
 * ```
 */
export function queryOf(url: URL): Record<string, string> {
  return Object.fromEntries(url.searchParams.entries());
}
