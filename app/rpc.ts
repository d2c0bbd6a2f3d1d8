// The app-level protocol on the cluster transport's App channel: what one server asks
// another (usually the leader). Frame: u32 big-endian header length, the header as UTF-8 JSON,
// then an opaque body (an encoded FSM command for `apply`). Commands travel as the same bytes
// that will enter the Raft log, so forwarding never re-encodes them.

/** Protocol version in every header; a server refuses requests of a version it does not know. */
export const APP_RPC_VERSION = 1;

export type AppRequest =
  /** Who are you, and do you belong to a cluster? Used by -retry-join and -bootstrap-expect. */
  | { readonly kind: 'hello' }
  /** Add me to the cluster (asked of the leader). */
  | { readonly kind: 'join'; readonly id: string; readonly address: string; readonly nodeName: string }
  /**
   * Propose this command (the body) and answer with its result once applied on the leader, which
   * authorizes it with the client's `token` — or, with `server`, as the asking server's own write.
   */
  | { readonly kind: 'apply'; readonly token?: string; readonly server?: true }
  /** Reset the TTL timer of a session (the leader keeps the timers). */
  | { readonly kind: 'renew-session'; readonly id: string; readonly token?: string }
  /** Leave the cluster: remove me (asked of the leader). */
  | { readonly kind: 'leave'; readonly id: string };

export type AppResponse =
  | {
      readonly kind: 'hello';
      readonly id: string;
      readonly nodeName: string;
      readonly address: string;
      readonly datacenter: string;
      /** True once the server has Raft state (bootstrapped or joined). */
      readonly clustered: boolean;
      /** Ids of the servers in its Raft configuration (empty when not clustered). */
      readonly members: readonly string[];
      readonly leaderAddress: string;
    }
  | { readonly kind: 'ok' }
  | { readonly kind: 'applied'; readonly index: number; readonly result: unknown }
  /** The session as the leader holds it, or null when it does not exist. */
  | { readonly kind: 'renewed'; readonly session: unknown }
  /** The receiver is not the leader; `leaderAddress` is "" when it knows none. */
  | { readonly kind: 'not-leader'; readonly leaderAddress: string }
  /** The request failed with a message for the caller (e.g. Permission denied). */
  | { readonly kind: 'error'; readonly message: string; readonly status: number };

type Envelope<T> = T & { readonly v: number };

const EMPTY = new Uint8Array(0);
const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function encodeFrame(header: AppRequest | AppResponse, body: Uint8Array = EMPTY): Uint8Array {
  const json = encoder.encode(JSON.stringify({ v: APP_RPC_VERSION, ...header }));
  const out = new Uint8Array(4 + json.length + body.length);
  new DataView(out.buffer).setUint32(0, json.length);
  out.set(json, 4);
  out.set(body, 4 + json.length);
  return out;
}

export type Decoded<T> = { readonly ok: true; readonly header: T; readonly body: Uint8Array } | { readonly ok: false; readonly error: string };

export function decodeFrame<T extends AppRequest | AppResponse>(frame: Uint8Array): Decoded<T> {
  if (frame.length < 4) return { ok: false, error: 'app rpc: short frame' };
  const length = new DataView(frame.buffer, frame.byteOffset, frame.byteLength).getUint32(0);
  if (4 + length > frame.length) return { ok: false, error: 'app rpc: header length exceeds frame' };
  let header: Envelope<T>;
  try {
    header = JSON.parse(decoder.decode(frame.subarray(4, 4 + length))) as Envelope<T>;
  } catch {
    return { ok: false, error: 'app rpc: header is not JSON' };
  }
  if (typeof header !== 'object' || header === null || typeof header.kind !== 'string') return { ok: false, error: 'app rpc: header has no kind' };
  if (header.v !== APP_RPC_VERSION) return { ok: false, error: `app rpc: unsupported version ${String(header.v)}` };
  return { ok: true, header, body: frame.subarray(4 + length) };
}
