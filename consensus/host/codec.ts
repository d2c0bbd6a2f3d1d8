// The wire encoding of Raft messages: a compact, versioned binary format. One batch carries
// the messages a Ready addresses to one peer, so `from` and `to` are written once:
//
//   u8  CODEC_VERSION
//   str from, str to                 str = u16 byte length + UTF-8
//   u32 count
//   count × message                  u8 type code (MessageCode, never renumbered) + fields
//
// Integers are big-endian; terms, indexes and offsets are u64 written as two u32 halves and
// asserted to be safe integers both ways. Entry data and snapshot chunk bytes above
// INLINE_LIMIT are emitted as separate parts (the transport writes them with writev) and
// decoded as views into the received frame: no copy on either side.
import {
  type AppendRequest,
  type Configuration,
  type Entry,
  type Index,
  isEntryType,
  type Message,
  type NodeId,
  type Server,
  type ServerSuffrage,
  type SnapshotMeta,
  type Term,
} from '../raft/types.ts';

export const CODEC_VERSION = 1;

/** Wire codes of message types. Never renumber: they are the protocol. */
export const MessageCode = {
  vote: 1,
  preVote: 2,
  voteResp: 3,
  preVoteResp: 4,
  append: 5,
  appendResp: 6,
  heartbeat: 7,
  heartbeatResp: 8,
  snapshot: 9,
  timeoutNow: 10,
  readIndex: 11,
  readIndexResp: 12,
  transferLeader: 13,
} as const satisfies Record<Message['type'], number>;

const TYPE_BY_CODE = new Map<number, Message['type']>(
  Object.entries(MessageCode).map(([type, code]) => [code, type as Message['type']]),
);

/** Byte arrays at least this long are passed by reference instead of copied into the batch. */
const INLINE_LIMIT = 256;
/** Sanity bounds on decoded counts, so a corrupt count cannot make us loop or allocate wildly. */
const MAX_MESSAGES_PER_BATCH = 1 << 20;
const MAX_SERVERS = 1 << 12;
const U32 = 0x1_0000_0000;
/** Strings are node ids, addresses and read contexts. */
const MAX_STRING_BYTES = 0xffff;

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder('utf-8', { fatal: true });

export class CodecError extends Error {
  override readonly name = 'CodecError';
}

/**
 * Encodes messages that share one sender and one recipient. Returns the parts of the batch in
 * order; their concatenation is the encoding.
 */
export function encodeBatch(messages: readonly Message[]): Uint8Array[] {
  const first = messages[0];
  if (first === undefined) throw new CodecError('cannot encode an empty batch');
  const w = new Writer();
  w.u8(CODEC_VERSION);
  w.str(first.from);
  w.str(first.to);
  w.u32(messages.length);
  for (const m of messages) {
    if (m.from !== first.from || m.to !== first.to) throw new CodecError('a batch must have one sender and one recipient');
    encodeMessage(w, m);
  }
  return w.finish();
}

/** Concatenates encodeBatch's parts (for callers that need one array). */
export function encodeBatchBytes(messages: readonly Message[]): Uint8Array {
  return concatParts(encodeBatch(messages));
}

export function decodeBatch(bytes: Uint8Array): Message[] {
  const r = new Reader(bytes);
  const version = r.u8();
  if (version !== CODEC_VERSION) throw new CodecError(`unsupported codec version ${version}`);
  const from = r.str() as NodeId;
  const to = r.str() as NodeId;
  const count = r.u32();
  if (count === 0 || count > MAX_MESSAGES_PER_BATCH) throw new CodecError(`bad message count ${count}`);
  const out: Message[] = [];
  for (let i = 0; i < count; i++) out.push(decodeMessage(r, from, to));
  r.end();
  return out;
}

function encodeMessage(w: Writer, m: Message): void {
  w.u8(MessageCode[m.type]);
  w.u64(m.term);
  switch (m.type) {
    case 'vote':
    case 'preVote':
      w.u64(m.lastLogIndex);
      w.u64(m.lastLogTerm);
      w.bool(m.transfer);
      return;
    case 'voteResp':
    case 'preVoteResp':
      w.bool(m.reject);
      return;
    case 'append':
      encodeAppend(w, m);
      return;
    case 'appendResp':
      w.u64(m.index);
      w.bool(m.reject);
      w.u64(m.hintIndex);
      w.u64(m.hintTerm);
      return;
    case 'heartbeat':
      w.u64(m.commit);
      w.optStr(m.context);
      return;
    case 'heartbeatResp':
      w.optStr(m.context);
      return;
    case 'snapshot':
      encodeSnapshotMeta(w, m.meta);
      w.u64(m.offset);
      w.bool(m.done);
      w.bytes(m.data);
      return;
    case 'timeoutNow':
      return;
    case 'readIndex':
      w.str(m.context);
      return;
    case 'readIndexResp':
      w.str(m.context);
      w.u64(m.index);
      return;
    case 'transferLeader':
      w.str(m.target);
      return;
  }
}

