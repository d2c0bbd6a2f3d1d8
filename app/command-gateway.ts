// Where a write enters Raft. On the leader: the leader-side pre-checks (lock-delay), then
// propose. On a follower: forward the encoded command to the leader over the cluster port and,
// once the leader has applied it, wait for the local state to apply it too (read-your-writes
// on the server the client talks to). With no leader, wait for one — by event — for at most
// the hold timeout, then Consul's "No cluster leader".
import type { Clock } from '../consensus/host/clock.ts';
import { NotLeaderError, TransportError } from '../consensus/host/errors.ts';
import type { RaftHost } from '../consensus/host/raft-host.ts';
import { RpcChannel, type Transport } from '../consensus/host/transport.ts';
import { HttpError } from '../routes/lib/errors.ts';
import { NoClusterLeaderError } from '../routes/services.ts';
import type { GlobalCheck } from '../storage/acl/index.ts';
import { encodeCommand, validateCommand, type Command } from '../storage/commands.ts';
import { SERVER_CALLER, tokenCaller, type Caller, type WriteAdmission } from './acl/admission.ts';
import type { AppliedWaiter } from './applied-waiter.ts';
import { waitForLeader } from './leader-watch.ts';
import type { LockDelays } from './lock-delay.ts';
import { decodeFrame, encodeFrame, type AppRequest, type AppResponse } from './rpc.ts';

/** Consul's rpc_hold_timeout: how long a request waits for a leader before failing. */
export const HOLD_TIMEOUT_MS = 7_000;
/** Pause before retrying a leader that could not be reached; doubles up to the cap. */
const RETRY_BASE_MS = 25;
const RETRY_CAP_MS = 500;
/** Forwarded requests may wait this long for the leader's answer. */
const FORWARD_TIMEOUT_MS = 15_000;

export interface Outcome {
  readonly index: number;
  readonly result: unknown;
}

export interface GatewayDeps {
  readonly host: RaftHost;
  readonly transport: Transport;
  readonly clock: Clock;
  readonly lockDelays: LockDelays;
  readonly applied: AppliedWaiter;
  /** The leader's check of client writes (ACLs) and completion of ACL requests; none = admit all. */
  readonly admission?: WriteAdmission;
  readonly holdTimeoutMs?: number;
}

/** What the leader answers, as a value: the outcome, or "I am not the leader". */
export type LeaderAnswer = { readonly ok: true; readonly outcome: Outcome } | { readonly ok: false; readonly leaderAddress: string };

export class CommandGateway {
  private readonly hold: number;

  constructor(private readonly deps: GatewayDeps) {
    this.hold = deps.holdTimeoutMs ?? HOLD_TIMEOUT_MS;
  }

  /**
   * Applies a client's `command` (already encoded as `bytes`) through the leader, wherever it
   * is. `token` is the client's secret ("" for none): the leader authorizes the write with it.
   */
  async apply(command: Command, bytes: Uint8Array, token: string): Promise<Outcome> {
    return this.applyAs(command, bytes, tokenCaller(token));
  }

  /** Applies a write this server makes on its own behalf (self-registration, housekeeping). */
  async applyAsServer(command: Command, bytes: Uint8Array): Promise<Outcome> {
    return this.applyAs(command, bytes, SERVER_CALLER);
  }

  private applyAs(command: Command, bytes: Uint8Array, caller: Caller): Promise<Outcome> {
    const header = caller.kind === 'server' ? { server: true as const } : caller.secret === '' ? {} : { token: caller.secret };
    return this.toLeader(
      () => this.applyAsLeader(command, bytes, caller),
      // Built only if the write has to be forwarded (the leader proposes `bytes` as they are).
      () => encodeFrame({ kind: 'apply', ...header }, bytes),
      (answer) => (answer.kind === 'applied' ? { index: answer.index, result: answer.result } : undefined),
      // A Raft entry is not idempotent: never resend one the leader may have received.
      { resendMaybeDelivered: false },
    );
  }

