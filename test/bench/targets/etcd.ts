// etcd as a target: N `etcd` processes on loopback (data dirs under the run's temp dir, fsync
// on — --unsafe-no-fsync is never set), driven through the v3 JSON gateway that etcd serves
// on its client port: /v3/kv/put, /v3/kv/range, /v3/kv/txn, /v3/watch, base64 keys and values.
import { execFile } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import getPort from 'get-port';
import type { Pool } from 'undici';
import { newPool, send, sendOk } from '../http.ts';
import { ServerProcess } from '../server-process.ts';
import { MAX_TXN_OPS, type KeyValue, type ReadMode, type Target, type WatchGroup, type WatchHandlers, type Watcher } from './target.ts';

const run = promisify(execFile);
const START_TIMEOUT_MS = 60_000;
const RESTART_TIMEOUT_MS = 120_000;
const CONNECTIONS_PER_SERVER = 64;
/** etcdctl output of a million-key snapshot is small; this bounds what we buffer. */
const ETCDCTL_MAX_BUFFER = 16 * 1024 * 1024;

const b64 = (s: string | Uint8Array): string => Buffer.from(s).toString('base64');

interface Member {
  readonly name: string;
  readonly client: string;
  readonly peer: string;
}

export interface EtcdOptions {
  readonly size: number;
  readonly root: string;
  readonly binary: string;
  readonly etcdctl: string | null;
}

export class EtcdTarget implements Target {
  readonly system = 'etcd' as const;
  readonly restoreKind = 'offline, one member';
  private members: Member[] = [];
  private servers: ServerProcess[] = [];
  private pools: Pool[] = [];

  constructor(private readonly options: EtcdOptions) {}

  get size(): number {
    return this.options.size;
  }

  async start(): Promise<void> {
    const { size, root, binary } = this.options;
    for (let i = 0; i < size; i++) {
      const [c, p] = [await getPort({ host: '127.0.0.1' }), await getPort({ host: '127.0.0.1' })];
      this.members.push({ name: `e${i + 1}`, client: `http://127.0.0.1:${c}`, peer: `http://127.0.0.1:${p}` });
    }
    const cluster = this.members.map((m) => `${m.name}=${m.peer}`).join(',');
    this.servers = this.members.map((m) => {
      const dataDir = join(root, `etcd-${m.name}`);
      mkdirSync(dataDir, { recursive: true });
      return new ServerProcess({
        name: `etcd-${m.name}`,
        command: binary,
        args: ['--name', m.name, '--data-dir', dataDir, '--listen-client-urls', m.client, '--advertise-client-urls', m.client,
          '--listen-peer-urls', m.peer, '--initial-advertise-peer-urls', m.peer, '--initial-cluster', cluster,
          '--initial-cluster-token', 'cairn-bench', '--initial-cluster-state', 'new', '--logger', 'zap', '--log-outputs', 'stderr'],
        cwd: root,
      });
    });
    this.pools = this.members.map((m) => newPool(m.client, CONNECTIONS_PER_SERVER));
    await Promise.all(this.servers.map((s, i) => s.start(() => this.healthy(i), START_TIMEOUT_MS)));
    await Promise.all(this.servers.map((_, i) => this.put(i, `bench/ready/${i}`, new Uint8Array([1]))));
  }

  private async healthy(i: number): Promise<boolean> {
    const answer = await send(this.pools[i]!, { method: 'GET', path: '/health' });
    return answer.status === 200 && (JSON.parse(answer.body) as { health?: string }).health === 'true';
  }

  async stop(): Promise<void> {
    await Promise.all(this.pools.map((p) => p.close()));
    await Promise.all(this.servers.map((s) => s.stop('SIGTERM')));
  }

  async put(server: number, key: string, value: Uint8Array): Promise<void> {
    await sendOk(this.pools[server]!, { method: 'POST', path: '/v3/kv/put', body: `{"key":"${b64(key)}","value":"${b64(value)}"}` });
  }

  async get(server: number, key: string, mode: ReadMode): Promise<void> {
    const body = `{"key":"${b64(key)}","serializable":${mode === 'stale'}}`;
    const answer = await sendOk(this.pools[server]!, { method: 'POST', path: '/v3/kv/range', body });
    if (!answer.body.includes('"kvs"')) throw new Error(`range ${key}: not found`);
  }

