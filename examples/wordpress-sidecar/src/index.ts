/**
 * The WordPress sidecar example: a Node service beside a WordPress database that lists CRM contacts filtered
 * by rowguard and keeps them following WordPress's users with `@rowguard/adapters`.
 *
 * @packageDocumentation
 */
export { createWordpressSidecar, type WordpressSidecar, type ListedContact } from './wordpress-sidecar.js';
export { createWordpressStandIn, addWordpressUser, setWordpressRoles, deleteWordpressUser } from './wordpress-stand-in.js';
export { runDemo } from './sidecar-demo.js';
