// Disk faults for real server processes. A full disk is a real, size-limited tmpfs where the
// test may mount one (root with CAP_SYS_ADMIN, as on CI); elsewhere the server's test-only
// fault Vfs (app/test-faults.ts) plays the full disk, switched by a trigger file. Both run the
// same scenario; the report of a run names the mode.
//
// Also: starting an agent with extra environment variables (AgentProcess passes its own), and a
// small cluster of agents with per-server data directories and environments.
import { spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, rmSync, statfsSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import getPort from 'get-port';
import { DISK_FAULTS_ENV, type DiskFaults } from '../../app/test-faults.ts';
import { AgentProcess } from './agent-process.ts';
import { waitFor } from './wait.ts';

const MIB = 1024 * 1024;

export interface FullDisk {
  readonly mode: 'tmpfs' | 'fault-vfs';
  /** A data directory on the disk that can fill up. */
  readonly dataDir: string;
  /** Environment for the server process using dataDir. */
  readonly env: Readonly<Record<string, string>>;
  /** Fills the disk until about `leaveBytes` remain free (0: completely). */
  fill(leaveBytes: number): void;
  /** Frees what fill() took. */
  release(): void;
  dispose(): void;
}

function freeBytes(dir: string): number {
  const s = statfsSync(dir);
  return s.bavail * s.bsize;
}

/** Mounts a tmpfs of `sizeMiB` at `dir`; false where the test may not mount. */
function mountTmpfs(dir: string, sizeMiB: number): boolean {
  if (process.platform !== 'linux') return false;
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeMiB}m`, 'tmpfs', dir], { stdio: 'ignore' });
  return r.status === 0;
}

export function fullDisk(root: string, sizeMiB: number): FullDisk {
  const mount = join(root, 'disk');
  mkdirSync(mount, { recursive: true });
  if (mountTmpfs(mount, sizeMiB)) {
    const filler = join(mount, 'filler');
    const dataDir = join(mount, 'data');
    return {
      mode: 'tmpfs',
      dataDir,
      env: {},
      fill(leaveBytes) {
        const fd = openSync(filler, 'a');
        const chunk = Buffer.alloc(MIB, 1);
        try {
          // Bounded: each write takes a MiB (or less) of a finite disk; stops at ENOSPC.
          for (let free = freeBytes(mount); free > leaveBytes; free = freeBytes(mount)) writeSync(fd, chunk, 0, Math.min(MIB, free - leaveBytes));
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
        } finally {
          closeSync(fd);
        }
      },
      release: () => rmSync(filler, { force: true }),
      dispose: () => void spawnSync('umount', ['-l', mount], { stdio: 'ignore' }),
    };
  }
  const trigger = join(root, 'disk-full');
  const faults: DiskFaults = { enospc: trigger };
  return {
    mode: 'fault-vfs',
    dataDir: join(mount, 'data'),
    env: { [DISK_FAULTS_ENV]: JSON.stringify(faults) },
    // The fault Vfs has one setting: full (every write fails; no free space reported).
    fill: () => writeFileSync(trigger, ''),
    release: () => rmSync(trigger, { force: true }),
    dispose: () => rmSync(trigger, { force: true }),
  };
}

/** Starts `agent` with `env` added to the environment it inherits (spawn copies it at once). */
export async function startWithEnv(agent: AgentProcess, env: Readonly<Record<string, string>>): Promise<void> {
  const saved = Object.keys(env).map((k) => [k, process.env[k]] as const);
  Object.assign(process.env, env);
  let started: Promise<void>;
  try {
    started = agent.start();
  } finally {
    for (const [k, v] of saved) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
  await started;
}

export interface AgentSpec {
  readonly dataDir: string;
  readonly env?: Readonly<Record<string, string>>;
}

export interface SmallCluster {
  readonly servers: readonly AgentProcess[];
  readonly envs: readonly Readonly<Record<string, string>>[];
  leader(timeoutMs?: number): Promise<AgentProcess>;
  start(server: AgentProcess): Promise<void>;
  stop(): Promise<void>;
}

/** n agents on 127.0.0.1 that bootstrap together, each with its own data dir and environment. */
export async function startSmallCluster(specs: readonly AgentSpec[], extraArgs: readonly string[] = []): Promise<SmallCluster> {
  const ports: { http: number; server: number }[] = [];
  for (let i = 0; i < specs.length; i++) ports.push({ http: await getPort({ host: '127.0.0.1' }), server: await getPort({ host: '127.0.0.1' }) });
  const join = ports.map((p) => `127.0.0.1:${p.server}`);
  const servers = specs.map(
    (spec, i) =>
      new AgentProcess({
        name: `s${i + 1}`, dataDir: spec.dataDir, httpPort: ports[i]!.http, serverPort: ports[i]!.server,
        bootstrapExpect: specs.length, retryJoin: specs.length > 1 ? join : [], extraArgs: ['-log-level', 'info', ...extraArgs],
      }),
  );
  const envs = specs.map((s) => s.env ?? {});
  const cluster: SmallCluster = {
    servers,
    envs,
    start: (server) => startWithEnv(server, envs[servers.indexOf(server)] ?? {}),
    async leader(timeoutMs = 30_000) {
      return waitFor(
        async () => {
          const running = servers.filter((s) => s.running);
          const answers = await Promise.all(running.map(async (s) => (await fetch(s.url('/v1/status/leader'), { signal: AbortSignal.timeout(2_000) })).json() as Promise<string>));
          const first = answers[0];
          if (!first || answers.some((a) => a !== first)) return undefined;
          return running.find((s) => s.clusterAddress === first);
        },
        { timeoutMs, intervalMs: 100, what: 'an agreed leader' },
      );
    },
    async stop() {
      await Promise.all(servers.map((s) => s.stop('SIGKILL')));
    },
  };
  try {
    await Promise.all(servers.map((s) => cluster.start(s)));
  } catch (err) {
    await cluster.stop();
    throw err;
  }
  return cluster;
}

/** The server's Raft last index, from its Prometheus metrics. */
export async function raftLastIndex(server: AgentProcess): Promise<number> {
  const text = await (await fetch(server.url('/v1/agent/metrics?format=prometheus'))).text();
  const line = text.split('\n').find((l) => l.startsWith('consul_raft_last_index '));
  if (line === undefined) throw new Error('no consul_raft_last_index in the metrics');
  return Number(line.split(' ')[1]);
}
