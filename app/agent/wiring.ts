// Wires the local agent and its companions into a server: the agent itself (local services
// and checks, anti-entropy), this server's coordinate loop, the leader's serf-health loop, and
// the cluster operations behind /v1/agent (members, join, leave, reload). The composition root
// calls start() once the Raft host runs, onLeaderChange() on every leader change, stop() first
// on shutdown.
import type { Clock } from '../../consensus/host/clock.ts';
import type { LeaderInfo, RaftHost } from '../../consensus/host/raft-host.ts';
import { RpcChannel, type Transport } from '../../consensus/host/transport.ts';
import type { Coordinate } from '../../routes/coordinate/vivaldi.ts';
import { ANONYMOUS_TOKEN_SECRET } from '../../storage/acl-entries.ts';
import { encodeCommand, isCommandError, type Command } from '../../storage/commands.ts';
import type { State } from '../../storage/open-state.ts';
import type { CommandGateway } from '../command-gateway.ts';
import type { AgentConfig } from '../config.ts';
import { SerfHealthLoop, type Hello } from '../leader/serf-health.ts';
import type { Logger } from '../logger.ts';
import { decodeFrame, encodeFrame, type AppResponse } from '../rpc.ts';
import { selfRegistration, type SelfNode } from '../self-registration.ts';
import { agentTokensFor } from '../acl/agent-tokens.ts';
import { LocalAgent } from './agent.ts';
import { ServerClusterOps } from './cluster-ops.ts';
import { CoordinateLoop } from './coordinates.ts';

/** A hello (who are you / RTT sample) that takes longer is unanswered. */
const HELLO_TIMEOUT_MS = 2_000;

export interface AgentWiringDeps {
  readonly config: AgentConfig;
  readonly nodeId: string;
  readonly dataDir: string;
  readonly version: string;
  readonly clock: Clock;
  readonly random: () => number;
  readonly host: RaftHost;
  readonly transport: Transport;
  readonly gateway: CommandGateway;
  readonly state: State;
  readonly logger: Logger;
  readonly selfNode: SelfNode;
  /** Leaves the Raft configuration (the shutdown after it is scheduled by the caller). */
  readonly leave: () => Promise<void>;
  readonly reload: () => Promise<void>;
}

export interface AgentWiring {
  readonly agent: LocalAgent;
  start(): void;
  onLeaderChange(info: LeaderInfo): void;
  stop(): Promise<void>;
}

/** The parts of the configuration agent/self shows (no secrets: no key, no tokens). */
function debugConfig(config: AgentConfig, nodeId: string, dataDir: string): Record<string, unknown> {
  return {
    Datacenter: config.datacenter, NodeName: config.nodeName, NodeID: nodeId, DataDir: dataDir, ServerMode: true,
    BootstrapExpect: config.bootstrapExpect, BindAddr: config.bindAddr, AdvertiseAddrLAN: config.advertiseAddr,
    ClientAddrs: [config.clientAddr], HTTPPort: config.httpPort, ServerPort: config.serverPort, RetryJoinLAN: [...config.retryJoin],
    SessionTTLMin: typeof config.sessionTtlMin === 'string' ? config.sessionTtlMin : `${config.sessionTtlMin}ns`,
    LogLevel: config.logLevel.toUpperCase(), EncryptKey: config.encrypt === null ? '' : 'hidden', ACLsEnabled: config.acl.enabled,
  };
}

