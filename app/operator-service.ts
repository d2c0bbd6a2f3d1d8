// The operator endpoints over this server (routes/operator/operator-services.ts): the Raft
// configuration and membership, leadership transfer, the replicated autopilot configuration,
// the leader's autopilot health, and snapshots. Leader-only questions are asked of the leader
// over the Operator channel; this file also answers them when this server is the leader.
import type { Clock } from '../consensus/host/clock.ts';
import { RejectedError } from '../consensus/host/errors.ts';
import type { RaftHost } from '../consensus/host/raft-host.ts';
import { RpcChannel, type Transport } from '../consensus/host/transport.ts';
import { HttpError } from '../routes/lib/errors.ts';
import { goQuote } from '../routes/lib/go-strconv.ts';
import type {
  AutopilotConfigInput,
  AutopilotConfigView,
  AutopilotHealthView,
  OperatorServices,
  PeerSelector,
  RaftConfigurationView,
  SnapshotDownload,
} from '../routes/operator/operator-services.ts';
import type { GlobalCheck } from '../storage/acl/index.ts';
import { readAutopilotConfig } from '../storage/autopilot-config.ts';
import type { AutopilotConfigSpec, Command } from '../storage/commands.ts';
import type { State } from '../storage/open-state.ts';
import type { AutopilotLoop, AutopilotSettings } from './leader/autopilot.ts';
import type { Logger } from './logger.ts';
import { callLeader, decodeOperatorFrame, encodeOperatorFrame, type OperatorRequest } from './operator-rpc.ts';
import type { SnapshotService } from './snapshot-service.ts';

const NS_PER_MS = 1_000_000;

/**
 * What the leader checks before it acts on another server's operator request: the same
 * permission the HTTP handler checked on that server (Consul's Operator and Snapshot endpoints
 * check on the server that serves the RPC).
 */
const LEADER_CHECKS: Partial<Record<OperatorRequest['kind'], GlobalCheck>> = {
  'raft-configuration': 'operatorRead',
  'remove-peer': 'operatorWrite',
  'transfer-leader': 'operatorWrite',
  'autopilot-health': 'operatorRead',
  'snapshot-open': 'snapshot',
  'restore-begin': 'snapshot',
};

export interface OperatorDeps {
  readonly host: RaftHost;
  readonly transport: Transport;
  readonly clock: Clock;
  readonly state: State;
  readonly autopilot: AutopilotLoop;
  readonly snapshots: SnapshotService;
  /** The agent's autopilot configuration: what a first leader stores, and what is shown until then. */
  readonly defaults: AutopilotConfigSpec;
  /** The leader's check of a forwarded request's token: throws Consul's 403 unless allowed. */
  readonly authorize: (check: GlobalCheck, token: string) => void;
  /** Proposes a command through the leader (Services.apply). */
  readonly apply: (command: Command, token: string) => Promise<{ readonly result: unknown }>;
  readonly logger: Logger;
}

/** The stored autopilot configuration, or the agent's until a leader stored one. */
export function currentAutopilotConfig(state: State, defaults: AutopilotConfigSpec): AutopilotConfigView {
  const stored = readAutopilotConfig(state.db.sqlite);
  return stored === undefined ? { ...defaults, createIndex: 0, modifyIndex: 0 } : { ...stored.config, createIndex: stored.createIndex, modifyIndex: stored.modifyIndex };
}

export function autopilotSettings(c: AutopilotConfigSpec): AutopilotSettings {
  return {
    cleanupDeadServers: c.cleanupDeadServers,
    lastContactThresholdMs: c.lastContactThresholdNs / NS_PER_MS,
    maxTrailingLogs: c.maxTrailingLogs,
    minQuorum: c.minQuorum,
    serverStabilizationTimeMs: c.serverStabilizationTimeNs / NS_PER_MS,
  };
}

export class ServerOperator implements OperatorServices {
  constructor(private readonly deps: OperatorDeps) {}

  /** Serves the Operator channel (other servers asking this one, usually as the leader). */
  listen(): void {
    this.deps.transport.handle(RpcChannel.Operator, async (payload) => {
      const decoded = decodeOperatorFrame<OperatorRequest>(payload);
      if (!decoded.ok) return encodeOperatorFrame({ kind: 'error', status: 400, message: decoded.error });
      try {
        return await this.serve(decoded.header, decoded.body);
      } catch (err) {
        const status = err instanceof HttpError ? err.status : 500;
        return encodeOperatorFrame({ kind: 'error', status, message: (err as Error).message });
      }
    });
  }