function encodeAppend(w: Writer, m: AppendRequest): void {
  w.u64(m.prevLogIndex);
  w.u64(m.prevLogTerm);
  w.u64(m.commit);
  w.u32(m.entries.length);
  // Entries of one append are contiguous from prevLogIndex + 1, so indexes are implied.
  m.entries.forEach((e, k) => {
    if (e.index !== m.prevLogIndex + 1 + k) {
      throw new CodecError(`append entries not contiguous after ${m.prevLogIndex}: entry ${k} has index ${e.index}`);
    }
    w.u64(e.term);
    w.u8(e.type);
    w.bytes(e.data);
  });
}

function encodeSnapshotMeta(w: Writer, meta: SnapshotMeta): void {
  w.u64(meta.index);
  w.u64(meta.term);
  w.u64(meta.configurationIndex);
  w.u32(meta.configuration.servers.length);
  for (const s of meta.configuration.servers) {
    w.str(s.id);
    w.str(s.address);
    w.u8(s.suffrage);
  }
}

function decodeMessage(r: Reader, from: NodeId, to: NodeId): Message {
  const code = r.u8();
  const type = TYPE_BY_CODE.get(code);
  if (type === undefined) throw new CodecError(`unknown message code ${code}`);
  const term = r.u64() as Term;
  const h = { from, to, term };
  switch (type) {
    case 'vote':
    case 'preVote':
      return { ...h, type, lastLogIndex: r.u64() as Index, lastLogTerm: r.u64() as Term, transfer: r.bool() };
    case 'voteResp':
    case 'preVoteResp':
      return { ...h, type, reject: r.bool() };
    case 'append':
      return decodeAppend(r, h);
    case 'appendResp':
      return { ...h, type, index: r.u64() as Index, reject: r.bool(), hintIndex: r.u64() as Index, hintTerm: r.u64() as Term };
    case 'heartbeat':
      return { ...h, type, commit: r.u64() as Index, context: r.optStr() };
    case 'heartbeatResp':
      return { ...h, type, context: r.optStr() };
    case 'snapshot':
      return { ...h, type, meta: decodeSnapshotMeta(r), offset: r.u64(), done: r.bool(), data: r.bytes() };
    case 'timeoutNow':
      return { ...h, type };
    case 'readIndex':
      return { ...h, type, context: r.str() };
    case 'readIndexResp':
      return { ...h, type, context: r.str(), index: r.u64() as Index };
    case 'transferLeader':
      return { ...h, type, target: r.str() as NodeId };
  }
}

function decodeAppend(r: Reader, h: { from: NodeId; to: NodeId; term: Term }): AppendRequest {
  const prevLogIndex = r.u64() as Index;
  const prevLogTerm = r.u64() as Term;
  const commit = r.u64() as Index;
  const count = r.u32();
  if (count > MAX_MESSAGES_PER_BATCH) throw new CodecError(`bad entry count ${count}`);
  const entries: Entry[] = [];
  for (let k = 0; k < count; k++) {
    const entryTerm = r.u64() as Term;
    const type = r.u8();
    if (!isEntryType(type)) throw new CodecError(`unknown entry type ${type}`);
    const index = prevLogIndex + 1 + k;
    if (!Number.isSafeInteger(index)) throw new CodecError('entry index overflows');
    entries.push({ index: index as Index, term: entryTerm, type, data: r.bytes() });
  }
  return { ...h, type: 'append', prevLogIndex, prevLogTerm, commit, entries };
}

function decodeSnapshotMeta(r: Reader): SnapshotMeta {
  const index = r.u64() as Index;
  const term = r.u64() as Term;
  const configurationIndex = r.u64() as Index;
  const count = r.u32();
  if (count > MAX_SERVERS) throw new CodecError(`bad server count ${count}`);
  const servers: Server[] = [];
  for (let i = 0; i < count; i++) {
    const id = r.str() as NodeId;
    const address = r.str();
    const suffrage = r.u8();
    if (suffrage !== 1 && suffrage !== 2) throw new CodecError(`unknown suffrage ${suffrage}`);
    servers.push({ id, address, suffrage: suffrage as ServerSuffrage });
  }
  const configuration: Configuration = { servers };
  return { index, term, configuration, configurationIndex };
}

