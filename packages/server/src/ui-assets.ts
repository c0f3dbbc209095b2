import { readFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';
import { securityHeaders } from './http-kit.js';

/** The page's files, built into `dist/ui` by the package build (the user's machine needs no build step). */
const UI_FILES: Readonly<Record<string, string>> = {
  'index.html': 'text/html; charset=utf-8',
  'app.js': 'text/javascript; charset=utf-8',
  'app.css': 'text/css; charset=utf-8',
};

const cache = new Map<string, Buffer>();

function uiFile(name: string): Buffer | undefined {
  let body = cache.get(name);
  if (!body) {
    // Beside this file in `dist/`; from the sources (tests), in the package's `dist/`.
    for (const dir of ['./ui/', '../dist/ui/']) {
      try {
        body = readFileSync(fileURLToPath(new URL(`${dir}${name}`, import.meta.url)));
        break;
      } catch {
        body = undefined;
      }
    }
    if (!body) return undefined;
    cache.set(name, body);
  }
  return body;
}

/**
 * Serves one of the page's built files (`index.html` for the page itself, with the base path filled in);
 * returns false when the name is not one of them.
 *
 * @example
 * ```ts
 * if (!serveUi(res, 'app.js', '/admin')) sendJson(res, 404, { error: 'not found' });
 * ```
 */
export function serveUi(res: ServerResponse, name: string, basePath: string): boolean {
  const type = UI_FILES[name];
  let body = type ? uiFile(name) : undefined;
  if (!type || !body) return false;
  if (name === 'index.html') body = Buffer.from(body.toString('utf8').replaceAll('__BASE__', basePath));
  securityHeaders(res);
  res.writeHead(200, { 'Content-Type': type, 'Content-Length': body.length, 'Cache-Control': name === 'index.html' ? 'no-store' : 'max-age=300' });
  res.end(body);
  return true;
}
