/**
 * `@rowguard/adapters/conformance`: the kit an adapter author runs against a {@link HostSource} before trusting
 * it. Give it a {@link ConformanceHost} (the source, and a way to change users as the host would) and a
 * {@link ConformanceContext} (a domain and two static groups); every built-in adapter passes it.
 *
 * @example
 * ```ts
 * import { conformanceChecks } from '@rowguard/adapters/conformance';
 * for (const check of conformanceChecks) it(check.name, () => check.run(host, ctx));
 * ```
 *
 * @packageDocumentation
 */
export { conformanceChecks, runConformance, type ConformanceResult } from './conformance-checks.js';
export { ConformanceFailure, type ConformanceCheck, type ConformanceContext, type ConformanceHost } from './conformance-host.js';
export type { HostSource } from '../host/host-source.js';
