import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Domain } from '@rowguard/core';
import type { z } from 'zod';
import { AdminHttpError, toHttpError, zodMessage } from './admin-errors.js';
import { adminHandlerOptionsSchema, type AdminHandlerOptions, type AdminPerson, type AdminSettings } from './admin-options.js';
import {
  auditQuerySchema,
  cellCreateSchema,
  cellDeleteSchema,
  cellUpdateSchema,
  contactSearchSchema,
  exportQuerySchema,
  personQuerySchema,
  policyUploadSchema,
  whoCanQuerySchema,
  whyQuerySchema,
} from './api-schemas.js';
import { auditRows } from './audit-api.js';
import { searchContacts, whoCanView } from './contact-api.js';
import { queryOf, readJson, sendJson } from './http-kit.js';
import { createCellEntry, deleteCellEntry, grantMatrix, updateCellEntry } from './matrix-api.js';
import { personView, whyDecision } from './person-api.js';
import { exportPolicyText, runPolicy } from './policy-api.js';
import { CSRF_HEADER, RequestGuard } from './request-guard.js';
import { serveUi } from './ui-assets.js';

/** A Node `http` request handler; `next` (Express/Connect style) is called for paths outside the page. */
export type AdminHandler = (req: IncomingMessage, res: ServerResponse, next?: (error?: unknown) => void) => void;

interface Call {
  readonly settings: AdminSettings;
  readonly domain: Domain;
  readonly person: AdminPerson;
  readonly query: Record<string, string>;
  readonly body: unknown;
}

type Route = (call: Call) => Promise<unknown>;

function parse<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new AdminHttpError(400, 'invalid_input', zodMessage(parsed.error));
  return parsed.data;
}

const subjectOf = (q: { contactId?: number | undefined; userId?: string | undefined }) => (q.contactId !== undefined ? { contactId: q.contactId } : { userId: q.userId as string });

const READS: Readonly<Record<string, Route>> = {
  '/api/session': async ({ person, settings, domain }) => ({ actor: person.actor, domain: domain.name, permission: settings.permission }),
  '/api/matrix': ({ domain }) => grantMatrix(domain),
  '/api/contacts': async ({ domain, query }) => {
    const q = parse(contactSearchSchema, query);
    return { contacts: await searchContacts(domain, q.q, q.limit) };
  },
  '/api/person': ({ settings, domain, query }) => personView(settings.engine, domain, subjectOf(parse(personQuerySchema, query))),
  '/api/why': ({ domain, query }) => {
    const q = parse(whyQuerySchema, query);
    return whyDecision(domain, subjectOf(q), q.operation, q.target);
  },
  '/api/who-can': ({ domain, query }) => {
    const q = parse(whoCanQuerySchema, query);
    return whoCanView(domain, q.operation, q.contactId);
  },
  '/api/audit': ({ domain, query }) => auditRows(domain, parse(auditQuerySchema, query)),
  '/api/policy/export': ({ settings, domain, query }) => exportPolicyText(settings.engine, domain, parse(exportQuerySchema, query).format),
};

const WRITES: Readonly<Record<string, Route>> = {
  '/api/matrix/cell': ({ domain, person, body }) => createCellEntry(domain, person.actor, parse(cellCreateSchema, body)),
  '/api/matrix/cell/update': async ({ domain, person, body }) => {
    await updateCellEntry(domain, person.actor, parse(cellUpdateSchema, body));
    return { ok: true };
  },
  '/api/matrix/cell/delete': async ({ domain, person, body }) => {
    await deleteCellEntry(domain, person.actor, parse(cellDeleteSchema, body));
    return { ok: true };
  },
  '/api/policy/dry-run': ({ settings, domain, person, body }) => runPolicy(settings.engine, domain, person.actor, parse(policyUploadSchema, body), true),
  '/api/policy/apply': ({ settings, domain, person, body }) => runPolicy(settings.engine, domain, person.actor, parse(policyUploadSchema, body), false),
};

/**
 * The admin page as a Node `http` handler a host mounts in its own app (Express, Fastify, Hono's node server, or
 * `http.createServer`): the built page at `basePath/`, and its JSON API under `basePath/api/`. Every API call
 * maps the request to a person through the host's `personOf` (none: 401), asks the engine whether that person
 * holds the configured permission (no: 403), and for writes also checks the origin and the anti-forgery token
 * (cross-site: 403). Inputs go through zod; errors answer with a message, never SQL or a stack trace.
 *
 * @example
 * ```ts
 * const admin = createAdminHandler({ engine, domain: 'default', basePath: '/admin/rowguard', personOf: (req) => myAuth(req) });
 * app.use('/admin/rowguard', (req, res, next) => admin(req, res, next)); // Express: req.originalUrl keeps the prefix
 * ```
 */
export function createAdminHandler(options: AdminHandlerOptions): AdminHandler {
  const parsed = adminHandlerOptionsSchema.safeParse(options);
  if (!parsed.success) throw new TypeError(`invalid admin page options: ${zodMessage(parsed.error)}`);
  const settings = parsed.data;
  const guard = new RequestGuard(settings);
  const report = settings.onError ?? ((error: unknown) => console.error('[rowguard admin]', error));
  let domain: Promise<Domain> | undefined;
  const domainOf = (): Promise<Domain> => {
    domain ??= settings.engine.domain(settings.domain).catch((e: unknown) => {
      domain = undefined;
      throw e;
    });
    return domain;
  };

  const answer = async (req: IncomingMessage, res: ServerResponse, next?: (error?: unknown) => void): Promise<void> => {
    // Express strips its mount path from `req.url` and keeps it in `originalUrl`.
    const raw = (req as { originalUrl?: string }).originalUrl ?? req.url ?? '/';
    const url = new URL(raw, 'http://page.invalid');
    const base = settings.basePath;
    if (url.pathname !== base && !url.pathname.startsWith(`${base}/`)) {
      if (next) return next();
      return sendJson(res, 404, { error: 'not found', code: 'not_found' });
    }
    const path = url.pathname.slice(base.length) || '/';
    if (req.method === 'GET' && (path === '/' || path === '/index.html')) {
      if (!serveUi(res, 'index.html', base)) sendJson(res, 500, { error: 'the page is not built (run the package build)', code: 'not_built' });
      return;
    }
    if (req.method === 'GET' && (path === '/app.js' || path === '/app.css')) {
      if (!serveUi(res, path.slice(1), base)) sendJson(res, 404, { error: 'not found', code: 'not_found' });
      return;
    }
    const write = WRITES[path];
    const read = READS[path];
    if (!write && !read) return sendJson(res, 404, { error: 'not found', code: 'not_found' });
    if ((write && req.method !== 'POST') || (read && req.method !== 'GET')) {
      res.setHeader('Allow', write ? 'POST' : 'GET');
      return sendJson(res, 405, { error: `use ${write ? 'POST' : 'GET'}`, code: 'method_not_allowed' });
    }
    const d = await domainOf();
    const person = await guard.admit(req, d, { write: write !== undefined });
    const body = write ? await readJson(req) : undefined;
    const result = await (write ?? (read as Route))({ settings, domain: d, person, query: queryOf(url), body });
    res.setHeader(CSRF_HEADER, guard.csrfToken(person));
    sendJson(res, 200, result);
  };

  return (req, res, next) => {
    answer(req, res, next).catch((error: unknown) => {
      const e = toHttpError(error, report);
      if (res.headersSent) return res.end();
      sendJson(res, e.status, { error: e.message, code: e.code, ...e.details });
    });
  };
}
