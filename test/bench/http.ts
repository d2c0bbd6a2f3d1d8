// Keep-alive HTTP/1.1 connection pools (undici) per server. The load generator drives at most
// `connections` requests per server at once; undici opens connections lazily, so a
// concurrency-1 run uses one connection.
import { Pool } from 'undici';

export interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

export interface RequestSpec {
  readonly method: 'GET' | 'PUT' | 'POST';
  readonly path: string;
  readonly body?: string | Uint8Array;
  readonly headers?: Record<string, string>;
}

export function newPool(baseUrl: string, connections: number, longPoll = false): Pool {
  return new Pool(baseUrl, {
    connections,
    pipelining: 1,
    // Blocking queries and watch streams stay open for minutes; no client-side cut-off.
    ...(longPoll ? { headersTimeout: 0, bodyTimeout: 0 } : {}),
  });
}

export async function send(pool: Pool, spec: RequestSpec): Promise<Answer> {
  const res = await pool.request({
    method: spec.method,
    path: spec.path,
    ...(spec.body === undefined ? {} : { body: spec.body }),
    ...(spec.headers === undefined ? {} : { headers: spec.headers }),
  });
  return { status: res.statusCode, headers: res.headers, body: await res.body.text() };
}

/** Sends and insists on `expected` status; the error carries the body (servers explain there). */
export async function sendOk(pool: Pool, spec: RequestSpec, expected = 200): Promise<Answer> {
  const answer = await send(pool, spec);
  if (answer.status !== expected) throw new Error(`${spec.method} ${spec.path}: ${answer.status} ${answer.body.slice(0, 200)}`);
  return answer;
}
