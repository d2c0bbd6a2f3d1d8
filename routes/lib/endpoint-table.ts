// Consul registers each endpoint on a Go ServeMux pattern with its allowed methods; the mux
// picks the longest matching pattern, and a pattern ending in '/' is a prefix whose remainder
// (KV keys, session IDs, node names) may itself contain '/'. This table is built from the Hono
// routes once every router is mounted, so routing quirks and handlers cannot disagree.

export interface Endpoint {
  /** "/v1/status/leader" (exact) or "/v1/kv/" (prefix). */
  readonly pattern: string;
  readonly prefix: boolean;
  /** In registration order, as Consul lists them in Allow. */
  readonly methods: readonly string[];
}

export interface RegisteredRoute {
  readonly method: string;
  readonly path: string;
}

/** A Hono path whose last segment is a parameter ("/v1/kv/:key{.*}") is a ServeMux prefix. */
function toPattern(path: string): { pattern: string; prefix: boolean } {
  const param = path.indexOf('/:');
  if (param === -1) return { pattern: path, prefix: false };
  const tail = path.slice(param + 1);
  if (tail.includes('/')) throw new Error(`route ${path}: only a trailing path parameter is supported`);
  return { pattern: path.slice(0, param + 1), prefix: true };
}

export class EndpointTable {
  private readonly exact = new Map<string, Endpoint>();
  /** Longest first, so the first match is the one ServeMux would pick. */
  private readonly prefixes: Endpoint[] = [];

  constructor(routes: readonly RegisteredRoute[]) {
    const methods = new Map<string, { prefix: boolean; methods: string[] }>();
    for (const route of routes) {
      if (route.method === 'ALL') continue; // middleware, not an endpoint
      const { pattern, prefix } = toPattern(route.path);
      const entry = methods.get(pattern) ?? { prefix, methods: [] };
      if (!entry.methods.includes(route.method)) entry.methods.push(route.method);
      methods.set(pattern, entry);
    }
    for (const [pattern, { prefix, methods: allowed }] of methods) {
      const endpoint: Endpoint = { pattern, prefix, methods: allowed };
      if (prefix) this.prefixes.push(endpoint);
      else this.exact.set(pattern, endpoint);
    }
    this.prefixes.sort((a, b) => b.pattern.length - a.pattern.length);
  }

  /** The endpoint serving a (decoded, clean) path, or null for none. */
  match(path: string): Endpoint | null {
    const exact = this.exact.get(path);
    if (exact) return exact;
    return this.prefixes.find((e) => path.startsWith(e.pattern)) ?? null;
  }

  /** ServeMux's "/tree → /tree/" redirect target, when only the prefix pattern exists. */
  slashRedirect(path: string): string | null {
    if (path === '' || path.endsWith('/') || this.exact.has(path)) return null;
    const withSlash = `${path}/`;
    return this.prefixes.some((e) => e.pattern === withSlash) ? withSlash : null;
  }
}
