// The HTTP API listener. Node's defaults would cut Consul's blocking queries: requestTimeout
// is 5 minutes in Node 20, while a blocking query may wait 10 minutes plus wait/16 of jitter.
// So the request timeout sits above that, while headers and idle keep-alive stay bounded.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAdaptorServer } from '@hono/node-server';
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../routes/env.ts';

/** Longest blocking query (600 s + 600/16 s of jitter) plus a margin: never cut one short. */
export const REQUEST_TIMEOUT_MS = 11 * 60_000;
/** A client must send its headers within this; slow-loris connections are dropped. */
export const HEADERS_TIMEOUT_MS = 30_000;
/** Idle keep-alive connections close after this (Consul's clients reuse within seconds). */
export const KEEP_ALIVE_TIMEOUT_MS = 65_000;
/** Bound on the bytes of request headers (Node's default is 16 KiB; Consul's Go server 1 MiB). */
export const MAX_HEADER_BYTES = 64 * 1024;

export interface HttpListener {
  readonly server: Server;
  readonly port: number;
  close(): Promise<void>;
}

export async function listenHttp(app: OpenAPIHono<AppEnv>, host: string, port: number): Promise<HttpListener> {
  const server = createAdaptorServer({
    fetch: app.fetch,
    serverOptions: { maxHeaderSize: MAX_HEADER_BYTES, requestTimeout: REQUEST_TIMEOUT_MS, headersTimeout: HEADERS_TIMEOUT_MS, keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS },
  }) as Server;
  server.requestTimeout = REQUEST_TIMEOUT_MS;
  server.headersTimeout = HEADERS_TIMEOUT_MS;
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  server.timeout = 0;
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
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