/** Appends scalars to a scratch buffer, passing large byte arrays through as separate parts. */
class Writer {
  private readonly parts: Uint8Array[] = [];
  private buf = new Uint8Array(512);
  private view = new DataView(this.buf.buffer);
  /** Start of the bytes not yet emitted as a part. */
  private start = 0;
  private at = 0;

  u8(v: number): void {
    this.reserve(1);
    this.view.setUint8(this.at, v);
    this.at += 1;
  }

  bool(v: boolean): void {
    this.u8(v ? 1 : 0);
  }

  u32(v: number): void {
    if (!Number.isInteger(v) || v < 0 || v >= U32) throw new CodecError(`u32 out of range: ${v}`);
    this.reserve(4);
    this.view.setUint32(this.at, v);
    this.at += 4;
  }

  u64(v: number): void {
    if (!Number.isSafeInteger(v) || v < 0) throw new CodecError(`u64 must be a non-negative safe integer: ${v}`);
    this.reserve(8);
    this.view.setUint32(this.at, Math.floor(v / U32));
    this.view.setUint32(this.at + 4, v >>> 0);
    this.at += 8;
  }

  str(s: string): void {
    const b = utf8.encode(s);
    if (b.byteLength > MAX_STRING_BYTES) throw new CodecError('string too long');
    this.reserve(2 + b.byteLength);
    this.view.setUint16(this.at, b.byteLength);
    this.buf.set(b, this.at + 2);
    this.at += 2 + b.byteLength;
  }

  /** A string or null: u8 presence flag, then the string. */
  optStr(s: string | null): void {
    this.bool(s !== null);
    if (s !== null) this.str(s);
  }

  /** u32 length, then the bytes: copied when small, referenced when large. */
  bytes(b: Uint8Array): void {
    this.u32(b.byteLength);
    if (b.byteLength < INLINE_LIMIT) {
      this.reserve(b.byteLength);
      this.buf.set(b, this.at);
      this.at += b.byteLength;
      return;
    }
    this.flush();
    this.parts.push(b);
  }

  finish(): Uint8Array[] {
    this.flush();
    return this.parts;
  }

  private flush(): void {
    if (this.at === this.start) return;
    this.parts.push(this.buf.subarray(this.start, this.at));
    this.start = this.at;
  }

  /** Makes room for n more bytes; emitted parts keep their (old) buffer. */
  private reserve(n: number): void {
    if (this.at + n <= this.buf.byteLength) return;
    const pending = this.buf.subarray(this.start, this.at);
    const grown = new Uint8Array(Math.max(this.buf.byteLength * 2, pending.byteLength + n));
    grown.set(pending);
    this.buf = grown;
    this.view = new DataView(grown.buffer);
    this.start = 0;
    this.at = pending.byteLength;
  }
}

class Reader {
  private at = 0;
  private readonly view: DataView;
  constructor(private readonly b: Uint8Array) {
    this.view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  }

  private need(n: number): void {
    if (this.at + n > this.b.byteLength) throw new CodecError(`truncated batch at byte ${this.at}`);
  }

  u8(): number {
    this.need(1);
    return this.view.getUint8(this.at++);
  }

  bool(): boolean {
    const v = this.u8();
    if (v > 1) throw new CodecError(`bad boolean ${v}`);
    return v === 1;
  }

  u32(): number {
    this.need(4);
    const v = this.view.getUint32(this.at);
    this.at += 4;
    return v;
  }

  u64(): number {
    this.need(8);
    const hi = this.view.getUint32(this.at);
    const lo = this.view.getUint32(this.at + 4);
    this.at += 8;
    const v = hi * U32 + lo;
    if (!Number.isSafeInteger(v)) throw new CodecError(`u64 ${hi}:${lo} is not a safe integer`);
    return v;
  }

  str(): string {
    this.need(2);
    const n = this.view.getUint16(this.at);
    this.at += 2;
    this.need(n);
    try {
      return fromUtf8.decode(this.b.subarray(this.at, (this.at += n)));
    } catch {
      throw new CodecError('string is not UTF-8');
    }
  }

  optStr(): string | null {
    return this.bool() ? this.str() : null;
  }

  /** A view into the batch, not a copy. */
  bytes(): Uint8Array {
    const n = this.u32();
    this.need(n);
    return this.b.subarray(this.at, (this.at += n));
  }

  end(): void {
    if (this.at !== this.b.byteLength) throw new CodecError(`${this.b.byteLength - this.at} trailing bytes after batch`);
  }
}

export function concatParts(parts: readonly Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0] as Uint8Array;
  let n = 0;
  for (const p of parts) n += p.byteLength;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}
