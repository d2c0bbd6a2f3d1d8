// The operator protocol on the cluster transport's Operator channel: what a server asks the
// leader on behalf of an operator endpoint (Raft configuration with per-server progress,
// removing a peer, handing over leadership, autopilot health) and the chunked snapshot
// transfers (a save streamed from the leader, a restore uploaded to it). Frame: u32 big-endian
// header length, the header as UTF-8 JSON, then the body (snapshot bytes, or nothing).
import type { Clock } from '../consensus/host/clock.ts';
import { TransportError } from '../consensus/host/errors.ts';
import type { RaftHost } from '../consensus/host/raft-host.ts';
import { RpcChannel, type Transport } from '../consensus/host/transport.ts';
import { HttpError } from '../routes/lib/errors.ts';
import { NoClusterLeaderError } from '../routes/services.ts';
import { HOLD_TIMEOUT_MS } from './command-gateway.ts';
import { waitForLeader } from './leader-watch.ts';

export const OPERATOR_RPC_VERSION = 1;
/** A request waits this long for the leader's answer; a restore's last step may take minutes. */
export const OPERATOR_RPC_TIMEOUT_MS = 15 * 60_000;
/** Pause before asking again when no leader answered. */
const RETRY_MS = 100;

/**
 * The requests that act on the leader carry the operator's `token` (its secret, as the HTTP
 * request gave it or the agent's default): the leader checks it again, as it does a forwarded
 * write, and never takes the forwarding server's word. Transfer steps after `snapshot-open` and
 * `restore-begin` act on a handle only the authorized caller was given.
 */
export type OperatorRequest =
  | { readonly kind: 'raft-configuration'; readonly token?: string }
  | { readonly kind: 'remove-peer'; readonly id?: string; readonly address?: string; readonly token?: string }
  | { readonly kind: 'transfer-leader'; readonly id?: string; readonly token?: string }
  | { readonly kind: 'autopilot-health'; readonly token?: string }
  /** Take a snapshot archive on the leader; answers its handle, index and size. */
  | { readonly kind: 'snapshot-open'; readonly token?: string }
  /** The archive's bytes from `offset` (at most SNAPSHOT_CHUNK_BYTES). */
  | { readonly kind: 'snapshot-read'; readonly handle: string; readonly offset: number }
  | { readonly kind: 'snapshot-close'; readonly handle: string }
  /** Start uploading an archive to restore. */
  | { readonly kind: 'restore-begin'; readonly token?: string }
  /** The archive's bytes at `offset` (the body). */
  | { readonly kind: 'restore-chunk'; readonly handle: string; readonly offset: number }
  /** The upload is complete: verify and restore it. */
  | { readonly kind: 'restore-end'; readonly handle: string };

export type OperatorResponse =
  | { readonly kind: 'ok'; readonly value?: unknown }
  | { readonly kind: 'not-leader'; readonly leaderAddress: string }
  | { readonly kind: 'error'; readonly status: number; readonly message: string };

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const EMPTY = new Uint8Array(0);

export function encodeOperatorFrame(header: OperatorRequest | OperatorResponse, body: Uint8Array = EMPTY): Uint8Array {
  const json = encoder.encode(JSON.stringify({ v: OPERATOR_RPC_VERSION, ...header }));
  const out = new Uint8Array(4 + json.length + body.length);
  new DataView(out.buffer).setUint32(0, json.length);
  out.set(json, 4);
  out.set(body, 4 + json.length);
  return out;
}

export type DecodedOperatorFrame<T> = { readonly ok: true; readonly header: T; readonly body: Uint8Array } | { readonly ok: false; readonly error: string };

