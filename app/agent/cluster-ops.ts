// The cluster-level half of the agent endpoints on a real server: members from the Raft
// configuration and the catalog, agent/self's Stats, host information, join, force-leave,
// leave and reload. Join never merges two clusters: a server that already has a cluster only
// accepts a join to a member of that cluster (a no-op); a fresh server asks the other's leader
// to admit it, as -retry-join does.
import { cpus, freemem, hostname, loadavg, release, totalmem, type as osType, uptime, arch } from 'node:os';
import { statfsSync } from 'node:fs';
import type { RaftHost } from '../../consensus/host/raft-host.ts';
import { RpcChannel, type Transport } from '../../consensus/host/transport.ts';
import type { AgentMember } from '../../routes/agent/agent-api.ts';
import type { Coordinate } from '../../routes/coordinate/vivaldi.ts';
import { internalError } from '../../routes/lib/errors.ts';
import type { StateReads } from '../../storage/state-store.ts';
import type { CommandGateway } from '../command-gateway.ts';
import { decodeFrame, encodeFrame, type AppResponse } from '../rpc.ts';
import type { AgentClusterOps } from './agent.ts';
import { serverMember, serverMembers, type MembersContext } from './members.ts';

/** A join's request to the other server may take this long (it waits for a membership change). */
const JOIN_TIMEOUT_MS = 15_000;
/** Leader redirects a join follows before giving up. */
const MAX_JOIN_HOPS = 3;

export interface ClusterOpsDeps {
  readonly host: RaftHost;
  readonly transport: Transport;
  readonly gateway: CommandGateway;
  readonly state: StateReads;
  readonly self: { readonly id: string; readonly nodeName: string; readonly address: string; readonly datacenter: string; readonly version: string };
  readonly dataDir: string;
  readonly debugConfig: Readonly<Record<string, unknown>>;
  readonly coordinate: () => Coordinate | null;
  /** Server id → node name learned from hellos, for servers the catalog does not name yet. */
  readonly knownNames: ReadonlyMap<string, string>;
  readonly localCounts: () => { readonly services: number; readonly checks: number; readonly ttlChecks: number };
  /** Leaves the Raft configuration; the shutdown that follows is the server's business. */
  readonly leave: () => Promise<void>;
  readonly reload: () => Promise<void>;
}

export class ServerClusterOps implements AgentClusterOps {
  constructor(private readonly deps: ClusterOpsDeps) {}

  private context(): MembersContext {
    const { host, state, self } = this.deps;
    return {
      servers: host.status().configuration.servers.map((s) => ({ id: s.id, address: s.address })),
      state,
      datacenter: self.datacenter,
      version: self.version,
      knownNames: this.deps.knownNames,
    };
  }

  members(wan: boolean): readonly AgentMember[] {
    return serverMembers(this.context(), wan);
  }

  localMember(): AgentMember {
    return serverMember(this.context(), { id: this.deps.self.id, address: this.deps.self.address }, false);
  }

  coordinate(): Coordinate | null {
    return this.deps.coordinate();
  }

  stats(): Readonly<Record<string, Readonly<Record<string, string>>>> {
    const s = this.deps.host.status();
    const counts = this.deps.localCounts();
    const members = this.members(false);
    return {
      agent: { check_monitors: '0', check_ttls: String(counts.ttlChecks), checks: String(counts.checks), services: String(counts.services) },
      build: { prerelease: '', revision: '', version: this.deps.self.version, version_metadata: '' },
      consul: {
        server: 'true', leader: String(s.role === 'leader'), leader_addr: s.leaderAddress ?? '', bootstrap: 'false', known_datacenters: '1',
      },
      raft: {
        state: s.role === 'leader' ? 'Leader' : s.role === 'candidate' || s.role === 'preCandidate' ? 'Candidate' : 'Follower',
        term: String(s.term), commit_index: String(s.commitIndex), applied_index: String(s.appliedIndex),
        last_log_index: String(s.lastIndex), last_snapshot_index: String(s.snapshotIndex),
        num_peers: String(Math.max(0, s.configuration.servers.length - 1)), last_contact: s.lastContactMs === null ? 'never' : `${s.lastContactMs}ms`,
      },
      runtime: { os: process.platform, arch: arch(), version: process.version, cpu_count: String(cpus().length), max_procs: String(cpus().length), goroutines: '0' },
      serf_lan: {
        members: String(members.length), failed: String(members.filter((m) => m.Status === 4).length), left: '0', health_score: '0',
        event_queue: '0', query_queue: '0', encrypted: 'false',
      },
    };
  }

