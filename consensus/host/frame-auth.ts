// The connection handshake and frame authentication of the cluster port.
//
// Every connection starts with Hello (dialer → listener) and HelloAck (listener → dialer),
// each carrying a fresh 16-byte random nonce. With a cluster key K configured:
//   Hello     MAC = HMAC(K, "cairn/hello/v1"     ‖ frame)
//   HelloAck  MAC = HMAC(K, "cairn/hello-ack/v1" ‖ frame)   (the frame echoes the dialer's nonce)
//   then each direction derives its own session key
//     k_dial   = HMAC(K, "cairn/dialer/v1"   ‖ nonce_dialer ‖ nonce_listener)
//     k_listen = HMAC(K, "cairn/listener/v1" ‖ nonce_dialer ‖ nonce_listener)
//   and every later frame carries MAC = HMAC(k_dir, seq ‖ frame), seq a u64 counting that
//   direction's frames from 0 (implicit: never sent).
// Why this is enough: a frame replayed on another connection fails (other nonces, other keys);
// replayed, reordered or dropped within a connection it fails (the sequence number moves);
// reflected back at its sender it fails (per-direction keys). A replayed Hello gets a HelloAck
// with a fresh listener nonce, and the replayer cannot sign anything after it. Frames are
// authenticated, not encrypted: the cluster port carries no secrets, only state that any
// server holds anyway; the key decides who may talk, not who may listen.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { FLAG_MAC, type Frame, FrameError, MAC_BYTES } from './frame.ts';

export const NONCE_BYTES = 16;
export const CLUSTER_KEY_BYTES = 32;
/** Node ids and addresses are short; the bound keeps a hostile Hello small. */
const MAX_HELLO_STRING_BYTES = 512;

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder('utf-8', { fatal: true });

export interface Hello {
  readonly nonce: Uint8Array;
  readonly nodeId: string;
  /** The cluster address the dialer listens on itself (informational, for logs). */
  readonly address: string;
}

export interface HelloAck {
  readonly dialerNonce: Uint8Array;
  readonly nonce: Uint8Array;
  readonly nodeId: string;
}

/** Parses `-encrypt`: base64 of exactly 32 bytes. */
export function parseClusterKey(base64: string): Uint8Array {
  const key = Buffer.from(base64, 'base64');
  if (key.byteLength !== CLUSTER_KEY_BYTES || key.toString('base64') !== base64.trim()) {
    throw new Error(`the cluster key must be base64 of ${CLUSTER_KEY_BYTES} bytes`);
  }
  return new Uint8Array(key);
}

export function encodeHello(h: Hello): Uint8Array {
  assertNonce(h.nonce);
  return concat([h.nonce, lengthPrefixed(h.nodeId), lengthPrefixed(h.address)]);
}

export function decodeHello(body: Uint8Array): Hello {
  const r = new BodyReader(body);
  const hello = { nonce: r.bytes(NONCE_BYTES), nodeId: r.string(), address: r.string() };
  r.end();
  return hello;
}

export function encodeHelloAck(a: HelloAck): Uint8Array {
  assertNonce(a.dialerNonce);
  assertNonce(a.nonce);
  return concat([a.dialerNonce, a.nonce, lengthPrefixed(a.nodeId)]);
}

export function decodeHelloAck(body: Uint8Array): HelloAck {
  const r = new BodyReader(body);
  const ack = { dialerNonce: r.bytes(NONCE_BYTES), nonce: r.bytes(NONCE_BYTES), nodeId: r.string() };
  r.end();
  return ack;
}

/** Signs outgoing and verifies incoming frames of one connection; see the header comment. */
export interface FrameAuth {
  readonly withMac: boolean;
  /** The MAC for an outgoing frame (empty when unauthenticated). Advances the send sequence. */
  sign(header: Uint8Array, body: readonly Uint8Array[]): Uint8Array;
  /** Verifies an incoming frame's MAC. Advances the receive sequence. Returns why it failed. */
  verify(frame: Frame): string | undefined;
}

/** Before the handshake: Hello and HelloAck are keyed with the cluster key and a label. */
export function handshakeAuth(key: Uint8Array | undefined, sendLabel: string, recvLabel: string): FrameAuth {
  return new HmacAuth(key, utf8.encode(sendLabel), utf8.encode(recvLabel));
}

export const HELLO_LABEL = 'cairn/hello/v1';
export const HELLO_ACK_LABEL = 'cairn/hello-ack/v1';

