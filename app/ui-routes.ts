// The admin UI's static files under /ui/, in front of the HTTP API. The UI is built into
// ui/dist before the agent starts (scripts/ensure-deps.mjs); it talks only to /v1 like any
// client. Consul's routing quirks apply to the API alone, so /ui/ is answered before them: a
// look at the URL's first characters picks the app, so API requests pass one router, not two.
import { readFile } from 'node:fs/promises';
import { extname, resolve, sep } from 'node:path';
import { OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { AppEnv } from '../routes/env.ts';
import type { FetchHandler } from './http-server.ts';

export const UI_DIST = resolve(import.meta.dirname, '../ui/dist');

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.map': 'application/json',
};

/** Hashed asset names never change content: cache them for a year. Pages are always revalidated. */
const ASSET_CACHE = 'public, max-age=31536000, immutable';
const PAGE_CACHE = 'no-cache';
const NOT_BUILT = 'The admin UI is not built: run `node scripts/ensure-deps.mjs` (npm start and npm test do).\n';

async function sendFile(c: Context<AppEnv>, dist: string, file: string, cache: string): Promise<Response> {
  const path = resolve(dist, file);
  // The URL parser already removed dot segments; this guards the decoded path all the same.
  if (path !== dist && !path.startsWith(dist + sep)) return c.text('Not Found', 404);
  const body = await readFile(path).catch(() => null);
  if (body === null) return c.text(file.endsWith('.html') ? NOT_BUILT : 'Not Found', file.endsWith('.html') ? 503 : 404);
  return c.body(body, 200, { 'Content-Type': CONTENT_TYPES[extname(path)] ?? 'application/octet-stream', 'Cache-Control': cache });
}

function safeDecode(path: string): string | null {
  try {
    return decodeURIComponent(path);
  } catch {
    return null;
  }
}

/**
 * GET or HEAD of the bare root, /ui, or anything below /ui/ (query strings aside): the UI's.
 * Reads the absolute URL in place: this runs for every request.
 */
export function isUiRequest(method: string, url: string): boolean {
  if (method !== 'GET' && method !== 'HEAD') return false;
  const path = url.indexOf('/', url.indexOf('://') + 3);
  if (path < 0) return false;
  const SLASH = 47;
  const QUESTION = 63;
  const second = url.charCodeAt(path + 1);
  if (Number.isNaN(second) || second === QUESTION) return true;
  if (!url.startsWith('/ui', path)) return false;
  const fourth = url.charCodeAt(path + 3);
  return Number.isNaN(fourth) || fourth === SLASH || fourth === QUESTION;
}

/** Serves the UI at /ui/ and hands every other request to `api` unchanged (raw URL included). */
export function withAdminUi(api: FetchHandler, dist = UI_DIST): FetchHandler {
  const ui = new OpenAPIHono<AppEnv>();
  // Consul's agent with its UI enabled sends the bare root to the UI.
  ui.get('/', (c) => c.redirect('/ui/', 301));
  ui.get('/ui', (c) => c.redirect('/ui/', 301));
  ui.get('/ui/api', (c) => sendFile(c, dist, 'api.html', PAGE_CACHE));
  ui.get('/ui/assets/*', (c) => {
    const file = safeDecode(c.req.path.slice('/ui/'.length));
    return file === null ? c.text('Bad Request', 400) : sendFile(c, dist, file, ASSET_CACHE);
  });
  // Every other path below /ui/ is a route of the single-page app.
  ui.get('/ui/*', (c) => sendFile(c, dist, 'index.html', PAGE_CACHE));
  return { fetch: (request, env) => (isUiRequest(request.method, request.url) ? ui.fetch(request, env) : api.fetch(request, env)) };
}