  debugConfig(): Readonly<Record<string, unknown>> {
    return this.deps.debugConfig;
  }

  host(): Readonly<Record<string, unknown>> {
    const started = performance.now();
    const total = totalmem();
    const free = freemem();
    let disk: Record<string, unknown> = { path: this.deps.dataDir };
    const errors: string[] = [];
    try {
      const fs = statfsSync(this.deps.dataDir);
      const size = fs.blocks * fs.bsize;
      const avail = fs.bavail * fs.bsize;
      disk = { path: this.deps.dataDir, total: size, free: avail, used: size - fs.bfree * fs.bsize, usedPercent: size === 0 ? 0 : ((size - fs.bfree * fs.bsize) / size) * 100 };
    } catch (err) {
      errors.push((err as Error).message);
    }
    return {
      Memory: { total, available: free, used: total - free, usedPercent: ((total - free) / total) * 100, free },
      CPU: cpus().map((c, i) => ({ cpu: i, modelName: c.model, mhz: c.speed, cores: 1 })),
      Host: { hostname: hostname(), uptime: Math.floor(uptime()), os: osType().toLowerCase(), kernelVersion: release(), kernelArch: arch(), load: loadavg() },
      Disk: disk,
      CollectionTime: Math.round((performance.now() - started) * 1_000_000),
      Errors: errors.length === 0 ? null : errors,
    };
  }

  async join(address: string): Promise<void> {
    const { host, self } = this.deps;
    const servers = host.status().configuration.servers;
    if (servers.some((s) => s.address === address)) return;
    const hello = await this.ask(address, encodeFrame({ kind: 'hello' }));
    if (hello.kind !== 'hello') throw internalError(`Failed to join ${address}: unexpected answer ${hello.kind}`);
    if (hello.members.includes(self.id)) return;
    if (servers.length > 0) throw internalError(`Failed to join ${address}: this server already belongs to another cluster`);
    if (!hello.clustered) throw internalError(`Failed to join ${address}: that server has no cluster yet`);
    let target = hello.leaderAddress === '' ? address : hello.leaderAddress;
    for (let hop = 0; hop < MAX_JOIN_HOPS; hop++) {
      const answer = await this.ask(target, encodeFrame({ kind: 'join', id: self.id, address: self.address, nodeName: self.nodeName }));
      if (answer.kind === 'ok') return;
      if (answer.kind !== 'not-leader' || answer.leaderAddress === '') break;
      target = answer.leaderAddress;
    }
    throw internalError(`Failed to join ${address}: no leader admitted this server`);
  }

  async forceLeave(node: string, _prune: boolean): Promise<void> {
    const target = this.members(false).find((m) => m.Name === node || m.Tags['id'] === node);
    if (target === undefined) throw internalError(`agent: No node found with name '${node}'`);
    const id = target.Tags['id'] as string;
    await this.deps.gateway.toLeader(
      async () => ({ ok: true as const, outcome: await this.deps.host.removeServer(id) }),
      encodeFrame({ kind: 'leave', id }),
      (answer) => (answer.kind === 'ok' ? 0 : undefined),
    );
  }

  leave(): Promise<void> {
    return this.deps.leave();
  }

  reload(): Promise<void> {
    return this.deps.reload();
  }

  private async ask(address: string, frame: Uint8Array): Promise<AppResponse> {
    let raw: Uint8Array;
    try {
      raw = await this.deps.transport.request(address, frame, { channel: RpcChannel.App, timeoutMs: JOIN_TIMEOUT_MS });
    } catch (err) {
      throw internalError(`Failed to join ${address}: ${(err as Error).message}`);
    }
    const decoded = decodeFrame<AppResponse>(raw);
    if (!decoded.ok) throw internalError(`Failed to join ${address}: ${decoded.error}`);
    if (decoded.header.kind === 'error') throw internalError(`Failed to join ${address}: ${decoded.header.message}`);
    return decoded.header;
  }
}
