// Cairn as a target: N `cairn agent` processes on loopback (separate processes, own data
// directories, -bootstrap-expect N), driven through the Consul HTTP API exactly as a Consul
// client would: PUT/GET /v1/kv, PUT /v1/txn, blocking GET ?index=, /v1/snapshot.
import { execFileSync } from 'node:child_process';
import { createReadStream, createWriteStream, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import getPort from 'get-port';
import type { Pool } from 'undici';
import { newPool, send, sendOk } from '../http.ts';
import { ServerProcess } from '../server-process.ts';
import { MAX_TXN_OPS, type KeyValue, type ReadMode, type Target, type WatchGroup, type WatchHandlers, type Watcher } from './target.ts';

const ROOT = resolve(import.meta.dirname, '../../..');
/** Generous: a loaded 2-core machine needs a while even to start the precompiled server. */
const START_TIMEOUT_MS = 60_000;
/** A restarted server holding a million keys must serve within this, or the figure is a failure. */
const RESTART_TIMEOUT_MS = 120_000;
/** Longest blocking wait Consul allows; the watch run ends long before. */
const WATCH_WAIT = '10m';
/** Connections per server for request/response workloads (the highest concurrency used). */
const CONNECTIONS_PER_SERVER = 64;

const MODE_QUERY: Record<ReadMode, string> = { default: '', stale: '?stale', consistent: '?consistent' };
/**
 * Every watcher connects from 127.0.0.1, so Consul's default of 200 connections per client IP
 * would refuse most of 10 000 watchers; a Consul server benchmarked this way needs the same
 * setting. 0 = no limit.
 */
const BENCH_CONFIG = { limits: { http_max_conns_per_client: 0 } };

/**
 * Builds the checkout's precompiled server (dist/cairn.mjs) with this checkout's build script,
 * as `npm start` does: the servers run that, so a restart costs what a user's restart costs.
 */
export function buildCairnServer(checkout: string | null): void {
  execFileSync(process.execPath, [join(ROOT, 'scripts/build-server.mjs'), checkout ?? ROOT], { stdio: 'inherit' });
}

export interface CairnOptions {
  readonly size: number;
  readonly root: string;
  readonly profileDir: string | null;
  /** The checkout whose `cairn agent` runs (default: this one); another one gives an A/B comparison. */
  readonly checkout?: string;
}

export class CairnTarget implements Target {
  readonly system = 'cairn' as const;
  readonly restoreKind = 'online, whole cluster';
  private servers: ServerProcess[] = [];
  private urls: string[] = [];
  private clusterAddresses: string[] = [];
  private pools: Pool[] = [];

  constructor(private readonly options: CairnOptions) {}

  get size(): number {
    return this.options.size;
  }

  async start(): Promise<void> {
    const { size, root, profileDir } = this.options;
    const checkout = this.options.checkout ?? ROOT;
    const ports: { http: number; cluster: number }[] = [];
    for (let i = 0; i < size; i++) ports.push({ http: await getPort({ host: '127.0.0.1' }), cluster: await getPort({ host: '127.0.0.1' }) });
    const join_ = ports.flatMap((p) => ['-retry-join', `127.0.0.1:${p.cluster}`]);
    this.urls = ports.map((p) => `http://127.0.0.1:${p.http}`);
    this.clusterAddresses = ports.map((p) => `127.0.0.1:${p.cluster}`);
    this.servers = ports.map((p, i) => {
      const dataDir = join(root, `cairn-${i + 1}`);
      mkdirSync(dataDir, { recursive: true });
      const configFile = join(root, `cairn-${i + 1}.json`);
      writeFileSync(configFile, JSON.stringify(BENCH_CONFIG));
      const profile = profileDir === null ? [] : ['--cpu-prof', '--cpu-prof-dir', join(profileDir, `cairn-${size}x-s${i + 1}`)];
      return new ServerProcess({
        name: `cairn-s${i + 1}`,
        command: process.execPath,
        args: [...profile, '--enable-source-maps', join(checkout, 'dist/cairn.mjs'), 'agent', '-server', '-node', `s${i + 1}`, '-data-dir', dataDir,
          '-bind', '127.0.0.1', '-client', '127.0.0.1', '-http-port', String(p.http), '-server-port', String(p.cluster),
          '-bootstrap-expect', String(size), '-config-file', configFile, ...join_],
        cwd: checkout,
      });
    });
    this.pools = this.urls.map((u) => newPool(u, CONNECTIONS_PER_SERVER));
    await Promise.all(this.servers.map((s, i) => s.start(() => this.hasLeader(i), START_TIMEOUT_MS)));
    // Every server forwards writes once it knows the leader; one write proves the path.
    await Promise.all(this.servers.map((_, i) => this.put(i, `bench/ready/${i}`, new Uint8Array([1]))));
  }

  private async hasLeader(i: number): Promise<boolean> {
    const answer = await send(this.pools[i]!, { method: 'GET', path: '/v1/status/leader' });
    return answer.status === 200 && answer.body !== '""';
  }

  async stop(): Promise<void> {
    await Promise.all(this.pools.map((p) => p.close()));
    await Promise.all(this.servers.map((s) => s.stop('SIGTERM')));
  }

  async put(server: number, key: string, value: Uint8Array): Promise<void> {
    const answer = await sendOk(this.pools[server]!, { method: 'PUT', path: `/v1/kv/${key}`, body: value });
    if (answer.body !== 'true') throw new Error(`PUT ${key}: ${answer.body}`);
  }

  async get(server: number, key: string, mode: ReadMode): Promise<void> {
    await sendOk(this.pools[server]!, { method: 'GET', path: `/v1/kv/${key}${MODE_QUERY[mode]}` });
  }

  async putMany(server: number, entries: readonly KeyValue[]): Promise<void> {
    if (entries.length > MAX_TXN_OPS) throw new Error(`a transaction takes at most ${MAX_TXN_OPS} operations`);
    const ops = entries.map((e) => ({ KV: { Verb: 'set', Key: e.key, Value: Buffer.from(e.value).toString('base64') } }));
    await sendOk(this.pools[server]!, { method: 'PUT', path: '/v1/txn', body: JSON.stringify(ops) });
  }

  watchGroup(watchersPerServer: number): WatchGroup {
    const pools = this.urls.map((u) => newPool(u, watchersPerServer + 1, true));
    const closers = new Set<() => void>();
    return {
      watch: (server, key, handlers) => {
        const w = blockingWatch(pools[server]!, key, handlers);
        closers.add(w.close);
        return w;
      },
      close: async () => {
        for (const c of closers) c();
        await Promise.all(pools.map((p) => p.destroy()));
      },
    };
  }

  async leader(): Promise<number> {
    const answer = await sendOk(this.pools[0]!, { method: 'GET', path: '/v1/status/leader' });
    const i = this.clusterAddresses.indexOf(JSON.parse(answer.body) as string);
    if (i < 0) throw new Error(`no known leader: ${answer.body}`);
    return i;
  }

  async restart(server: number, probeKey: string): Promise<number> {
    const s = this.servers[server]!;
    await s.stop('SIGKILL');
    const t0 = performance.now();
    const probe = async (): Promise<boolean> => (await send(this.pools[server]!, { method: 'GET', path: `/v1/kv/${probeKey}` })).status === 200;
    await s.start(probe, RESTART_TIMEOUT_MS);
    return performance.now() - t0;
  }

  async snapshotSave(file: string): Promise<void> {
    const res = await this.pools[0]!.request({ method: 'GET', path: '/v1/snapshot', headersTimeout: 0, bodyTimeout: 0 });
    if (res.statusCode !== 200) throw new Error(`GET /v1/snapshot: ${res.statusCode} ${await res.body.text()}`);
    await pipeline(res.body, createWriteStream(file));
  }

  async snapshotRestore(file: string): Promise<void> {
    const res = await this.pools[0]!.request({ method: 'PUT', path: '/v1/snapshot', body: createReadStream(file), headersTimeout: 0, bodyTimeout: 0 });
    const text = await res.body.text();
    if (res.statusCode !== 200) throw new Error(`PUT /v1/snapshot: ${res.statusCode} ${text}`);
  }

  cpuSeconds(): number {
    return this.servers.reduce((sum, s) => sum + s.cpuSeconds(), 0);
  }

  rssMiB(): number[] {
    return this.servers.map((s) => s.rssMiB());
  }

  logs(): string {
    return this.servers.map((s) => s.tail()).join('\n');
  }
}

/** Consul's watch loop: read, then block on ?index= until the index moves; every move is a notification. */
function blockingWatch(pool: Pool, key: string, handlers: WatchHandlers): Watcher {
  const abort = new AbortController();
  let armed!: () => void;
  const armedP = new Promise<void>((r) => (armed = r));
  const loop = async (): Promise<void> => {
    let index = 0;
    for (let first = true; !abort.signal.aborted; first = false) {
      const path = first ? `/v1/kv/${key}` : `/v1/kv/${key}?index=${index}&wait=${WATCH_WAIT}`;
      const res = await pool.request({ method: 'GET', path, signal: abort.signal });
      const body = await res.body.text();
      if (res.statusCode !== 200) throw new Error(`GET ${path}: ${res.statusCode} ${body.slice(0, 200)}`);
      const next = Number(res.headers['x-consul-index']);
      if (first) armed();
      else if (next > index) handlers.onValue(Buffer.from((JSON.parse(body) as { Value: string }[])[0]!.Value, 'base64').toString());
      // Consul's rule for clients: an index that went backwards resets the watch.
      index = next < index ? 0 : next;
    }
  };
  loop().catch((err: unknown) => {
    if (!abort.signal.aborted) handlers.onError(err);
    armed(); // a watcher that failed (and was counted) never holds up the arming of the rest
  });
  return { armed: armedP, close: () => abort.abort() };
}
