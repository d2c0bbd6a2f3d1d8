// Consul's routing behaviour in front of Hono's router, in the order Go applies it:
//   1. net/http: a malformed %-escape in the path → 400 "400 Bad Request";
//   2. cleanhttp: a non-printable character in the decoded path → 400, empty body;
//   3. ServeMux: an unclean path (//, /./, /../) → 301 to the cleaned path; "/v1/kv" → 301 to
//      "/v1/kv/"; no pattern → Consul's index handler: 404 with its text;
//   4. Consul's handler wrapper: X-Consul-Default-ACL-Policy; an unparseable query → 500;
//      OPTIONS → 200 with Allow; a method the endpoint lacks → 405 with Allow.
// Only then does Hono dispatch to the route's handler.
import type { Context } from 'hono';
import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../env.ts';
import type { EndpointTable } from '../lib/endpoint-table.ts';
import { isGoPrintable } from '../lib/go-strconv.ts';
import { cleanRequestPath, decodeRequestPath, escapePath, isParseableQuery } from '../lib/go-url.ts';
import { TEXT } from '../lib/respond.ts';

export const NOT_AN_API_ENDPOINT = 'Invalid URL path: not a recognized HTTP API endpoint\n';
export const NOT_UNDER_V1 = "Invalid URL path: if attempting to use the HTTP API, ensure the path starts with '/v1/'\n";
const INDEX_TEXT = 'Cairn Agent: the HTTP API is served under /v1/ and described at /openapi.json.';

/**
 * The request target exactly as the client sent it. Node's adapter exposes the raw
 * IncomingMessage as env.incoming; the Fetch Request's URL has dot segments resolved already,
 * which would hide the /./ and /../ that Consul redirects.
 */
function rawTarget(c: Context): { path: string; query: string } {
  const env = c.env as { incoming?: { url?: unknown } } | undefined;
  const incoming = env?.incoming?.url;
  let target: string;
  if (typeof incoming === 'string' && incoming.startsWith('/')) target = incoming;
  else {
    const url = new URL(c.req.url);
    target = url.pathname + url.search;
  }
  const q = target.indexOf('?');
  return q === -1 ? { path: target, query: '' } : { path: target.slice(0, q), query: target.slice(q + 1) };
}

function hasUnprintable(path: string): boolean {
  for (const ch of path) if (!isGoPrintable(ch)) return true;
  return false;
}

/** Go's http.Redirect with 301: Location, and a tiny HTML body for GET. */
function movedPermanently(c: Context, cleanPath: string, query: string): Response {
  const location = escapePath(cleanPath) + (query === '' ? '' : `?${query}`);
  const headers: Record<string, string> = { Location: location };
  if (c.req.method === 'GET' || c.req.method === 'HEAD') headers['Content-Type'] = 'text/html; charset=utf-8';
  const href = location.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&#34;').replace(/'/g, '&#39;');
  const body = c.req.method === 'GET' ? `<a href="${href}">Moved Permanently</a>.\n\n` : null;
  return new Response(body, { status: 301, headers });
}

const text = (body: string | null, status: number, headers: Record<string, string> = {}): Response =>
  new Response(body, { status, headers: body === null ? headers : { 'Content-Type': TEXT, ...headers } });

export function consulMux(table: () => EndpointTable, defaultAclPolicy: () => 'allow' | 'deny') {
  return createMiddleware<AppEnv>(async (c, next) => {
    const raw = rawTarget(c);
    const path = decodeRequestPath(raw.path);
    if (path === null) return text('400 Bad Request', 400);
    if (hasUnprintable(path)) return text(null, 400);
    const cleaned = cleanRequestPath(path);
    if (cleaned !== path) return movedPermanently(c, cleaned, raw.query);
    const redirect = table().slashRedirect(path);
    if (redirect !== null) return movedPermanently(c, redirect, raw.query);
    const endpoint = table().match(path);
    if (endpoint === null) {
      if (path === '/') return text(INDEX_TEXT, 200);
      return text(path.includes('/v1/') ? NOT_AN_API_ENDPOINT : NOT_UNDER_V1, 404);
    }
    c.header('X-Consul-Default-ACL-Policy', defaultAclPolicy());
    if (!isParseableQuery(raw.query)) return c.body(null, 500);
    const allow = ['OPTIONS', ...endpoint.methods].join(',');
    if (c.req.method === 'OPTIONS') return c.body(null, 200, { Allow: allow });
    if (!endpoint.methods.includes(c.req.method)) {
      return c.body(`method ${c.req.method} not allowed`, 405, { Allow: allow, 'Content-Type': TEXT });
    }
    return next();
  });
}