  private async serve(request: OperatorRequest, body: Uint8Array): Promise<Uint8Array> {
    const check = LEADER_CHECKS[request.kind];
    if (check !== undefined) {
      // Only the leader acts on these, so only the leader's answer (and state) decides.
      if (!this.deps.host.isLeader()) return encodeOperatorFrame({ kind: 'not-leader', leaderAddress: this.deps.host.status().leaderAddress ?? '' });
      this.deps.authorize(check, 'token' in request ? (request.token ?? '') : '');
    }
    const snapshot = await this.deps.snapshots.serve(request, body);
    if (snapshot !== undefined) return snapshot;
    if (!this.deps.host.isLeader()) return encodeOperatorFrame({ kind: 'not-leader', leaderAddress: this.deps.host.status().leaderAddress ?? '' });
    const ok = (value?: unknown): Uint8Array => encodeOperatorFrame(value === undefined ? { kind: 'ok' } : { kind: 'ok', value });
    switch (request.kind) {
      case 'raft-configuration':
        return ok(this.localConfiguration());
      case 'remove-peer':
        await this.removeLocal(request.id !== undefined ? { id: request.id } : { address: request.address ?? '' });
        return ok();
      case 'transfer-leader':
        await this.transferLocal(request.id);
        return ok();
      case 'autopilot-health':
        return ok(this.deps.autopilot.health());
      default:
        throw new HttpError(400, `unknown operator request ${request.kind}`);
    }
  }

  private leader<T>(request: OperatorRequest, local: () => Promise<T>): Promise<T> {
    return callLeader(this.deps, request, local, (value) => value as T);
  }

  raftConfiguration(stale: boolean, token: string): Promise<RaftConfigurationView> {
    if (stale) return Promise.resolve(this.localConfiguration());
    return this.leader({ kind: 'raft-configuration', token }, async () => this.localConfiguration());
  }

  private localConfiguration(): RaftConfigurationView {
    const s = this.deps.host.status();
    const match = new Map((s.progress ?? []).map((p) => [p.id, p.match]));
    return {
      servers: s.configuration.servers.map((server) => ({
        id: server.id,
        node: this.deps.state.store.nodeById(server.id)?.node ?? '(unknown)',
        address: server.address,
        leader: server.id === s.leaderId,
        voter: server.suffrage === 1,
        lastIndex: server.id === s.id && s.role === 'leader' ? s.lastIndex : (match.get(server.id) ?? 0),
      })),
      index: s.configurationIndex,
    };
  }

  removeRaftPeer(peer: PeerSelector, token: string): Promise<void> {
    return this.leader({ kind: 'remove-peer', ...peer, token }, () => this.removeLocal(peer));
  }

  private async removeLocal(peer: PeerSelector): Promise<void> {
    const servers = this.deps.host.status().configuration.servers;
    const found = 'id' in peer ? servers.find((s) => s.id === peer.id) : servers.find((s) => s.address === peer.address);
    if (found === undefined) {
      throw new HttpError(500, 'id' in peer ? `id ${goQuote(peer.id)} was not found in the Raft configuration` : `address ${goQuote(peer.address)} was not found in the Raft configuration`);
    }
    await this.deps.host.removeServer(found.id).catch(rejected);
    this.deps.logger.info({ id: found.id, address: found.address }, 'removed a server from the Raft configuration');
  }

  transferLeader(id: string | undefined, token: string): Promise<void> {
    return this.leader({ kind: 'transfer-leader', ...(id === undefined ? {} : { id }), token }, () => this.transferLocal(id));
  }

  private async transferLocal(id: string | undefined): Promise<void> {
    if (id !== undefined && !this.deps.host.status().configuration.servers.some((s) => s.id === id)) {
      throw new HttpError(500, `cannot find peer ${goQuote(id)} in the Raft configuration`);
    }
    const to = await this.deps.host.transferLeadership(id).catch(rejected);
    this.deps.logger.info({ to }, 'leadership transferred');
  }

  autopilotConfiguration(): AutopilotConfigView {
    return currentAutopilotConfig(this.deps.state, this.deps.defaults);
  }

  async setAutopilotConfiguration(config: AutopilotConfigInput, cas: number | null, token: string): Promise<boolean> {
    const { result } = await this.deps.apply({ type: 'autopilot.set-config', config, cas }, token);
    return result === true;
  }

  autopilotHealth(token: string): Promise<AutopilotHealthView> {
    return this.leader({ kind: 'autopilot-health', token }, async () => this.deps.autopilot.health());
  }

  snapshotSave(stale: boolean, token: string): Promise<SnapshotDownload> {
    return this.deps.snapshots.save(stale, token);
  }

  snapshotRestore(archive: AsyncIterable<Uint8Array>, token: string): Promise<void> {
    return this.deps.snapshots.restore(archive, token);
  }
}

/** The host's refusals become Consul-style 500s with the reason. */
function rejected(err: unknown): never {
  if (err instanceof RejectedError) throw new HttpError(500, err.message);
  throw err;
}
