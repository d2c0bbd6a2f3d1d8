// The agent's check machinery: status thresholds, output bounds, and HTTP/TCP probes against
// real loopback servers (redirects, disabled redirects, timeouts, headers, refused ports).
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { createServer as createTcpServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { outputLimit, TailBuffer, truncateOutput, DEFAULT_OUTPUT_MAX_SIZE } from '../../../app/agent/checks/output.ts';
import { probeHttp, probeTcp, USER_AGENT, type HttpProbe } from '../../../app/agent/checks/probes.ts';
import { StatusHandler } from '../../../app/agent/checks/status-handler.ts';

describe('StatusHandler (success_before_passing, failures_before_warning/critical)', () => {
  it('reports the first result at once, then only after the thresholds', () => {
    const seen: string[] = [];
    const h = new StatusHandler({ successBeforePassing: 2, failuresBeforeWarning: 1, failuresBeforeCritical: 3 }, (s) => seen.push(s));
    h.update('passing', '');
    h.update('critical', '');
    h.update('critical', '');
    h.update('critical', '');
    h.update('passing', '');
    h.update('passing', '');
    expect(seen).toEqual(['passing', 'warning', 'warning', 'critical', 'passing']);
  });

  it('with no thresholds every result is reported', () => {
    const seen: string[] = [];
    const h = new StatusHandler({ successBeforePassing: 0, failuresBeforeWarning: 0, failuresBeforeCritical: 0 }, (s) => seen.push(s));
    for (const s of ['passing', 'critical', 'warning'] as const) h.update(s, '');
    expect(seen).toEqual(['passing', 'critical', 'warning']);
  });
});

describe('output bounds', () => {
  it('keeps the last bytes of a body and truncates TTL output like Consul', () => {
    const tail = new TailBuffer(5);
    for (const chunk of ['abc', 'defg', 'hi']) tail.write(Buffer.from(chunk));
    expect(tail.toString()).toBe('efghi');
    expect(truncateOutput('x'.repeat(10), 4)).toBe('xxxx ... (captured 4 of 10 bytes)');
    expect(truncateOutput('short', 10)).toBe('short');
    expect([outputLimit(0), outputLimit(100), outputLimit(1 << 20)]).toEqual([DEFAULT_OUTPUT_MAX_SIZE, 100, DEFAULT_OUTPUT_MAX_SIZE]);
  });
});

describe('HTTP probe', () => {
  let server: Server;
  let base: string;
  let lastHeaders: IncomingHttpHeaders = {};
  beforeAll(async () => {
    server = createServer((req, res) => {
      lastHeaders = req.headers;
      if (req.url === '/redirect') return void res.writeHead(302, { Location: '/ok' }).end();
      if (req.url === '/slow') return void setTimeout(() => res.end('late'), 2_000);
      if (req.url === '/method') return void res.end(req.method);
      res.writeHead(200).end('fine');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => {
    server.closeAllConnections();
    server.close();
  });

  const probe = (over: Partial<HttpProbe>): HttpProbe => ({
    url: `${base}/ok`, method: '', header: {}, body: '', disableRedirects: false, tlsSkipVerify: false, tlsServerName: '', timeoutMs: 1_000, outputMax: 4096, ...over,
  });

  it('follows redirects like Go\'s client and sends Consul\'s headers', async () => {
    const r = await probeHttp(probe({ url: `${base}/redirect`, header: { 'X-Custom': ['1'] } }));
    expect(r).toEqual({ status: 'passing', output: `HTTP GET ${base}/redirect: 200 OK Output: fine` });
    expect(lastHeaders).toMatchObject({ 'user-agent': USER_AGENT, accept: 'text/plain, text/*, */*', 'x-custom': '1' });
  });

  it('DisableRedirects reports the redirect itself (critical)', async () => {
    const r = await probeHttp(probe({ url: `${base}/redirect`, disableRedirects: true }));
    expect(r).toEqual({ status: 'critical', output: `HTTP GET ${base}/redirect: 302 Found Output: ` });
  });

  it('uses the configured method and body', async () => {
    const r = await probeHttp(probe({ url: `${base}/method`, method: 'POST', body: 'x' }));
    expect(r.output).toBe(`HTTP POST ${base}/method: 200 OK Output: POST`);
  });

  it('a timeout and a refused connection are critical with Go\'s error texts', async () => {
    const slow = await probeHttp(probe({ url: `${base}/slow`, timeoutMs: 200 }));
    expect(slow).toEqual({ status: 'critical', output: `Get "${base}/slow": context deadline exceeded (Client.Timeout exceeded while awaiting headers)` });
    const closed = createTcpServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const refused = await probeHttp(probe({ url: `http://127.0.0.1:${port}/` }));
    expect(refused).toEqual({ status: 'critical', output: `Get "http://127.0.0.1:${port}/": dial tcp 127.0.0.1:${port}: connect: connection refused` });
  });
});

describe('TCP probe', () => {
  it('refuses an address without a port', async () => {
    expect(await probeTcp('localhost', 100)).toEqual({ status: 'critical', output: 'dial tcp: address localhost: missing port in address' });
  });
});
