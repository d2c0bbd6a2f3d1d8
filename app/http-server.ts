// The HTTP API listener and the limits that keep one client from starving the others:
// connections per client IP (Consul's limits.http_max_conns_per_client, answered as Consul's
// connlimit does: a bare 429 line and a close), the size of request headers and the time a
// client may take to send them (slow-loris), and the number of blocking queries waiting at
// once (past it a new one is refused with 429 instead of holding memory and a socket).
//
// Node's defaults would cut Consul's blocking queries: requestTimeout is 5 minutes in Node 20,
// while a blocking query may wait 10 minutes plus wait/16 of jitter. So the request timeout
// sits above that, while headers and idle keep-alive stay bounded.
import type { IncomingMessage, Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { createAdaptorServer, type Http2Bindings, type HttpBindings } from '@hono/node-server';

/** Longest blocking query (600 s + 600/16 s of jitter) plus a margin: never cut one short. */
export const REQUEST_TIMEOUT_MS = 11 * 60_000;
/** Idle keep-alive connections close after this (Consul's clients reuse within seconds). */
export const KEEP_ALIVE_TIMEOUT_MS = 65_000;
/** How often Node looks for connections past the header timeout (its default is 30 s). */
const CONNECTIONS_CHECK_MS = 1_000;

export interface HttpServerLimits {
  /** limits.http_max_conns_per_client: concurrent connections per client IP; 0 for no limit. */
  readonly maxConnsPerClient: number;
  /** limits.http_max_header_bytes: request line plus headers; past it Node answers 431. */
  readonly maxHeaderBytes: number;
  /** limits.http_read_header_timeout: a client must send its headers within this (slow-loris). */
  readonly readHeaderTimeoutMs: number;
  /** limits.max_blocking_queries: blocking queries waiting at once; past it, 429. */
  readonly maxBlockingQueries: number;
}

export const DEFAULT_HTTP_SERVER_LIMITS: HttpServerLimits = {
  maxConnsPerClient: 200,
  // Node's default is 16 KiB, Go's (Consul's) 1 MiB; ACL tokens and filters fit well within this.
  maxHeaderBytes: 64 * 1024,
  readHeaderTimeoutMs: 30_000,
  maxBlockingQueries: 20_000,
};

/** Consul's connlimit answer to a connection over the per-client limit. */
const CONN_LIMIT_REFUSAL = 'HTTP/1.1 429 client connection limit reached\r\n\r\n';
const CONNECT_REFUSAL = 'method CONNECT not allowed';

export interface HttpListener {
  readonly server: Server;
  readonly port: number;
  /** Blocking queries waiting now. */
  blockingQueries(): number;
  close(): Promise<void>;
}

/** Consul blocks on ?index (a uint64 above 0) and, for the agent's endpoints, on ?hash. */
function isBlockingQuery(req: IncomingMessage): boolean {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  const q = req.url?.indexOf('?') ?? -1;
  if (q === -1 || req.url === undefined) return false;
  const params = new URLSearchParams(req.url.slice(q + 1));
  const index = params.get('index');
  return (index !== null && /^0*[1-9][0-9]*$/.test(index)) || (params.get('hash') ?? '') !== '';
}

/**
 * Counts connections per client IP. One over the limit gets Consul's 429 line and is closed;
 * it goes into `refused` so that a request already sent on it never runs.
 */
function limitConnections(server: Server, maxPerClient: number, open: Set<Socket>, refused: WeakSet<Socket>): void {
  const perClient = new Map<string, number>();
  server.prependListener('connection', (socket: Socket) => {
    open.add(socket);
    socket.once('close', () => open.delete(socket));
    const client = socket.remoteAddress ?? '';
    const count = perClient.get(client) ?? 0;
    if (maxPerClient > 0 && count >= maxPerClient) {
      refused.add(socket);
      socket.on('error', () => undefined);
      socket.end(CONN_LIMIT_REFUSAL);
      return;
    }
    perClient.set(client, count + 1);
    socket.once('close', () => {
      const left = (perClient.get(client) ?? 1) - 1;
      if (left === 0) perClient.delete(client);
      else perClient.set(client, left);
    });
  });
}

/** What the listener serves: a Hono app, or anything with its fetch (e.g. withAdminUi's). */
export interface FetchHandler {
  fetch(request: Request, env: HttpBindings | Http2Bindings): Response | Promise<Response>;
}

export async function listenHttp(app: FetchHandler, host: string, port: number, limits: HttpServerLimits = DEFAULT_HTTP_SERVER_LIMITS): Promise<HttpListener> {
  let blocking = 0;
  const refused = new WeakSet<Socket>();
  const fetch = async (request: Request, env: HttpBindings | Http2Bindings): Promise<Response> => {
    const incoming = env.incoming as IncomingMessage;
    // Sent on a connection refused over the per-client limit: never run (the socket is closed).
    if (refused.has(incoming.socket)) return new Response(null, { status: 429 });
    if (!isBlockingQuery(incoming)) return app.fetch(request, env);
    if (blocking >= limits.maxBlockingQueries) {
      return new Response(`Too many blocking queries: ${limits.maxBlockingQueries} are waiting (limits.max_blocking_queries)`, { status: 429, headers: { 'Content-Type': 'text/plain; charset=utf-8' } });
    }
    blocking++;
    try {
      return await app.fetch(request, env);
    } finally {
      blocking--;
    }
  };
  const server = createAdaptorServer({
    fetch,
    serverOptions: {
      maxHeaderSize: limits.maxHeaderBytes, requestTimeout: REQUEST_TIMEOUT_MS, headersTimeout: limits.readHeaderTimeoutMs,
      keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS, connectionsCheckingInterval: Math.min(CONNECTIONS_CHECK_MS, limits.readHeaderTimeoutMs),
    },
  }) as Server;
  server.requestTimeout = REQUEST_TIMEOUT_MS;
  server.headersTimeout = limits.readHeaderTimeoutMs;
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  server.timeout = 0;
  const open = new Set<Socket>();
  limitConnections(server, limits.maxConnsPerClient, open, refused);
  // Node hands CONNECT to a 'connect' listener and drops the connection without one; Go's mux
  // routes it like any method, and no Consul endpoint allows it.
  server.on('connect', (_req: IncomingMessage, socket: Duplex) => {
    socket.end(`HTTP/1.1 405 Method Not Allowed\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${CONNECT_REFUSAL.length}\r\nConnection: close\r\n\r\n${CONNECT_REFUSAL}`);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = (server.address() as AddressInfo).port;
  return {
    server,
    port: bound,
    blockingQueries: () => blocking,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Every socket: idle keep-alives, waiting blocking queries, refused ones, CONNECT.
        for (const socket of open) socket.destroy();
      }),
  };
}