  /**
   * Runs `local` if this server leads, else sends `frame` (or what it builds, once) to the
   * leader; retries until the hold timeout. Requests that are safe to repeat (removing a
   * server, renewing a session) are also resent after a connection lost mid-request; others
   * pass `resendMaybeDelivered: false`.
   */
  async toLeader<T>(
    local: () => Promise<LeaderAnswer | { ok: true; outcome: T }>,
    frame: Uint8Array | (() => Uint8Array),
    parse: (answer: AppResponse) => T | undefined,
    { resendMaybeDelivered = true }: { readonly resendMaybeDelivered?: boolean } = {},
  ): Promise<T> {
    const { host, clock } = this.deps;
    const deadline = clock.now() + this.hold;
    let delay = RETRY_BASE_MS;
    for (;;) {
      const status = host.status();
      if (host.isLeader()) {
        const answer = await local();
        if (answer.ok) return answer.outcome as T;
      } else if (status.leaderAddress !== undefined) {
        if (typeof frame === 'function') frame = frame();
        const forwarded = await this.forward(status.leaderAddress, frame, parse, resendMaybeDelivered);
        if (forwarded !== undefined) return forwarded;
      } else if (!(await waitForLeader(host, clock, deadline - clock.now()))) {
        throw new NoClusterLeaderError();
      }
      if (clock.now() >= deadline) throw new NoClusterLeaderError();
      await new Promise<void>((r) => clock.setTimer(Math.min(delay, Math.max(0, deadline - clock.now())), r));
      delay = Math.min(delay * 2, RETRY_CAP_MS);
    }
  }

  /**
   * The leader's side: the caller's authorization (a refusal throws Consul's HttpError), the
   * completion of ACL requests, lock-delay, propose, and the FSM's result. Leader loops call
   * this as the server itself (the default caller).
   */
  async applyAsLeader(command: Command, bytes: Uint8Array, caller: Caller = SERVER_CALLER): Promise<LeaderAnswer> {
    const { host, lockDelays } = this.deps;
    const admitted = this.deps.admission?.admit(command, caller) ?? { kind: 'propose', command, completed: false };
    if (admitted.kind === 'refuse') throw new HttpError(admitted.status, admitted.message);
    if (admitted.kind === 'answer') return { ok: true, outcome: { index: host.status().appliedIndex, result: admitted.result } };
    const final = admitted.command;
    if (admitted.completed) {
      // The leader built this command itself: a malformed one is a bug, never client input.
      const invalid = validateCommand(final);
      if (invalid !== null) throw new Error(`completed ${final.type} command is malformed: ${invalid}`);
    }
    const refused = lockDelays.refuse(final);
    if (refused !== undefined) return { ok: true, outcome: { index: host.status().appliedIndex, result: refused } };
    try {
      const applied = await host.propose(admitted.completed ? encodeCommand(final) : bytes);
      return { ok: true, outcome: { index: applied.index, result: applied.result } };
    } catch (err) {
      if (err instanceof NotLeaderError) return { ok: false, leaderAddress: err.leaderAddress ?? '' };
      throw err;
    }
  }

  /** Throws Consul's 403 unless `caller` may renew the session (checked by the leader). */
  requireRenew(sessionId: string, caller: Caller): void {
    const refusal = this.deps.admission?.renewRefusal(sessionId, caller) ?? null;
    if (refusal !== null) throw new HttpError(refusal.status, refusal.message);
  }

  /** Throws Consul's 403 unless `caller` passes the global `check` (an operator request on the leader). */
  requireGlobal(check: GlobalCheck, caller: Caller): void {
    const refusal = this.deps.admission?.globalRefusal(check, caller) ?? null;
    if (refusal !== null) throw new HttpError(refusal.status, refusal.message);
  }

  /**
   * undefined = try again (not the leader any more, or unreachable). Unless `resend`, a
   * request the leader may have received is never sent again: had a write been applied, a
   * second copy would apply twice (a write reappearing later, a check-and-set answering false
   * for its own success). Its outcome is unknown, and the client is told so with a 500 (as
   * Consul retries only "no leader" errors of a write).
   */
  private async forward<T>(address: string, frame: Uint8Array, parse: (answer: AppResponse) => T | undefined, resend: boolean): Promise<T | undefined> {
    let raw: Uint8Array;
    try {
      raw = await this.deps.transport.request(address, frame, { channel: RpcChannel.App, timeoutMs: FORWARD_TIMEOUT_MS });
    } catch (err) {
      if (err instanceof TransportError && (resend || !err.maybeDelivered)) return undefined;
      throw err;
    }
    const decoded = decodeFrame<AppResponse>(raw);
    if (!decoded.ok) throw new Error(decoded.error);
    const answer = decoded.header;
    if (answer.kind === 'not-leader') return undefined;
    if (answer.kind === 'error') throw new HttpError(answer.status as HttpError['status'], answer.message);
    const value = parse(answer);
    if (value === undefined) throw new Error(`unexpected answer from the leader: ${answer.kind}`);
    if (answer.kind === 'applied') await this.deps.applied.wait(answer.index, FORWARD_TIMEOUT_MS);
    return value;
  }
}

export type { AppRequest };
