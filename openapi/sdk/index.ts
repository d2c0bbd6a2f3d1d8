// Cairn's typed SDK: openapi-fetch over the types openapi-typescript generates from the committed
// OpenAPI document, plus the few things Consul's API needs beyond plain typed fetch — the ACL
// token header, the query-meta headers of blocking reads, and raw (base64-free) KV values.
import createClient, { type Client, type Middleware } from 'openapi-fetch';
import type { components, paths } from './schema.d.ts';

export type { components, paths };
export type CairnClient = Client<paths>;

export interface CairnClientOptions {
  /** The agent's HTTP address, e.g. "http://127.0.0.1:8500" (default). */
  readonly baseUrl?: string;
  /** ACL token sent as X-Consul-Token on every request. */
  readonly token?: string;
  /** A fetch implementation (default: the global one). */
  readonly fetch?: (request: Request) => Promise<Response>;
}

export const DEFAULT_BASE_URL = 'http://127.0.0.1:8500';

/** A client for every route of the document: `client.GET('/v1/kv/{key}', { params: … })`. */
export function createCairnClient(options: CairnClientOptions = {}): CairnClient {
  const client = createClient<paths>({
    baseUrl: options.baseUrl ?? DEFAULT_BASE_URL,
    ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
    // Consul's rest-of-path parameters (KV keys, service names) keep their slashes.
    pathSerializer: (path, params) => path.replace(/\{(\w+)\}/g, (_m, name: string) => encodeRestOfPath(String(params[name] ?? ''))),
  });
  const token = options.token;
  if (token !== undefined && token !== '') {
    const auth: Middleware = {
      onRequest({ request }) {
        request.headers.set('X-Consul-Token', token);
        return request;
      },
    };
    client.use(auth);
  }
  return client;
}

/** Percent-encodes a path parameter segment by segment, so "a/b c" stays two segments. */
export const encodeRestOfPath = (value: string): string => value.split('/').map(encodeURIComponent).join('/');

/** The query metadata of a read (Consul's X-Consul-* headers). */
export interface QueryMeta {
  /** X-Consul-Index: pass it back as `index` to block until the result changes. */
  readonly index: number;
  readonly knownLeader: boolean;
  readonly lastContactMs: number;
}

export function queryMeta(response: Response): QueryMeta {
  const index = Number(response.headers.get('X-Consul-Index') ?? '0');
  return {
    index: Number.isSafeInteger(index) && index > 0 ? index : 0,
    knownLeader: response.headers.get('X-Consul-KnownLeader') === 'true',
    lastContactMs: Number(response.headers.get('X-Consul-LastContact') ?? '0'),
  };
}

/**
 * Serializers for `PUT /v1/kv/{key}`, whose body is the raw value: pass as
 * `{ body: 'text', ...rawBody }` (or a Uint8Array) so openapi-fetch does not JSON-encode it.
 */
export const rawBody = {
  bodySerializer: (body: unknown): string | Uint8Array => (typeof body === 'string' || body instanceof Uint8Array ? body : String(body)),
  headers: { 'Content-Type': 'application/octet-stream' },
} as const;

/** A DirEntry's value decoded from base64 as UTF-8 text ("" for a null value). */
export const decodeValue = (value: string | null | undefined): string => (value === null || value === undefined ? '' : Buffer.from(value, 'base64').toString('utf8'));