export function decodeOperatorFrame<T extends OperatorRequest | OperatorResponse>(frame: Uint8Array): DecodedOperatorFrame<T> {
  if (frame.length < 4) return { ok: false, error: 'operator rpc: short frame' };
  const length = new DataView(frame.buffer, frame.byteOffset, frame.byteLength).getUint32(0);
  if (4 + length > frame.length) return { ok: false, error: 'operator rpc: header length exceeds frame' };
  let header: T & { v?: unknown };
  try {
    header = JSON.parse(decoder.decode(frame.subarray(4, 4 + length))) as T & { v?: unknown };
  } catch {
    return { ok: false, error: 'operator rpc: header is not JSON' };
  }
  if (typeof header !== 'object' || header === null || typeof header.kind !== 'string') return { ok: false, error: 'operator rpc: header has no kind' };
  if (header.v !== OPERATOR_RPC_VERSION) return { ok: false, error: `operator rpc: unsupported version ${String(header.v)}` };
  return { ok: true, header, body: frame.subarray(4 + length) };
}

export interface LeaderCallDeps {
  readonly host: RaftHost;
  readonly transport: Transport;
  readonly clock: Clock;
}

/**
 * Runs `local` on the leader, or sends `request` to it; waits (by event) for a leader and
 * retries a server that stopped leading, for at most the hold timeout, then Consul's
 * "No cluster leader". An error answer becomes an HttpError with the leader's status and text.
 */
export async function callLeader<T>(
  deps: LeaderCallDeps,
  request: OperatorRequest,
  local: () => Promise<T>,
  parse: (value: unknown, body: Uint8Array, address: string) => T,
  body?: Uint8Array,
): Promise<T> {
  const { host, clock } = deps;
  const deadline = clock.now() + HOLD_TIMEOUT_MS;
  // Bounded by the hold timeout: every pass either answers, throws, or waits.
  for (;;) {
    if (host.isLeader()) return local();
    const leaderAddress = host.status().leaderAddress;
    if (leaderAddress !== undefined) {
      const answer = await ask(deps.transport, leaderAddress, request, body);
      if (answer !== undefined) {
        if (answer.header.kind === 'error') throw new HttpError(answer.header.status as HttpError['status'], answer.header.message);
        if (answer.header.kind === 'ok') return parse(answer.header.value, answer.body, leaderAddress);
      }
    } else if (!(await waitForLeader(host, clock, deadline - clock.now()))) {
      throw new NoClusterLeaderError();
    }
    if (clock.now() >= deadline) throw new NoClusterLeaderError();
    await new Promise<void>((r) => clock.setTimer(RETRY_MS, r));
  }
}

/** One request to `address`; undefined when it could not be reached or is not the leader. */
async function ask(transport: Transport, address: string, request: OperatorRequest, body?: Uint8Array) {
  let raw: Uint8Array;
  try {
    raw = await transport.request(address, encodeOperatorFrame(request, body), { channel: RpcChannel.Operator, timeoutMs: OPERATOR_RPC_TIMEOUT_MS });
  } catch (err) {
    if (err instanceof TransportError) return undefined;
    throw err;
  }
  const decoded = decodeOperatorFrame<OperatorResponse>(raw);
  if (!decoded.ok) throw new Error(decoded.error);
  return decoded.header.kind === 'not-leader' ? undefined : decoded;
}

/**
 * A request to one server that must answer it itself (a transfer handle lives there): an error
 * or "not the leader" answer becomes an HttpError, an unreachable server a 500.
 */
export async function requestAt(transport: Transport, address: string, request: OperatorRequest, body?: Uint8Array): Promise<DecodedOperatorFrame<OperatorResponse> & { ok: true }> {
  let raw: Uint8Array;
  try {
    raw = await transport.request(address, encodeOperatorFrame(request, body), { channel: RpcChannel.Operator, timeoutMs: OPERATOR_RPC_TIMEOUT_MS });
  } catch (err) {
    throw new HttpError(500, `snapshot transfer with ${address} failed: ${(err as Error).message}`);
  }
  const decoded = decodeOperatorFrame<OperatorResponse>(raw);
  if (!decoded.ok) throw new HttpError(500, decoded.error);
  const h = decoded.header;
  if (h.kind === 'error') throw new HttpError(h.status as HttpError['status'], h.message);
  if (h.kind === 'not-leader') throw new HttpError(500, 'leadership changed during the snapshot transfer; try again');
  return decoded;
}