export function wireAgent(deps: AgentWiringDeps): AgentWiring {
  const { host, transport, gateway, state, clock, logger, config } = deps;
  const unwrap = (outcome: { readonly result: unknown }): unknown => {
    if (isCommandError(outcome.result)) throw new Error(outcome.result.error);
    return outcome.result;
  };
  /**
   * The agent's catalog writes, with the token anti-entropy chose (registration, default or agent
   * token). None at all is the anonymous token, never "" (which the leader would read as its own
   * default token).
   */
  const apply = async (command: Command, token: string): Promise<unknown> =>
    unwrap(await gateway.apply(command, encodeCommand(command), token === '' ? ANONYMOUS_TOKEN_SECRET : token));
  const tokens = agentTokensFor(config.acl, deps.dataDir, logger);
  /** Leader housekeeping and this server's own coordinate are the cluster's own writes. */
  const applyAsServer = async (command: Command): Promise<unknown> => unwrap(await gateway.applyAsServer(command, encodeCommand(command)));
  /** Peers' node names as they told us (members name servers the catalog does not know yet). */
  const peerNames = new Map<string, string>([[deps.nodeId, config.nodeName]]);
  const hello = async (address: string): Promise<Extract<AppResponse, { kind: 'hello' }>> => {
    const raw = await transport.request(address, encodeFrame({ kind: 'hello' }), { channel: RpcChannel.App, timeoutMs: HELLO_TIMEOUT_MS });
    const decoded = decodeFrame<AppResponse>(raw);
    if (!decoded.ok || decoded.header.kind !== 'hello') throw new Error(`unexpected hello answer from ${address}`);
    peerNames.set(decoded.header.id, decoded.header.nodeName);
    return decoded.header;
  };
  const peers = () => host.status().configuration.servers.filter((s) => s.id !== deps.nodeId).map((s) => ({ id: s.id, address: s.address }));
  const coordinateOf = (id: string): Coordinate | undefined => {
    const node = state.store.nodeById(id);
    return node === null ? undefined : state.store.coordinatesOfNode(node.node).coordinates.find((c) => c.segment === '')?.coord;
  };

  const coordinates = new CoordinateLoop({
    nodeName: config.nodeName, clock, random: deps.random, peers, apply: applyAsServer, logger: logger.child({ component: 'coordinates' }), peerCoordinate: coordinateOf,
    ping: async (address) => {
      const started = clock.now();
      await hello(address);
      return clock.now() - started;
    },
  });
  const serfHealth = new SerfHealthLoop({
    selfId: deps.nodeId, version: deps.version, status: () => host.status(), state: state.store, apply: applyAsServer, clock, logger: logger.child({ component: 'serf-health' }),
    hello: async (address): Promise<Hello | null> => hello(address).then((h) => ({ nodeName: h.nodeName, datacenter: h.datacenter }), () => null),
  });
  let agent: LocalAgent | null = null;
  const cluster = new ServerClusterOps({
    host, transport, gateway, state: state.store, dataDir: deps.dataDir, debugConfig: debugConfig(config, deps.nodeId, deps.dataDir),
    self: { id: deps.nodeId, nodeName: config.nodeName, address: `${config.advertiseAddr}:${config.serverPort}`, datacenter: config.datacenter, version: deps.version },
    coordinate: () => coordinates.current(),
    knownNames: peerNames,
    localCounts: () => {
      const checks = agent?.checks() ?? [];
      return { services: agent?.services().length ?? 0, checks: checks.length, ttlChecks: checks.filter((c) => c.type === 'ttl').length };
    },
    leave: deps.leave,
    reload: deps.reload,
  });
  agent = new LocalAgent({
    nodeName: config.nodeName, dataDir: deps.dataDir, clock, random: deps.random, state: state.store, apply, cluster, logger: logger.child({ component: 'agent' }),
    tokens: { default: () => tokens.get('default'), agent: () => tokens.agentToken() },
    selfNode: () => (selfRegistration(deps.selfNode) as Extract<Command, { type: 'catalog.register' }>).node,
    barrier: async () => {
      await host.readBarrier('lease');
    },
  });
  const local = agent;
  const unsubscribe = tokens.onChange((name) => {
    if (name === 'default' || name === 'agent') local.tokensChanged();
  });

  let leading = false;
  return {
    agent: local,
    start: () => {
      local.start();
      coordinates.start();
    },
    onLeaderChange: (info) => {
      if (info.isLeader !== leading) {
        leading = info.isLeader;
        if (leading) serfHealth.start();
        else serfHealth.stop();
      }
      if (info.leaderId !== null) local.leaderAvailable();
    },
    stop: async () => {
      unsubscribe();
      serfHealth.stop();
      coordinates.stop();
      await local.stop();
    },
  };
}
