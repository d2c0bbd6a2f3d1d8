// Wiring of what operators use: metrics, snapshots, the operator endpoints and the leader loops
// behind them (autopilot, tombstone reaping, cluster gauges). server.ts calls these at the
// right moments: metrics before the disk opens (the WAL's Vfs is timed), the rest once the
// Raft host exists.
import { join } from 'node:path';
import type { Clock } from '../consensus/host/clock.ts';
import type { Fsm } from '../consensus/host/fsm.ts';
import type { LeaderInfo, RaftHost } from '../consensus/host/raft-host.ts';
import type { Transport } from '../consensus/host/transport.ts';
import { NS_PER_MS, parseGoDuration } from '../routes/lib/go-duration.ts';
import type { ReadMeta } from '../routes/services.ts';
import type { GlobalCheck } from '../storage/acl/index.ts';
import { readAutopilotConfig } from '../storage/autopilot-config.ts';
import { encodeCommand, type AutopilotConfigSpec, type Command } from '../storage/commands.ts';
import type { State } from '../storage/open-state.ts';
import { newestTombstoneIndex, stateSizes } from '../storage/state-stats.ts';
import { tokenCaller } from './acl/admission.ts';
import type { CommandGateway } from './command-gateway.ts';
import type { AgentConfig } from './config.ts';
import { AutopilotLoop } from './leader/autopilot.ts';
import { ClusterGauges } from './leader/gauges.ts';
import { TombstoneReaper } from './leader/tombstones.ts';
import type { Logger } from './logger.ts';
import { MetricsRegistry } from './metrics.ts';
import { bindServerMetrics, type ServerMetrics } from './metrics-server.ts';
import { autopilotSettings, currentAutopilotConfig, ServerOperator } from './operator-service.ts';
import { SnapshotService } from './snapshot-service.ts';

export interface MetricsWiring {
  readonly registry: MetricsRegistry;
  readonly server: ServerMetrics;
  /** Binds the gauges read at scrape time to the host and state (once both exist). */
  attach(host: RaftHost, state: State): void;
}

export function createMetrics(): MetricsWiring {
  const registry = new MetricsRegistry();
  let source: { host: RaftHost; state: State } | undefined;
  const attached = (): { host: RaftHost; state: State } => {
    if (source === undefined) throw new Error('metrics read before the server was wired');
    return source;
  };
  const server = bindServerMetrics(registry, { status: () => attached().host.status(), sizes: () => stateSizes(attached().state.db.sqlite) });
  return { registry, server, attach: (host, state) => (source = { host, state }) };
}

/** The agent's autopilot settings as the replicated configuration's shape. */
export function autopilotDefaults(config: AgentConfig): AutopilotConfigSpec {
  const a = config.autopilot;
  return {
    cleanupDeadServers: a.cleanupDeadServers,
    lastContactThresholdNs: durationNs(a.lastContactThreshold, 200 * 1_000_000),
    maxTrailingLogs: a.maxTrailingLogs,
    minQuorum: a.minQuorum,
    serverStabilizationTimeNs: durationNs(a.serverStabilizationTime, 10_000 * 1_000_000),
    redundancyZoneTag: '',
    disableUpgradeMigration: false,
    upgradeVersionTag: '',
  };
}

function durationNs(value: string | number, fallbackNs: number): number {
  if (typeof value === 'number') return value;
  const parsed = parseGoDuration(value);
  return parsed.ok && parsed.ns >= 0n ? Number(parsed.ns) : fallbackNs;
}

function durationMs(value: string | number, fallbackMs: number): number {
  return durationNs(value, fallbackMs * Number(NS_PER_MS)) / Number(NS_PER_MS);
}

/** Between chunks of a snapshot restore, let timers and sockets run (heartbeats, reads). */
export function yieldingFsm(fsm: Fsm): Fsm {
  return {
    applied: () => fsm.applied(),
    apply: (batch) => fsm.apply(batch),
    snapshot: () => fsm.snapshot(),
    restore: (source, at) =>
      fsm.restore(
        (async function* () {
          for await (const chunk of source) {
            yield chunk;
            await new Promise<void>((resolve) => setImmediate(resolve));
          }
        })(),
        at,
      ),
  };
}

