// Frames on the cluster port. Every frame is
//
//   u32 length   bytes after this field: 4 header bytes + body + MAC (big-endian)
//   u8  version  FRAME_VERSION; a peer speaking another version is disconnected
//   u8  kind     FrameKind; never renumbered
//   u16 flags    bit 0: the frame carries a MAC (a cluster key is configured)
//   ...body
//   [32-byte HMAC-SHA256]  when flag bit 0 is set; see frame-auth.ts for what it covers
//
// The length is checked against MAX_FRAME_BYTES before anything is buffered for it, so a
// stray client (say, an HTTP request sent to the cluster port) is cut off after four bytes.

export const FRAME_VERSION = 1;

export const FrameKind = {
  Hello: 1,
  HelloAck: 2,
  Raft: 3,
  Request: 4,
  Response: 5,
} as const;
export type FrameKind = (typeof FrameKind)[keyof typeof FrameKind];

const KNOWN_KINDS: ReadonlySet<number> = new Set(Object.values(FrameKind));

export const FLAG_MAC = 1;
export const LENGTH_BYTES = 4;
/** Bytes of the header the length field counts: version, kind, flags. */
export const HEADER_TAIL_BYTES = 4;
export const FRAME_HEADER_BYTES = LENGTH_BYTES + HEADER_TAIL_BYTES;
export const MAC_BYTES = 32;
/**
 * Largest frame accepted or sent. Raft batches are cut well below this (the core's
 * maxBytesPerMsg) and snapshot chunks are at most SNAPSHOT_CHUNK_BYTES, so only a corrupt
 * or hostile length reaches this bound; it caps what one frame can make us allocate.
 */
export const MAX_FRAME_BYTES = 16 * 1024 * 1024;

export interface Frame {
  readonly kind: FrameKind;
  readonly flags: number;
  /** The 8 header bytes as received (covered by the MAC). */
  readonly header: Uint8Array;
  readonly body: Uint8Array;
  /** The MAC trailer when FLAG_MAC is set. */
  readonly mac: Uint8Array | undefined;
}

/** Encodes a frame header for a body of `bodyBytes` bytes. */
export function encodeHeader(kind: FrameKind, bodyBytes: number, withMac: boolean): Uint8Array {
  const total = HEADER_TAIL_BYTES + bodyBytes + (withMac ? MAC_BYTES : 0);
  if (LENGTH_BYTES + total > MAX_FRAME_BYTES) {
    throw new RangeError(`frame of ${LENGTH_BYTES + total} bytes exceeds ${MAX_FRAME_BYTES}`);
  }
  const header = new Uint8Array(FRAME_HEADER_BYTES);
  const view = new DataView(header.buffer);
  view.setUint32(0, total);
  view.setUint8(4, FRAME_VERSION);
  view.setUint8(5, kind);
  view.setUint16(6, withMac ? FLAG_MAC : 0);
  return header;
}

export class FrameError extends Error {
  override readonly name = 'FrameError';
}

/**
 * Splits a byte stream into frames. Bytes are buffered as received chunks and copied once,
 * into the frame they belong to, when the frame is complete.
 */
export class FrameDecoder {
  private chunks: Uint8Array[] = [];
  private buffered = 0;

  /** Adds received bytes and returns the frames they complete. Throws FrameError on garbage. */
  push(chunk: Uint8Array): Frame[] {
    this.chunks.push(chunk);
    this.buffered += chunk.byteLength;
    const frames: Frame[] = [];
    // Bounded by the bytes buffered: each iteration consumes at least FRAME_HEADER_BYTES.
    while (this.buffered >= LENGTH_BYTES) {
      const length = this.peekLength();
      if (length < HEADER_TAIL_BYTES || LENGTH_BYTES + length > MAX_FRAME_BYTES) {
        throw new FrameError(`bad frame length ${length}`);
      }
      if (this.buffered < LENGTH_BYTES + length) break;
      frames.push(parseFrame(this.take(LENGTH_BYTES + length)));
    }
    return frames;
  }

  private peekLength(): number {
    const head = this.chunks[0];
    if (head !== undefined && head.byteLength >= LENGTH_BYTES) {
      return new DataView(head.buffer, head.byteOffset, LENGTH_BYTES).getUint32(0);
    }
    return new DataView(this.take(LENGTH_BYTES, true).buffer).getUint32(0);
  }

  /** Removes (or with `peek`, copies) the first `n` buffered bytes into one array. */
  private take(n: number, peek = false): Uint8Array {
    const head = this.chunks[0];
    if (!peek && head !== undefined && head.byteLength === n) {
      this.chunks.shift();
      this.buffered -= n;
      return head;
    }
    const out = new Uint8Array(n);
    let filled = 0;
    let i = 0;
    while (filled < n) {
      const c = this.chunks[i++];
      if (c === undefined) throw new FrameError('decoder underflow');
      const part = Math.min(c.byteLength, n - filled);
      out.set(c.subarray(0, part), filled);
      filled += part;
    }
    if (!peek) this.consume(n);
    return out;
  }

  private consume(n: number): void {
    let left = n;
    while (left > 0) {
      const c = this.chunks[0];
      if (c === undefined) throw new FrameError('decoder underflow');
      if (c.byteLength <= left) {
        this.chunks.shift();
        left -= c.byteLength;
      } else {
        this.chunks[0] = c.subarray(left);
        left = 0;
      }
    }
    this.buffered -= n;
  }
}

function parseFrame(received: Uint8Array): Frame {
  // A plain Uint8Array view, never a Node Buffer: consumers compare and slice with
  // Uint8Array semantics.
  const bytes = new Uint8Array(received.buffer, received.byteOffset, received.byteLength);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint8(4);
  const kind = view.getUint8(5);
  const flags = view.getUint16(6);
  if (version !== FRAME_VERSION) throw new FrameError(`unsupported frame version ${version}`);
  if (!KNOWN_KINDS.has(kind)) throw new FrameError(`unknown frame kind ${kind}`);
  if ((flags & ~FLAG_MAC) !== 0) throw new FrameError(`unknown frame flags ${flags}`);
  const withMac = (flags & FLAG_MAC) !== 0;
  const bodyEnd = bytes.byteLength - (withMac ? MAC_BYTES : 0);
  if (bodyEnd < FRAME_HEADER_BYTES) throw new FrameError('frame too short for its MAC');
  return {
    kind: kind as FrameKind,
    flags,
    header: bytes.subarray(0, FRAME_HEADER_BYTES),
    body: bytes.subarray(FRAME_HEADER_BYTES, bodyEnd),
    mac: withMac ? bytes.subarray(bodyEnd) : undefined,
  };
}
