// The HTTP layer over the real storage: a SQLite state file in a temp dir, the real FSM and
// watch hub, a single-node applier standing in for Raft, and createApp(services) on top.
// Requests go through app.request() (no sockets) unless a test starts a real server.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { OpenAPIHono } from '@hono/zod-openapi';
import { pino } from 'pino';
import { LocalAgent, type LocalAgentOptions } from '../../app/agent/agent.ts';
import { serverMember, serverMembers } from '../../app/agent/members.ts';
import { SystemClock } from '../../consensus/host/clock.ts';
import { createApp } from '../../routes/app.ts';
import type { AppEnv } from '../../routes/env.ts';
import {
  DEFAULT_HTTP_LIMITS, NoClusterLeaderError,
  type ConsistencyMode, type HttpLimits, type ReadMeta, type Services,
} from '../../routes/services.ts';
import { realTimer, type WaitTimer } from '../../storage/blocking-query.ts';
import type { CheckSpec, Command } from '../../storage/commands.ts';
import { openState, type State } from '../../storage/open-state.ts';
import { SingleNodeApplier } from './single-node-applier.ts';

export const NODE_NAME = 'node1';
export const DATACENTER = 'dc1';
export const SERVER_ADDRESS = '127.0.0.1:8300';
export const NODE_ID = '5a1b2c3d-0000-4000-8000-00000000abcd';

export interface HarnessOptions {
  readonly limits?: Partial<HttpLimits>;
  /** Jitter source; 0 by default so waits are exactly the clamped value. */
  readonly random?: () => number;
  readonly waitTimer?: WaitTimer;
  /** Register the server's own node with a passing serfHealth check (default true). */
  readonly selfRegister?: boolean;
  /** The local agent's loop intervals (anti-entropy, reaper). */
  readonly agent?: LocalAgentOptions;
}

/** The agent's cluster operations the harness records instead of performing (one server, no peers). */
export interface AgentCalls {
  readonly joins: string[];
  leaves: number;
  reloads: number;
  readonly forceLeaves: string[];
}

export interface RoutesHarness {
  readonly app: OpenAPIHono<AppEnv>;
  readonly services: Services;
  readonly state: State;
  readonly applier: SingleNodeApplier;
  /** The server's local agent (real: local state, check runners, anti-entropy into the store). */
  readonly agent: LocalAgent;
  readonly agentCalls: AgentCalls;
  /** Barrier calls in order, to check which consistency mode a request asked for. */
  readonly barriers: ConsistencyMode[];
  /** Errors handed to reportError (unexpected 500s). */
  readonly reported: unknown[];
  /** While true, reads and writes fail as when no leader can be found. */
  leaderless: boolean;
  /**
   * app.request(), with Content-Length set for a string or byte body as an HTTP client would
   * (a Fetch Request built in memory has none, and Consul reads some bodies only with one).
   */
  request(path: string, init?: RequestInit): Promise<Response>;
  close(): void;
}

function serfHealth(node: string): CheckSpec {
  return {
    node, checkId: 'serfHealth', name: 'Serf Health Status', status: 'passing', notes: '', output: 'Agent alive and reachable',
    serviceId: '', type: '', interval: '', timeout: '', exposedPort: 0, definition: {},
  };
}

/** What a Consul leader writes for itself on election: its node and its serfHealth check. */
export function selfRegistration(node: string): Command {
  return {
    type: 'catalog.register',
    node: { id: '5a1b2c3d-0000-4000-8000-00000000abcd', node, address: '127.0.0.1', datacenter: DATACENTER, taggedAddresses: null, meta: null },
    skipNodeUpdate: false,
    service: null,
    checks: [serfHealth(node)],
  };
}

function withContentLength(init: RequestInit | undefined): RequestInit | undefined {
  const body = init?.body;
  const headers = new Headers(init?.headers);
  if (headers.has('content-length')) return init;
  if (typeof body === 'string') headers.set('content-length', String(Buffer.byteLength(body)));
  else if (body instanceof Uint8Array) headers.set('content-length', String(body.byteLength));
  else return init;
  return { ...init, headers };
}

export function startRoutesHarness(options: HarnessOptions = {}): RoutesHarness {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-routes-'));
  const state = openState(join(dir, 'state.db'));
  const applier = new SingleNodeApplier(state.fsm);
  if (options.selfRegister ?? true) applier.apply(selfRegistration(NODE_NAME));
  const barriers: ConsistencyMode[] = [];
  const reported: unknown[] = [];
  const control = { leaderless: false };
  const leaderMeta: ReadMeta = { knownLeader: true, lastContactMs: 0 };
  const requireLeader = (): void => {
    if (control.leaderless) throw new NoClusterLeaderError();
  };

  const agentCalls: AgentCalls = { joins: [], leaves: 0, reloads: 0, forceLeaves: [] };
  const members = { servers: [{ id: NODE_ID, address: SERVER_ADDRESS }], state: state.store, datacenter: DATACENTER, version: '0.1.0-test' };
  const agent: LocalAgent = new LocalAgent({
    nodeName: NODE_NAME,
    dataDir: dir,
    clock: new SystemClock(),
    random: options.random ?? (() => 0),
    state: state.store,
    apply: async (command) => {
      requireLeader();
      return applier.apply(command);
    },
    selfNode: () => ({ id: NODE_ID, node: NODE_NAME, address: '127.0.0.1', datacenter: DATACENTER, taggedAddresses: null, meta: null }),
    logger: pino({ level: 'silent' }),
    ...(options.agent === undefined ? {} : { options: options.agent }),
    cluster: {
      members: (wan) => serverMembers(members, wan),
      localMember: () => serverMember(members, members.servers[0]!, false),
      coordinate: () => null,
      stats: () => ({ agent: { checks: '0' } }),
      debugConfig: () => ({ NodeName: NODE_NAME }),
      host: () => ({ Host: { hostname: 'harness' } }),
      join: async (address) => void agentCalls.joins.push(address),
      leave: async () => void agentCalls.leaves++,
      reload: async () => void agentCalls.reloads++,
      forceLeave: async (node) => void agentCalls.forceLeaves.push(node),
    },
  });
  agent.start();

  const services: Services = {
    info: { datacenter: DATACENTER, nodeName: NODE_NAME, nodeId: '5a1b2c3d-0000-4000-8000-00000000abcd', version: '0.1.0-test' },
    limits: { ...DEFAULT_HTTP_LIMITS, ...options.limits },
    state: state.store,
    watches: state.hub,
    waitTimer: options.waitTimer ?? realTimer,
    random: options.random ?? (() => 0),
    readBarrier: async (mode) => {
      barriers.push(mode);
      requireLeader();
      return leaderMeta;
    },
    readMeta: () => (control.leaderless ? { knownLeader: false, lastContactMs: 0 } : leaderMeta),
    apply: async (command) => {
      requireLeader();
      return applier.apply(command);
    },
    renewSession: async (id) => {
      requireLeader();
      return state.store.sessionGet(id).session;
    },
    raftStatus: () => ({ leader: control.leaderless ? '' : SERVER_ADDRESS, peers: [SERVER_ADDRESS] }),
    uuid: () => randomUUID(),
    agent,
    reportError: (error) => reported.push(error),
  };
  const app = createApp(services);
  return {
    app, services, state, applier, agent, agentCalls, barriers, reported,
    get leaderless() {
      return control.leaderless;
    },
    set leaderless(v: boolean) {
      control.leaderless = v;
    },
    request: async (path, init) => app.request(path, withContentLength(init)),
    close: () => {
      void agent.stop();
      state.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