export interface OperationsDeps {
  readonly config: AgentConfig;
  readonly dataDir: string;
  readonly host: RaftHost;
  readonly transport: Transport;
  readonly clock: Clock;
  readonly state: State;
  readonly gateway: CommandGateway;
  readonly metrics: MetricsWiring;
  readonly readMeta: () => ReadMeta;
  readonly version: string;
  readonly logger: Logger;
  /** Leader-side state outside these loops to re-read after a restore (session TTL timers). */
  readonly afterRestore: () => void;
}

export interface Operations {
  readonly operator: ServerOperator;
  /** Starts the leader loops on winning an election, stops them on losing it. */
  onLeaderChange(info: LeaderInfo): void;
  stop(): void;
}

export function wireOperations(deps: OperationsDeps): Operations {
  const { host, clock, state, gateway, logger, config } = deps;
  const defaults = autopilotDefaults(config);
  const apply = async (command: Command, token: string) => gateway.apply(command, encodeCommand(command), token);
  const leaderApply = async (command: Command): Promise<unknown> => {
    const answer = await gateway.applyAsLeader(command, encodeCommand(command));
    if (!answer.ok) throw new Error('no longer the leader');
    return answer.outcome.result;
  };
  const autopilot = new AutopilotLoop({
    clock,
    status: () => host.status(),
    settings: () => autopilotSettings(currentAutopilotConfig(state, defaults)),
    describe: (id) => describeServer(state, id, deps.version),
    promote: (id) => host.promote(id),
    remove: (id) => host.removeServer(id),
    onHealth: (health) => deps.metrics.server.sampleCluster(host.status(), health),
    log: (fields, message) => logger.info(fields, message),
  });
  const tombstones = new TombstoneReaper({
    clock,
    ttlMs: durationMs(config.tombstoneTtl, 15 * 60_000),
    granularityMs: durationMs(config.tombstoneTtlGranularity, 30_000),
    newestTombstone: () => newestTombstoneIndex(state.db.sqlite),
    reap: async (upTo) => void (await leaderApply({ type: 'kv.reap-tombstones', upTo })),
    onError: (err) => logger.warn({ err }, 'tombstone reaping could not be committed; retrying'),
  });
  const gauges = new ClusterGauges({ clock, sample: () => deps.metrics.server.sampleCluster(host.status(), autopilot.health()), clear: () => deps.metrics.server.clearCluster() });
  const loops = [autopilot, tombstones, gauges];
  const snapshots = new SnapshotService({
    host,
    transport: deps.transport,
    clock,
    tmpDir: join(deps.dataDir, 'snapshot-tmp'),
    logger: logger.child({ component: 'snapshot' }),
    readMeta: deps.readMeta,
    afterRestore: () => {
      // The state was replaced under the leader loops: start them afresh from it.
      for (const loop of loops) loop.stop();
      if (host.isLeader()) for (const loop of loops) loop.start();
      deps.afterRestore();
    },
  });
  const authorize = (check: GlobalCheck, token: string): void => gateway.requireGlobal(check, tokenCaller(token));
  const operator = new ServerOperator({ host, transport: deps.transport, clock, state, autopilot, snapshots, defaults, apply, authorize, logger });
  operator.listen();

  let leading = false;
  return {
    operator,
    onLeaderChange: (info) => {
      deps.metrics.server.leaderChanged(info);
      if (info.isLeader === leading) return;
      leading = info.isLeader;
      for (const loop of loops) {
        if (leading) loop.start();
        else loop.stop();
      }
      if (leading && readAutopilotConfig(state.db.sqlite) === undefined) {
        // Consul's leader stores the agent's autopilot configuration once, if none exists.
        void leaderApply({ type: 'autopilot.set-config', config: defaults, cas: 0 }).catch((err) => logger.warn({ err }, 'could not store the initial autopilot configuration'));
      }
    },
    stop: () => {
      for (const loop of loops) loop.stop();
      snapshots.close();
    },
  };
}

/** A server's catalog node name and Consul version (from its registered "consul" service). */
function describeServer(state: State, id: string, fallbackVersion: string): { name: string; version: string } {
  const node = state.store.nodeById(id);
  if (node === null) return { name: '', version: '' };
  const consul = state.store.nodeServices(node.node).services.find((s) => s.service === 'consul');
  return { name: node.node, version: consul?.meta?.['version'] ?? fallbackVersion };
}
