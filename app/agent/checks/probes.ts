// One run of an HTTP or TCP check, with Consul's verdicts and output texts:
//   HTTP: 2xx passing, 429 warning, anything else (or no answer) critical; output
//         "HTTP GET <url>: 200 OK Output: <last bytes of the body>"; Go's client errors.
//   TCP:  connected → passing "TCP connect <addr>: Success"; else critical with Go's dial error.
// Go's http.Client follows up to 10 redirects unless DisableRedirects; so does this.
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect } from 'node:net';
import type { CheckStatus } from '../local-state.ts';
import { TailBuffer } from './output.ts';

export interface ProbeResult {
  readonly status: CheckStatus;
  readonly output: string;
}

export interface HttpProbe {
  readonly url: string;
  readonly method: string;
  readonly header: Readonly<Record<string, readonly string[]>>;
  readonly body: string;
  readonly disableRedirects: boolean;
  readonly tlsSkipVerify: boolean;
  readonly tlsServerName: string;
  readonly timeoutMs: number;
  readonly outputMax: number;
}

/** Consul's CheckHTTP User-Agent. */
export const USER_AGENT = 'Consul Health Check';
/** Go's http.Client stops after this many redirects. */
const MAX_REDIRECTS = 10;

/** Go's url.Error Op: the method with only its first letter upper-case ("Get", "Post"). */
const urlErrorOp = (method: string): string => method.slice(0, 1) + method.slice(1).toLowerCase();

/** The address part Go names in dial errors ("127.0.0.1:80"). */
function hostPort(url: URL): string {
  const port = url.port !== '' ? url.port : url.protocol === 'https:' ? '443' : '80';
  return `${url.hostname}:${port}`;
}

/** Node's socket errors in Go's words. */
export function dialError(address: string, err: NodeJS.ErrnoException): string {
  switch (err.code) {
    case 'ECONNREFUSED':
      return `dial tcp ${address}: connect: connection refused`;
    case 'ECONNRESET':
      return `read tcp ${address}: read: connection reset by peer`;
    case 'EHOSTUNREACH':
      return `dial tcp ${address}: connect: no route to host`;
    case 'ENETUNREACH':
      return `dial tcp ${address}: connect: network is unreachable`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `dial tcp: lookup ${address.replace(/:\d+$/, '')}: no such host`;
    case 'ETIMEDOUT':
      return `dial tcp ${address}: i/o timeout`;
    default:
      return err.message;
  }
}

function headersFor(probe: HttpProbe, url: URL): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, values] of Object.entries(probe.header)) out[name] = [...values];
  const has = (name: string): boolean => Object.keys(out).some((k) => k.toLowerCase() === name);
  if (!has('user-agent')) out['User-Agent'] = USER_AGENT;
  if (!has('accept')) out['Accept'] = 'text/plain, text/*, */*';
  if (!has('host')) out['Host'] = url.host;
  return out;
}

interface Exchange {
  readonly response: IncomingMessage;
  readonly body: string;
}

function exchange(url: URL, method: string, probe: HttpProbe, signal: AbortSignal): Promise<Exchange> {
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(url, {
      method,
      headers: headersFor(probe, url),
      agent: false,
      signal,
      rejectUnauthorized: !probe.tlsSkipVerify,
      ...(probe.tlsServerName === '' ? {} : { servername: probe.tlsServerName }),
    });
    req.on('error', reject);
    req.on('response', (response) => {
      const tail = new TailBuffer(probe.outputMax);
      response.on('data', (chunk: Buffer) => tail.write(chunk));
      response.on('error', reject);
      response.on('end', () => resolve({ response, body: tail.toString() }));
    });
    req.end(probe.body === '' ? undefined : probe.body);
  });
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** Runs the request, following redirects the way Go's client does (303, and 301/302 for non-GET, become GET). */
async function follow(probe: HttpProbe, signal: AbortSignal): Promise<Exchange> {
  let url = new URL(probe.url);
  let method = probe.method === '' ? 'GET' : probe.method;
  for (let hops = 0; ; hops++) {
    const result = await exchange(url, method, probe, signal);
    const location = result.response.headers.location;
    if (probe.disableRedirects || !REDIRECTS.has(result.response.statusCode ?? 0) || location === undefined) return result;
    if (hops + 1 >= MAX_REDIRECTS) throw new Error('stopped after 10 redirects');
    url = new URL(location, url);
    if ([301, 302, 303].includes(result.response.statusCode ?? 0) && method !== 'HEAD') method = 'GET';
  }
}

export async function probeHttp(probe: HttpProbe): Promise<ProbeResult> {
  const method = probe.method === '' ? 'GET' : probe.method;
  let url: URL;
  try {
    url = new URL(probe.url);
  } catch {
    return { status: 'critical', output: `parse "${probe.url}": invalid URL` };
  }
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), probe.timeoutMs);
  try {
    const { response, body } = await follow(probe, controller.signal);
    const code = response.statusCode ?? 0;
    const output = `HTTP ${method} ${probe.url}: ${code} ${response.statusMessage ?? ''} Output: ${body}`;
    return { status: code >= 200 && code <= 299 ? 'passing' : code === 429 ? 'warning' : 'critical', output };
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const why = controller.signal.aborted ? 'context deadline exceeded (Client.Timeout exceeded while awaiting headers)' : dialError(hostPort(url), e);
    return { status: 'critical', output: `${urlErrorOp(method)} "${probe.url}": ${why}` };
  } finally {
    clearTimeout(timer);
  }
}

export function probeTcp(address: string, timeoutMs: number): Promise<ProbeResult> {
  const at = address.lastIndexOf(':');
  const host = address.slice(0, at).replace(/^\[(.*)\]$/, '$1');
  const port = Number(address.slice(at + 1));
  if (at <= 0 || !Number.isInteger(port) || port <= 0 || port > 65535) {
    return Promise.resolve({ status: 'critical', output: `dial tcp: address ${address}: missing port in address` });
  }
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (result: ProbeResult): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => done({ status: 'critical', output: `dial tcp ${address}: i/o timeout` }), timeoutMs);
    socket.once('connect', () => done({ status: 'passing', output: `TCP connect ${address}: Success` }));
    socket.once('error', (err: NodeJS.ErrnoException) => done({ status: 'critical', output: dialError(address, err) }));
  });
}
