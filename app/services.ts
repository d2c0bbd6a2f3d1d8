// The Services the HTTP layer runs on, implemented over this server's Raft host and state.
import { randomUUID } from 'node:crypto';
import type { Clock } from '../consensus/host/clock.ts';
import { NotLeaderError, RejectedError, TimeoutError } from '../consensus/host/errors.ts';
import type { RaftHost, ReadKind } from '../consensus/host/raft-host.ts';
import {
  NoClusterLeaderError,
  NotReadyForConsistentReadsError,
  type ApplyOutcome,
  type ConsistencyMode,
  type HttpLimits,
  type RaftStatus,
  type ReadMeta,
  type ServerInfo,
  type Services,
} from '../routes/services.ts';
import { realTimer } from '../storage/blocking-query.ts';
import { encodeCommand, type Command, type ResultOf } from '../storage/commands.ts';
import type { State } from '../storage/open-state.ts';
import type { SessionEntry } from '../storage/types.ts';
import type { AgentApi } from '../routes/agent/agent-api.ts';
import type { MetricsServices } from '../routes/metrics/metrics-services.ts';
import type { OperatorServices } from '../routes/operator/operator-services.ts';
import type { AclServices } from '../routes/acl/acl-services.ts';
import { tokenCaller } from './acl/admission.ts';
import { HOLD_TIMEOUT_MS, type CommandGateway } from './command-gateway.ts';
import { waitForLeader } from './leader-watch.ts';
import type { Logger } from './logger.ts';
import { encodeFrame } from './rpc.ts';
import type { SessionRenewer } from './session-renewer.ts';

export interface ServerServicesDeps {
  readonly info: ServerInfo;
  readonly limits: HttpLimits;
  readonly state: State;
  readonly host: RaftHost;
  readonly clock: Clock;
  readonly gateway: CommandGateway;
  readonly sessions: SessionRenewer;
  readonly logger: Logger;
  /** This server's local agent (/v1/agent/*). */
  readonly agent: AgentApi;
  readonly operator: OperatorServices;
  readonly metrics: MetricsServices;
  /** The ACL system (absent: ACLs disabled). */
  readonly acl?: AclServices;
}

export class ServerServices implements Services {
  readonly info: ServerInfo;
  readonly limits: HttpLimits;
  readonly state: State['store'];
  readonly watches: State['hub'];
  readonly waitTimer = realTimer;
  readonly agent: AgentApi;
  readonly operator: OperatorServices;
  readonly metrics: MetricsServices;
  readonly acl?: AclServices;
  /** Set once this server has heard from a leader: from then on it may answer ?stale reads. */
  private everHadLeader = false;

  constructor(private readonly deps: ServerServicesDeps) {
    this.info = deps.info;
    this.limits = deps.limits;
    if (deps.acl !== undefined) this.acl = deps.acl;
    this.state = deps.state.store;
    this.watches = deps.state.hub;
    this.agent = deps.agent;
    this.operator = deps.operator;
    this.metrics = deps.metrics;
    deps.host.onLeaderChange((l) => {
      if (l.leaderId !== null) this.everHadLeader = true;
    });
  }

  random(): number {
    return Math.random();
  }

  uuid(): string {
    return randomUUID();
  }

  readMeta(): ReadMeta {
    const s = this.deps.host.status();
    return { knownLeader: s.leaderId !== null, lastContactMs: Math.round(s.lastContactMs ?? 0) };
  }

  async readBarrier(mode: ConsistencyMode): Promise<ReadMeta> {
    if (mode === 'stale') {
      if (!this.everHadLeader && !(await waitForLeader(this.deps.host, this.deps.clock, HOLD_TIMEOUT_MS))) throw new NoClusterLeaderError();
      return this.readMeta();
    }
    await this.barrier(mode === 'consistent' ? 'readIndex' : 'lease');
    return this.readMeta();
  }

  /** The host's read barrier, waiting (by event) for a leader for at most the hold timeout. */
  private async barrier(kind: ReadKind): Promise<void> {
    const { host, clock } = this.deps;
    const deadline = clock.now() + HOLD_TIMEOUT_MS;
    for (;;) {
      try {
        await host.readBarrier(kind);
        return;
      } catch (err) {
        if (err instanceof TimeoutError) throw kind === 'readIndex' ? new NotReadyForConsistentReadsError() : new NoClusterLeaderError();
        if (err instanceof RejectedError) throw err;
        if (!(err instanceof NotLeaderError)) throw err;
        // A leader that is not yet known, or one that just stepped down: wait for the next.
        const left = deadline - clock.now();
        if (left <= 0 || !(await waitForNewLeader(host, clock, left))) throw new NoClusterLeaderError();
      }
    }
  }

  async apply<C extends Command>(command: C, token: string): Promise<ApplyOutcome<ResultOf<C['type']>>> {
    const outcome = await this.deps.gateway.apply(command, encodeCommand(command), token);
    return outcome as ApplyOutcome<ResultOf<C['type']>>;
  }

  renewSession(id: string, token: string): Promise<SessionEntry | null> {
    return this.deps.gateway.toLeader(
      async () => {
        this.deps.gateway.requireRenew(id, tokenCaller(token));
        return { ok: true, outcome: this.deps.sessions.renewAsLeader(id) };
      },
      encodeFrame({ kind: 'renew-session', id, ...(token === '' ? {} : { token }) }),
      (answer) => (answer.kind === 'renewed' ? (answer.session as SessionEntry | null) : undefined),
    );
  }

  raftStatus(): RaftStatus {
    const s = this.deps.host.status();
    return {
      leader: s.leaderAddress ?? '',
      peers: s.configuration.servers.map((server) => server.address).sort(),
    };
  }

  reportError(error: unknown, request: { readonly method: string; readonly path: string }): void {
    this.deps.logger.error({ err: error, method: request.method, path: request.path }, 'request failed');
  }
}

/** Like waitForLeader, but a leader already known counts only if it changes first. */
function waitForNewLeader(host: RaftHost, clock: Clock, timeoutMs: number): Promise<boolean> {
  if (host.status().leaderId === null) return waitForLeader(host, clock, timeoutMs);
  return new Promise<boolean>((resolve) => {
    const unsubscribe = host.onLeaderChange((l) => {
      if (l.leaderId !== null) {
        unsubscribe();
        cancel();
        resolve(true);
      }
    });
    const cancel = clock.setTimer(timeoutMs, () => {
      unsubscribe();
      resolve(host.status().leaderId !== null);
    });
  });
}
