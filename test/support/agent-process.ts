// Real `cairn agent` processes on 127.0.0.1 for cluster and client tests: spawn, wait until
// the agent says it is running, signal (TERM, KILL, STOP/CONT), restart on the same data dir.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import getPort from 'get-port';
import { captureLines } from './line-capture.ts';
import { waitFor } from './wait.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const CLI = join(ROOT, 'app/cli.ts');
/** The precompiled server `npm start` runs (scripts/build-server.mjs). */
export const BUNDLE = join(ROOT, 'dist/cairn.mjs');
/** The line `cairn agent` prints on stdout once its HTTP API listens (as Consul prints its own). */
const READY_LINE = '==> Cairn agent running!';
/** Start-up includes compiling TypeScript on the fly; generous on a loaded 2-core machine. */
const START_TIMEOUT_MS = 30_000;
/** Lines of output kept per process for failure reports. */
const LOG_LINES_KEPT = 400;

export interface AgentOptions {
  readonly name: string;
  readonly dataDir: string;
  readonly httpPort: number;
  readonly serverPort: number;
  readonly bootstrapExpect: number;
  readonly retryJoin: readonly string[];
  readonly extraArgs?: readonly string[];
  /**
   * What runs: the TypeScript sources through tsx (default), or the precompiled bundle that
   * `npm start` runs (the caller builds it first, e.g. in a global setup).
   */
  readonly entry?: 'source' | 'bundle';
}

export class AgentProcess {
  private child: ChildProcess | null = null;
  private readonly output: string[] = [];
  private exitWaiters: ((code: number | null) => void)[] = [];

  constructor(readonly options: AgentOptions) {}

  get httpAddress(): string {
    return `127.0.0.1:${this.options.httpPort}`;
  }
  get clusterAddress(): string {
    return `127.0.0.1:${this.options.serverPort}`;
  }
  get running(): boolean {
    return this.child !== null;
  }
  get pid(): number | undefined {
    return this.child?.pid;
  }

  url(path: string): string {
    return `http://${this.httpAddress}${path}`;
  }

  args(): string[] {
    const o = this.options;
    return [
      'agent', '-server', '-node', o.name, '-data-dir', o.dataDir,
      '-bind', '127.0.0.1', '-client', '127.0.0.1',
      '-http-port', String(o.httpPort), '-server-port', String(o.serverPort),
      '-bootstrap-expect', String(o.bootstrapExpect),
      ...o.retryJoin.flatMap((a) => ['-retry-join', a]),
      '-log-level', 'debug',
      ...(o.extraArgs ?? []),
    ];
  }

  async start(): Promise<void> {
    if (this.child !== null) throw new Error(`${this.options.name} is already running`);
    const entry = this.options.entry === 'bundle' ? ['--enable-source-maps', BUNDLE] : ['--import', 'tsx', CLI];
    const child = spawn(process.execPath, [...entry, ...this.args()], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NODE_ENV: 'test' },
    });
    this.child = child;
    const ready = new Promise<void>((resolveReady, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.options.name} did not start in ${START_TIMEOUT_MS} ms\n${this.tail()}`)), START_TIMEOUT_MS);
      const onLine = (line: string): void => {
        if (line.includes(READY_LINE)) {
          clearTimeout(timer);
          resolveReady();
        }
      };
      const into = { lines: this.output, prefix: this.options.name, max: LOG_LINES_KEPT };
      captureLines(child.stdout, into, onLine);
      captureLines(child.stderr, into);
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`${this.options.name} exited during start (code ${code}, signal ${signal})\n${this.tail()}`));
      });
    });
    child.once('exit', (code) => {
      this.child = null;
      const waiters = this.exitWaiters;
      this.exitWaiters = [];
      for (const w of waiters) w(code);
    });
    await ready;
  }

  /** Sends a signal and waits for the process to exit (bounded). */
  async stop(signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 20_000): Promise<number | null> {
    const child = this.child;
    if (child === null) return null;
    const exited = new Promise<number | null>((r) => this.exitWaiters.push(r));
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    try {
      return await exited;
    } finally {
      clearTimeout(timer);
    }
  }

  kill(): Promise<number | null> {
    return this.stop('SIGKILL');
  }

  pause(): void {
    this.child?.kill('SIGSTOP');
  }

  resume(): void {
    this.child?.kill('SIGCONT');
  }

  tail(lines = 60): string {
    return this.output.slice(-lines).join('\n');
  }
}

export interface Cluster {
  readonly servers: readonly AgentProcess[];
  readonly root: string;
  /** Waits until every running server reports the same non-empty leader; returns it. */
  leader(timeoutMs?: number): Promise<AgentProcess>;
  followers(): Promise<AgentProcess[]>;
  stop(): Promise<void>;
  logs(): string;
}

export interface ClusterOptions {
  readonly size: number;
  readonly extraArgs?: readonly string[];
}

export async function startCluster(options: ClusterOptions): Promise<Cluster> {
  const root = mkdtempSync(join(tmpdir(), 'cairn-cluster-'));
  const ports: { http: number; server: number }[] = [];
  for (let i = 0; i < options.size; i++) ports.push({ http: await getPort({ host: '127.0.0.1' }), server: await getPort({ host: '127.0.0.1' }) });
  const joinList = ports.map((p) => `127.0.0.1:${p.server}`);
  const servers = ports.map(
    (p, i) =>
      new AgentProcess({
        name: `s${i + 1}`,
        dataDir: join(root, `s${i + 1}`),
        httpPort: p.http,
        serverPort: p.server,
        bootstrapExpect: options.size,
        retryJoin: joinList,
        ...(options.extraArgs ? { extraArgs: options.extraArgs } : {}),
      }),
  );
  const cluster: Cluster = {
    servers,
    root,
    async leader(timeoutMs = 30_000) {
      return waitFor(
        async () => {
          const running = servers.filter((s) => s.running);
          const answers = await Promise.all(running.map(async (s) => (await fetch(s.url('/v1/status/leader'))).json() as Promise<string>));
          const first = answers[0];
          if (!first || answers.some((a) => a !== first)) return undefined;
          // A leader that is not running is one the others have not yet noticed is gone.
          return running.find((s) => s.clusterAddress === first);
        },
        { timeoutMs, intervalMs: 100, what: 'an agreed leader' },
      );
    },
    async followers() {
      const leader = await cluster.leader();
      return servers.filter((s) => s !== leader && s.running);
    },
    async stop() {
      await Promise.all(servers.map((s) => s.stop('SIGKILL')));
      rmSync(root, { recursive: true, force: true });
    },
    logs: () => servers.map((s) => s.tail(100)).join('\n'),
  };
  try {
    await Promise.all(servers.map((s) => s.start()));
  } catch (err) {
    await cluster.stop();
    throw err;
  }
  return cluster;
}
