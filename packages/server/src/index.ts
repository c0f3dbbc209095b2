/**
 * `@rowguard/server`: rowguard's admin page for the people who run the policy: the grant matrix (ACL roles x
 * groups), a person's view (what they see and may create, and why), a contact's view (who can see or edit it:
 * the reverse lookup), the audit log, and the policy file (dry run, apply, export). It is a Node `http` handler a
 * host mounts in its own app ({@link createAdminHandler}), or a standalone server on 127.0.0.1 with a one-time
 * login link ({@link startAdminServer}, behind `rowguard serve`). It uses only the public API of
 * `@rowguard/core` and `@rowguard/policy`; the page is built into the package.
 *
 * @example
 * ```ts
 * import { createAdminHandler } from '@rowguard/server';
 * const admin = createAdminHandler({ engine, domain: 'default', basePath: '/admin/rowguard', personOf: (req) => sessionPerson(req) });
 * http.createServer((req, res) => admin(req, res, () => myApp(req, res))).listen(8080);
 * ```
 *
 * @packageDocumentation
 */
export { createAdminHandler, type AdminHandler } from './admin-handler.js';
export { adminHandlerOptionsSchema, adminPersonSchema, type AdminHandlerOptions, type AdminPerson, type PersonOf } from './admin-options.js';
export { startAdminServer, standaloneOptionsSchema, SESSION_COOKIE, type StandaloneOptions, type StandaloneServer } from './standalone-server.js';
export { AdminHttpError } from './admin-errors.js';
export { CSRF_HEADER } from './request-guard.js';
export * from './api-schemas.js';
export type { GrantMatrix, CellEntry } from './matrix-api.js';
export type { PersonView, PersonRow } from './person-api.js';
