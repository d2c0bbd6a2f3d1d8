// The HTTP limits of a real server process, each configured small (JSON config, Consul's key
// names where Consul has them) and each shown to hold while other clients are still served:
// connections per client IP, slow-loris header timeouts, header size, body size and the
// number of blocking queries; and a batch of refused requests that leaves the Raft log as it
// was. Clients come from distinct loopback addresses, as distinct hosts would.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../app/config.ts';
import type { AgentProcess } from '../support/agent-process.ts';
import { raftLastIndex, startSmallCluster, type SmallCluster } from '../support/disk-faults.ts';
import { waitFor } from '../support/wait.ts';

const LIMITS = {
  http_max_conns_per_client: 4,
  http_max_header_bytes: 8192,
  http_read_header_timeout: '1s',
  max_blocking_queries: 2,
  kv_max_value_size: 1024,
};
/** Every exchange with the server is bounded by this. */
const IO_MS = 10_000;

let root: string;
let cluster: SmallCluster;
let server: AgentProcess;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'cairn-limits-'));
  const configFile = join(root, 'config.json');
  writeFileSync(configFile, JSON.stringify({ limits: LIMITS }));
  cluster = await startSmallCluster([{ dataDir: join(root, 's1') }], ['-config-file', configFile]);
  server = cluster.servers[0]!;
  await cluster.leader();
});

afterAll(async () => {
  await cluster.stop();
  rmSync(root, { recursive: true, force: true });
});

/** A connection from `from` (a loopback address) to the server's HTTP port. */
async function open(from: string): Promise<Socket> {
  const socket = connect({ host: '127.0.0.1', port: server.options.httpPort, localAddress: from });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  return socket;
}

/** Everything the server sends on `socket` until it closes it (bounded). */
function drain(socket: Socket, timeoutMs = IO_MS): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => reject(new Error(`the server did not close the connection within ${timeoutMs} ms`)), timeoutMs);
    socket.on('data', (d: Buffer) => chunks.push(d));
    socket.on('error', () => undefined);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString('latin1'));
    });
  });
}

/** One request on a fresh connection from `from`; the raw answer. */
async function exchange(from: string, request: string): Promise<string> {
  const socket = await open(from);
  const answer = drain(socket);
  socket.write(request);
  return answer;
}

const get = (path: string, extra = ''): string => `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n${extra}\r\n`;
const status = (raw: string): number => Number(/^HTTP\/1\.1 (\d{3})/.exec(raw)?.[1] ?? 0);

describe('connections per client IP (limits.http_max_conns_per_client)', () => {
  it('refuses the connection past the limit with Consul\'s 429, serves other clients, and frees the slot on close', async () => {
    const held = await Promise.all(Array.from({ length: LIMITS.http_max_conns_per_client }, () => open('127.0.0.5')));
    try {
      // A request sent on the refused connection never runs.
      const refused = await exchange('127.0.0.5', 'PUT /v1/kv/refused-connection HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1\r\n\r\nv');
      expect(refused).toBe('HTTP/1.1 429 client connection limit reached\r\n\r\n');
      expect(status(await exchange('127.0.0.6', get('/v1/status/leader')))).toBe(200);
    } finally {
      for (const s of held) s.destroy();
    }
    await waitFor(async () => (status(await exchange('127.0.0.5', get('/v1/status/leader'))) === 200 ? true : undefined), { timeoutMs: IO_MS, what: 'the slots to be freed' });
    expect(status(await exchange('127.0.0.5', get('/v1/kv/refused-connection')))).toBe(404);
  });
});

describe('slow-loris (limits.http_read_header_timeout)', () => {
  it('drops connections that trickle their headers, while other clients are served at once', async () => {
    const loris = await Promise.all(Array.from({ length: 3 }, () => open('127.0.0.7')));
    const closed = loris.map((s) => drain(s));
    const started = performance.now();
    // A byte of headers every 200 ms, never finishing (bounded by the sockets closing).
    const trickle = setInterval(() => {
      for (const s of loris) if (!s.destroyed) s.write('X');
    }, 200);
    try {
      for (const s of loris) s.write('GET /v1/status/leader HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ');
      const served = performance.now();
      expect(status(await exchange('127.0.0.8', get('/v1/status/leader')))).toBe(200);
      expect(performance.now() - served).toBeLessThan(1_000);
      const answers = await Promise.all(closed);
      // Node answers 408 and closes once the header timeout (checked every second) has passed.
      for (const a of answers) expect(a === '' || status(a) === 408, a).toBe(true);
      expect(performance.now() - started).toBeLessThan(5_000);
    } finally {
      clearInterval(trickle);
      for (const s of loris) s.destroy();
    }
  });
});

describe('header size (limits.http_max_header_bytes)', () => {
  it('answers 431 past the limit and serves headers within it', async () => {
    expect(status(await exchange('127.0.0.9', get('/v1/status/leader', `X-Big: ${'a'.repeat(10_000)}\r\n`)))).toBe(431);
    expect(status(await exchange('127.0.0.9', get('/v1/status/leader', `X-Big: ${'a'.repeat(4_000)}\r\n`)))).toBe(200);
  });
});