  async putMany(server: number, entries: readonly KeyValue[]): Promise<void> {
    if (entries.length > MAX_TXN_OPS) throw new Error(`a transaction takes at most ${MAX_TXN_OPS} operations`);
    const ops = entries.map((e) => `{"request_put":{"key":"${b64(e.key)}","value":"${b64(e.value)}"}}`);
    await sendOk(this.pools[server]!, { method: 'POST', path: '/v3/kv/txn', body: `{"success":[${ops.join(',')}]}` });
  }

  watchGroup(watchersPerServer: number): WatchGroup {
    const pools = this.members.map((m) => newPool(m.client, watchersPerServer + 1, true));
    const closers = new Set<() => void>();
    return {
      watch: (server, key, handlers) => {
        const w = streamWatch(pools[server]!, key, handlers);
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
    for (const [i, pool] of this.pools.entries()) {
      const status = JSON.parse((await sendOk(pool, { method: 'POST', path: '/v3/maintenance/status', body: '{}' })).body) as { header: { member_id: string }; leader: string };
      if (status.leader === status.header.member_id) return i;
    }
    throw new Error('no member reports itself as the leader');
  }

  async restart(server: number, probeKey: string): Promise<number> {
    const s = this.servers[server]!;
    await s.stop('SIGKILL');
    const t0 = performance.now();
    await s.start(async () => {
      const answer = await send(this.pools[server]!, { method: 'POST', path: '/v3/kv/range', body: `{"key":"${b64(probeKey)}"}` });
      return answer.status === 200 && answer.body.includes('"kvs"');
    }, RESTART_TIMEOUT_MS);
    return performance.now() - t0;
  }

  async snapshotSave(file: string): Promise<void | string> {
    if (this.options.etcdctl === null) return 'n/a (no etcdctl)';
    await run(this.options.etcdctl, ['--endpoints', this.members[0]!.client, 'snapshot', 'save', file], { maxBuffer: ETCDCTL_MAX_BUFFER, env: { ...process.env, ETCDCTL_API: '3' } });
  }

  async snapshotRestore(file: string): Promise<void | string> {
    if (this.options.etcdctl === null) return 'n/a (no etcdctl)';
    const m = this.members[0]!;
    const dataDir = join(this.options.root, `etcd-restore-${m.name}`);
    rmSync(dataDir, { recursive: true, force: true });
    await run(this.options.etcdctl, ['snapshot', 'restore', file, '--data-dir', dataDir, '--name', m.name,
      '--initial-cluster', this.members.map((x) => `${x.name}=${x.peer}`).join(','), '--initial-advertise-peer-urls', m.peer,
      '--initial-cluster-token', 'cairn-bench-restored'], { maxBuffer: ETCDCTL_MAX_BUFFER, env: { ...process.env, ETCDCTL_API: '3' } });
    rmSync(dataDir, { recursive: true, force: true });
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

interface WatchMessage {
  readonly result?: { readonly created?: boolean; readonly canceled?: boolean; readonly events?: readonly { readonly kv?: { readonly value?: string } }[] };
  readonly error?: unknown;
}

/** One watch stream per watcher: POST /v3/watch with a create request, then newline-delimited results. */
function streamWatch(pool: Pool, key: string, handlers: WatchHandlers): Watcher {
  const abort = new AbortController();
  let armed!: () => void;
  const armedP = new Promise<void>((r) => (armed = r));
  const loop = async (): Promise<void> => {
    const res = await pool.request({ method: 'POST', path: '/v3/watch', body: `{"create_request":{"key":"${b64(key)}"}}`, signal: abort.signal });
    if (res.statusCode !== 200) throw new Error(`watch ${key}: ${res.statusCode} ${await res.body.text()}`);
    let partial = '';
    res.body.setEncoding('utf8');
    for await (const chunk of res.body as AsyncIterable<string>) {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        if (line.trim() === '') continue;
        const msg = JSON.parse(line) as WatchMessage;
        if (msg.error !== undefined || msg.result?.canceled === true) throw new Error(`watch ${key}: ${line.slice(0, 200)}`);
        if (msg.result?.created === true) armed();
        for (const e of msg.result?.events ?? []) handlers.onValue(Buffer.from(e.kv?.value ?? '', 'base64').toString());
      }
    }
    if (!abort.signal.aborted) throw new Error(`watch ${key}: stream ended`);
  };
  loop().catch((err: unknown) => {
    if (!abort.signal.aborted) handlers.onError(err);
    armed(); // a watcher that failed (and was counted) never holds up the arming of the rest
  });
  return { armed: armedP, close: () => abort.abort() };
}
