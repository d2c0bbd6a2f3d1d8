// How a server finds its cluster without gossip (DESIGN.md decision 10). Decided once, before
// the Raft host starts:
// - it has Raft state (a log or a snapshot): restart as it was; -retry-join changes nothing;
// - -bootstrap-expect 1 (and -dev): bootstrap a cluster of itself;
// - otherwise ask every -retry-join address "hello": if one belongs to a cluster with a known
//   leader, join it (start with no configuration, then ask the leader to add us); if one has
//   already bootstrapped a configuration that names us, start with no configuration and let
//   its leader replicate to us (we still vote, so it can elect one); if instead
//   at least -bootstrap-expect servers (us included) answer that they belong to none, every one
//   of them bootstraps with the same configuration — those servers, sorted by id — which Raft
//   accepts because identical bootstrap entries agree.
// A server never bootstraps twice: the host refuses to when the data dir has Raft state.
import type { Clock } from '../consensus/host/clock.ts';
import type { Transport } from '../consensus/host/transport.ts';
import { RpcChannel } from '../consensus/host/transport.ts';
import { ServerSuffrage, type Configuration, type NodeId } from '../consensus/raft/index.ts';
import type { Logger } from './logger.ts';
import { decodeFrame, encodeFrame, type AppResponse } from './rpc.ts';

/** Between rounds of "hello" to the -retry-join addresses (Consul retries every 30 s; we are quicker). */
const DISCOVERY_INTERVAL_MS = 500;
/** A hello that takes longer is treated as unanswered for this round. */
const HELLO_TIMEOUT_MS = 2_000;

export interface Self {
  readonly id: string;
  readonly address: string;
  readonly nodeName: string;
}

export type FormationPlan =
  | { readonly kind: 'restart' }
  /** Another server bootstrapped a configuration naming us: start empty, it will replicate. */
  | { readonly kind: 'named' }
  | { readonly kind: 'bootstrap'; readonly configuration: Configuration }
  | { readonly kind: 'join'; readonly leaderAddress: string };

export interface FormationDeps {
  readonly self: Self;
  readonly hasRaftState: boolean;
  readonly bootstrapExpect: number;
  readonly retryJoin: readonly string[];
  readonly transport: Transport;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Resolves when the server is shutting down; discovery stops. */
  readonly stopped: () => boolean;
}

function voters(servers: readonly { readonly id: string; readonly address: string }[]): Configuration {
  const sorted = [...servers].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return { servers: sorted.map((s) => ({ id: s.id as NodeId, address: s.address, suffrage: ServerSuffrage.Voter })) };
}

export function selfBootstrap(self: Self): Configuration {
  return voters([self]);
}

export async function planFormation(deps: FormationDeps): Promise<FormationPlan | undefined> {
  const { self, logger } = deps;
  if (deps.hasRaftState) return { kind: 'restart' };
  const peers = [...new Set(deps.retryJoin)].filter((a) => a !== self.address);
  if (deps.bootstrapExpect === 1 || (peers.length === 0 && deps.bootstrapExpect <= 1)) {
    return { kind: 'bootstrap', configuration: selfBootstrap(self) };
  }
  if (peers.length === 0) {
    logger.warn('no -retry-join addresses and -bootstrap-expect is not 1: waiting to be added by another server');
    return undefined;
  }
  for (let round = 1; !deps.stopped(); round++) {
    const answers = await helloAll(deps, peers);
    if (answers.some((a) => a.members.includes(self.id))) return { kind: 'named' };
    const leaderAddress = answers.find((a) => a.clustered && a.leaderAddress !== '')?.leaderAddress;
    if (leaderAddress !== undefined) return { kind: 'join', leaderAddress };
    const fresh = answers.filter((a) => !a.clustered);
    if (deps.bootstrapExpect > 1 && fresh.length + 1 >= deps.bootstrapExpect) {
      const configuration = voters([self, ...fresh]);
      logger.info({ servers: configuration.servers.map((s) => s.address) }, 'bootstrapping the cluster');
      return { kind: 'bootstrap', configuration };
    }
    if (round === 1 || round % 20 === 0) logger.info({ found: fresh.length + 1, expect: deps.bootstrapExpect }, 'waiting for servers to join');
    await new Promise<void>((r) => deps.clock.setTimer(DISCOVERY_INTERVAL_MS, r));
  }
  return undefined;
}

type Hello = Extract<AppResponse, { kind: 'hello' }>;

async function helloAll(deps: FormationDeps, peers: readonly string[]): Promise<Hello[]> {
  const answers = await Promise.all(
    peers.map(async (address) => {
      try {
        const raw = await deps.transport.request(address, encodeFrame({ kind: 'hello' }), { channel: RpcChannel.App, timeoutMs: HELLO_TIMEOUT_MS });
        const decoded = decodeFrame<AppResponse>(raw);
        return decoded.ok && decoded.header.kind === 'hello' ? decoded.header : undefined;
      } catch {
        return undefined;
      }
    }),
  );
  // Several addresses may reach the same server; keep one answer per id, never ourselves.
  const byId = new Map<string, Hello>();
  for (const a of answers) if (a !== undefined && a.id !== deps.self.id) byId.set(a.id, a);
  return [...byId.values()];
}

/** Asks the leader (following redirects) to add this server; retries until it succeeds or stops. */
export async function requestJoin(deps: FormationDeps, firstLeader: string): Promise<boolean> {
  let target = firstLeader;
  const candidates = [...new Set(deps.retryJoin)].filter((a) => a !== deps.self.address);
  for (let attempt = 0; !deps.stopped(); attempt++) {
    try {
      const raw = await deps.transport.request(target, encodeFrame({ kind: 'join', ...deps.self }), { channel: RpcChannel.App, timeoutMs: 15_000 });
      const decoded = decodeFrame<AppResponse>(raw);
      if (decoded.ok && decoded.header.kind === 'ok') return true;
      if (decoded.ok && decoded.header.kind === 'not-leader' && decoded.header.leaderAddress !== '') {
        target = decoded.header.leaderAddress;
        continue;
      }
      deps.logger.warn({ target, answer: decoded.ok ? decoded.header : decoded.error }, 'join refused; retrying');
    } catch (err) {
      deps.logger.debug({ err, target }, 'join attempt failed; retrying');
    }
    target = candidates[attempt % Math.max(1, candidates.length)] ?? target;
    await new Promise<void>((r) => deps.clock.setTimer(DISCOVERY_INTERVAL_MS, r));
  }
  return false;
}