/** After the handshake: per-direction session keys and sequence numbers. */
export function sessionAuth(key: Uint8Array | undefined, dialerNonce: Uint8Array, listenerNonce: Uint8Array, isDialer: boolean): FrameAuth {
  if (key === undefined) return new HmacAuth(undefined, new Uint8Array(), new Uint8Array());
  const derive = (label: string): Uint8Array =>
    createHmac('sha256', key).update(label).update(dialerNonce).update(listenerNonce).digest();
  const dial = derive('cairn/dialer/v1');
  const listen = derive('cairn/listener/v1');
  return new SessionAuth(isDialer ? dial : listen, isDialer ? listen : dial);
}

class HmacAuth implements FrameAuth {
  readonly withMac: boolean;
  constructor(
    private readonly key: Uint8Array | undefined,
    private readonly sendPrefix: Uint8Array,
    private readonly recvPrefix: Uint8Array,
  ) {
    this.withMac = key !== undefined;
  }

  sign(header: Uint8Array, body: readonly Uint8Array[]): Uint8Array {
    if (this.key === undefined) return new Uint8Array();
    return mac(this.key, [this.sendPrefix, header, ...body]);
  }

  verify(frame: Frame): string | undefined {
    return verifyWith(this.key, [this.recvPrefix, frame.header, frame.body], frame);
  }
}

class SessionAuth implements FrameAuth {
  readonly withMac = true;
  private sendSeq = 0n;
  private recvSeq = 0n;
  constructor(
    private readonly sendKey: Uint8Array,
    private readonly recvKey: Uint8Array,
  ) {}

  sign(header: Uint8Array, body: readonly Uint8Array[]): Uint8Array {
    return mac(this.sendKey, [seqBytes(this.sendSeq++), header, ...body]);
  }

  verify(frame: Frame): string | undefined {
    return verifyWith(this.recvKey, [seqBytes(this.recvSeq++), frame.header, frame.body], frame);
  }
}

function verifyWith(key: Uint8Array | undefined, parts: readonly Uint8Array[], frame: Frame): string | undefined {
  const hasMac = (frame.flags & FLAG_MAC) !== 0;
  if (key === undefined) return hasMac ? 'peer sends authenticated frames but no cluster key is configured' : undefined;
  if (!hasMac || frame.mac === undefined) return 'unauthenticated frame but a cluster key is configured';
  const expected = mac(key, parts);
  return frame.mac.byteLength === MAC_BYTES && timingSafeEqual(expected, frame.mac) ? undefined : 'bad frame MAC';
}

function mac(key: Uint8Array, parts: readonly Uint8Array[]): Uint8Array {
  const h = createHmac('sha256', key);
  for (const p of parts) h.update(p);
  return h.digest();
}

function seqBytes(seq: bigint): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, seq);
  return b;
}

function assertNonce(n: Uint8Array): void {
  if (n.byteLength !== NONCE_BYTES) throw new RangeError(`nonce must be ${NONCE_BYTES} bytes`);
}

function lengthPrefixed(s: string): Uint8Array {
  const bytes = utf8.encode(s);
  if (bytes.byteLength > MAX_HELLO_STRING_BYTES) throw new RangeError('handshake string too long');
  const out = new Uint8Array(2 + bytes.byteLength);
  new DataView(out.buffer).setUint16(0, bytes.byteLength);
  out.set(bytes, 2);
  return out;
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}

class BodyReader {
  private at = 0;
  constructor(private readonly body: Uint8Array) {}

  /** A copy (a Node Buffer's slice() would be a view into a shared pool). */
  bytes(n: number): Uint8Array {
    if (this.at + n > this.body.byteLength) throw new FrameError('handshake body too short');
    const out = new Uint8Array(n);
    out.set(this.body.subarray(this.at, this.at + n));
    this.at += n;
    return out;
  }

  string(): string {
    const lenBytes = this.bytes(2);
    const len = ((lenBytes[0] as number) << 8) | (lenBytes[1] as number);
    if (len > MAX_HELLO_STRING_BYTES) throw new FrameError('handshake string too long');
    try {
      return fromUtf8.decode(this.bytes(len));
    } catch {
      throw new FrameError('handshake string is not UTF-8');
    }
  }

  end(): void {
    if (this.at !== this.body.byteLength) throw new FrameError('trailing bytes in handshake body');
  }
}