describe('body size (limits.kv_max_value_size)', () => {
  it('refuses a larger value with Consul\'s 413 before it reaches Raft', async () => {
    const before = await raftLastIndex(server);
    const body = 'v'.repeat(LIMITS.kv_max_value_size + 1);
    const answer = await exchange('127.0.0.10', `PUT /v1/kv/big HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
    expect(status(answer)).toBe(413);
    expect(answer).toContain(`Request body(${body.length} bytes) too large, max size: ${LIMITS.kv_max_value_size} bytes.`);
    expect(await raftLastIndex(server)).toBe(before);
  });
});

describe('blocking queries (limits.max_blocking_queries)', () => {
  it('refuses one more with 429 while the limit waits, serves plain reads, and accepts again once they end', async () => {
    const first = await fetch(server.url('/v1/kv/blocking'), { signal: AbortSignal.timeout(IO_MS) });
    const index = first.headers.get('x-consul-index')!;
    const blocking = (): Promise<string> => exchange('127.0.0.11', get(`/v1/kv/blocking?index=${index}&wait=30s`));
    const waiting = Array.from({ length: LIMITS.max_blocking_queries }, blocking);
    // Both are waiting once a third is refused (they were sent first; bounded by IO_MS).
    const refused = await waitFor(async () => {
      const a = await exchange('127.0.0.12', get(`/v1/kv/blocking?index=${index}&wait=30s`));
      return status(a) === 429 ? a : undefined;
    }, { timeoutMs: IO_MS, what: 'a blocking query to be refused' });
    expect(refused).toContain('Too many blocking queries: 2 are waiting (limits.max_blocking_queries)');
    expect(status(await exchange('127.0.0.12', get('/v1/kv/blocking')))).toBe(404);

    // A write wakes both; then a blocking query is accepted again (it returns at once: index moved).
    expect(await (await fetch(server.url('/v1/kv/blocking'), { method: 'PUT', body: 'x', signal: AbortSignal.timeout(IO_MS) })).text()).toBe('true');
    for (const a of await Promise.all(waiting)) expect(status(a)).toBe(200);
    expect(status(await exchange('127.0.0.12', get(`/v1/kv/blocking?index=${index}&wait=30s`)))).toBe(200);
  });
});

describe('a batch of refused requests against the real server', () => {
  it('leaves the Raft log as it was, and the server still serves', async () => {
    const before = await raftLastIndex(server);
    const put = (path: string, body: string): string => `PUT ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
    const refused = [
      put('/v1/txn', '{"not":"an array"}'),
      put('/v1/txn', `${'['.repeat(20_000)}${']'.repeat(20_000)}`.slice(0, 1000)),
      put('/v1/session/create', '{"TTL":"1ns"}'),
      put('/v1/session/create', '{"Behavior":"explode"}'),
      put('/v1/catalog/register', '{"Node":""}'),
      put('/v1/kv/x?cas=-1', 'v'),
      put('/v1/kv/x?acquire=not-a-session', 'v'),
      put('/v1/kv/?recurse', 'v'),
      put('/v1/agent/service/register', '{"Name":1e400}'),
      put('/v1/agent/check/register', `${'{"a":'.repeat(12_000)}1${'}'.repeat(12_000)}`.slice(0, 1000)),
      put('/v1/coordinate/update', '[[[[['),
      put('/v1/event/fire/x?node=%zz', ''),
      `PUT /v1/kv/%ff%fe HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Length: 1\r\n\r\nv`,
      `FOO /v1/kv/x HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`,
    ];
    for (const r of refused) {
      const answer = await exchange('127.0.0.13', r);
      expect(status(answer), `${r.slice(0, 60)} → ${answer.slice(0, 200)}`).toBeGreaterThanOrEqual(400);
    }
    expect(await raftLastIndex(server)).toBe(before);
    expect(status(await exchange('127.0.0.13', get('/v1/kv/?recurse')))).toBe(200);
  });
});

describe('the limits configuration', () => {
  const load = (limits: Record<string, unknown>) =>
    loadConfig({ argv: ['-data-dir', '/x', '-config-file', 'c.json'], env: {}, hostname: 'h', readFile: () => JSON.stringify({ limits }) });

  it('takes Consul\'s names, 0 as "no limit" for connections, and refuses a bad duration', () => {
    const ok = load(LIMITS);
    expect(ok.ok && ok.config.limits).toEqual({
      httpMaxConnsPerClient: 4, kvMaxValueSize: 1024, txnMaxReqLen: 512 * 1024, maxBlockingQueries: 2, httpMaxHeaderBytes: 8192, httpReadHeaderTimeoutMs: 1000,
    });
    const unlimited = load({ http_max_conns_per_client: 0 });
    expect(unlimited.ok && unlimited.config.limits.httpMaxConnsPerClient).toBe(0);
    expect(load({ http_read_header_timeout: 'soon' })).toEqual({ ok: false, error: 'limits.http_read_header_timeout: invalid duration "soon"' });
    const defaults = load({});
    expect(defaults.ok && defaults.config.limits).toEqual({
      httpMaxConnsPerClient: 200, kvMaxValueSize: 512 * 1024, txnMaxReqLen: 512 * 1024, maxBlockingQueries: 20_000, httpMaxHeaderBytes: 64 * 1024, httpReadHeaderTimeoutMs: 30_000,
    });
  });
});
