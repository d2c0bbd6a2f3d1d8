import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import {
  CODEC_VERSION,
  CodecError,
  MessageCode,
  decodeBatch,
  encodeBatch,
  encodeBatchBytes,
} from '../../../consensus/host/codec.ts';
import type { Entry, Index, Message, NodeId, SnapshotMeta, Term } from '../../../consensus/raft/types.ts';

const A = 'node-a' as NodeId;
const B = 'node-b' as NodeId;
const t = (n: number) => n as Term;
const i = (n: number) => n as Index;
const hdr = { from: A, to: B, term: t(7) };

const meta: SnapshotMeta = {
  index: i(100),
  term: t(6),
  configurationIndex: i(3),
  configuration: {
    servers: [
      { id: A, address: '127.0.0.1:8300', suffrage: 1 },
      { id: B, address: '127.0.0.1:8301', suffrage: 2 },
    ],
  },
};

const bytes = (...v: number[]) => new Uint8Array(v);
const big = new Uint8Array(4096).map((_, k) => k & 0xff);

const table: [string, Message][] = [
  ['vote', { ...hdr, type: 'vote', lastLogIndex: i(10), lastLogTerm: t(6), transfer: false }],
  ['preVote with transfer', { ...hdr, type: 'preVote', lastLogIndex: i(0), lastLogTerm: t(0), transfer: true }],
  ['voteResp', { ...hdr, type: 'voteResp', reject: true }],
  ['preVoteResp', { ...hdr, type: 'preVoteResp', reject: false }],
  [
    'append with small and large entries',
    {
      ...hdr,
      type: 'append',
      prevLogIndex: i(9),
      prevLogTerm: t(6),
      commit: i(8),
      entries: [
        { index: i(10), term: t(7), type: 2, data: new Uint8Array() },
        { index: i(11), term: t(7), type: 1, data: bytes(1, 2, 3) },
        { index: i(12), term: t(7), type: 1, data: big },
      ],
    },
  ],
  ['empty append', { ...hdr, type: 'append', prevLogIndex: i(9), prevLogTerm: t(6), commit: i(9), entries: [] }],
  ['appendResp reject', { ...hdr, type: 'appendResp', index: i(12), reject: true, hintIndex: i(5), hintTerm: t(3) }],
  ['heartbeat without context', { ...hdr, type: 'heartbeat', commit: i(12), context: null }],
  ['heartbeat with context', { ...hdr, type: 'heartbeat', commit: i(12), context: 'ctx-1' }],
  ['heartbeatResp', { ...hdr, type: 'heartbeatResp', context: 'ctx-ü' }],
  ['snapshot request (empty data)', { ...hdr, type: 'snapshot', meta, offset: 0, data: new Uint8Array(), done: false }],
  ['snapshot chunk', { ...hdr, type: 'snapshot', meta, offset: 1 << 20, data: big, done: true }],
  ['timeoutNow', { ...hdr, type: 'timeoutNow' }],
  ['readIndex', { ...hdr, type: 'readIndex', context: 'r/42' }],
  ['readIndexResp', { ...hdr, type: 'readIndexResp', context: 'r/42', index: i(Number.MAX_SAFE_INTEGER) }],
  ['transferLeader', { ...hdr, type: 'transferLeader', target: 'node-c' as NodeId }],
];

describe('codec', () => {
  it.each(table)('round-trips %s', (_name, message) => {
    const decoded = decodeBatch(encodeBatchBytes([message]));
    expect(decoded).toEqual([message]);
  });

  it('covers every message type in the table', () => {
    expect(new Set(table.map(([, m]) => m.type))).toEqual(new Set(Object.keys(MessageCode)));
  });

  it('round-trips a batch of mixed messages in order', () => {
    const batch = table.map(([, m]) => m);
    expect(decodeBatch(encodeBatchBytes(batch))).toEqual(batch);
  });

  it('passes large entry data through by reference when encoding', () => {
    const m = table[4]![1] as Extract<Message, { type: 'append' }>;
    const parts = encodeBatch([m]);
    expect(parts).toContain(m.entries[2]!.data);
  });

  it('decodes entry data as views into the received bytes (no copy)', () => {
    const m = table[4]![1];
    const wire = encodeBatchBytes([m]);
    const decoded = decodeBatch(wire)[0] as Extract<Message, { type: 'append' }>;
    expect(decoded.entries[2]!.data.buffer).toBe(wire.buffer);
  });

  it('starts with the codec version and rejects others', () => {
    const wire = encodeBatchBytes([table[0]![1]]);
    expect(wire[0]).toBe(CODEC_VERSION);
    const other = wire.slice();
    other[0] = CODEC_VERSION + 1;
    expect(() => decodeBatch(other)).toThrow(/unsupported codec version/);
  });

  it('rejects truncated input, trailing bytes and unknown codes', () => {
    const wire = encodeBatchBytes([table[4]![1]]);
    expect(() => decodeBatch(wire.subarray(0, wire.byteLength - 1))).toThrow(CodecError);
    const trailing = new Uint8Array(wire.byteLength + 1);
    trailing.set(wire);
    expect(() => decodeBatch(trailing)).toThrow(/trailing/);
    const vote = encodeBatchBytes([table[0]![1]]);
    const codeAt = 1 + 2 + A.length + 2 + B.length + 4;
    expect(vote[codeAt]).toBe(MessageCode.vote);
    vote[codeAt] = 99;
    expect(() => decodeBatch(vote)).toThrow(/unknown message code 99/);
  });

  it('rejects integers that are not safe, on encode and on decode', () => {
    const m: Message = { ...hdr, type: 'appendResp', index: i(2 ** 53), reject: false, hintIndex: i(0), hintTerm: t(0) };
    expect(() => encodeBatch([m])).toThrow(/safe integer/);
    const ok = encodeBatchBytes([{ ...m, index: i(1) }]);
    const at = 1 + 2 + A.length + 2 + B.length + 4 + 1 + 8; // the index field
    ok[at] = 0xff; // high half 0xff000000: far beyond 2^53
    expect(() => decodeBatch(ok)).toThrow(/not a safe integer/);
  });

  it('refuses batches with mixed endpoints and non-contiguous entries', () => {
    expect(() => encodeBatch([table[0]![1], { ...table[1]![1], to: 'node-c' as NodeId }])).toThrow(/one sender/);
    const gap: Message = {
      ...hdr,
      type: 'append',
      prevLogIndex: i(1),
      prevLogTerm: t(1),
      commit: i(1),
      entries: [{ index: i(3), term: t(1), type: 1, data: new Uint8Array() }],
    };
    expect(() => encodeBatch([gap])).toThrow(/not contiguous/);
  });
});

// ---- property: any well-formed batch survives encode → decode unchanged ----------------------

const safeU64 = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER });
const nodeIdArb = fc.string({ minLength: 1, maxLength: 40, unit: 'grapheme' }).map((s) => s as NodeId);
const data = fc.oneof(fc.uint8Array({ maxLength: 16 }), fc.uint8Array({ minLength: 250, maxLength: 700 }));
const ctx = fc.string({ maxLength: 30 });

function messageArb(from: NodeId, to: NodeId): fc.Arbitrary<Message> {
  const h = safeU64.map((term) => ({ from, to, term: term as Term }));
  const metaArb = fc.record({
    index: safeU64.map(i),
    term: safeU64.map(t),
    configurationIndex: safeU64.map(i),
    configuration: fc.record({
      servers: fc.array(
        fc.record({ id: nodeIdArb, address: fc.string({ maxLength: 30 }), suffrage: fc.constantFrom(1 as const, 2 as const) }),
        { maxLength: 5 },
      ),
    }),
  });
  const append = fc
    .tuple(h, fc.integer({ min: 0, max: 2 ** 40 }), safeU64, safeU64, fc.array(fc.tuple(safeU64, fc.constantFrom(1, 2, 3, 4), data), { maxLength: 6 }))
    .map(([head, prev, prevTerm, commit, es]): Message => ({
      ...head,
      type: 'append',
      prevLogIndex: i(prev),
      prevLogTerm: t(prevTerm),
      commit: i(commit),
      entries: es.map(([et, type, d], k): Entry => ({ index: i(prev + 1 + k), term: t(et), type: type as Entry['type'], data: d })),
    }));
  return fc.oneof(
    fc.tuple(h, fc.constantFrom('vote' as const, 'preVote' as const), safeU64, safeU64, fc.boolean()).map(
      ([head, type, li, lt, transfer]): Message => ({ ...head, type, lastLogIndex: i(li), lastLogTerm: t(lt), transfer }),
    ),
    fc.tuple(h, fc.constantFrom('voteResp' as const, 'preVoteResp' as const), fc.boolean()).map(([head, type, reject]): Message => ({ ...head, type, reject })),
    append,
    fc.tuple(h, safeU64, fc.boolean(), safeU64, safeU64).map(
      ([head, idx, reject, hi, ht]): Message => ({ ...head, type: 'appendResp', index: i(idx), reject, hintIndex: i(hi), hintTerm: t(ht) }),
    ),
    fc.tuple(h, safeU64, fc.option(ctx, { nil: null })).map(([head, commit, context]): Message => ({ ...head, type: 'heartbeat', commit: i(commit), context })),
    fc.tuple(h, fc.option(ctx, { nil: null })).map(([head, context]): Message => ({ ...head, type: 'heartbeatResp', context })),
    fc.tuple(h, metaArb, safeU64, data, fc.boolean()).map(([head, m, offset, d, done]): Message => ({ ...head, type: 'snapshot', meta: m, offset, data: d, done })),
    h.map((head): Message => ({ ...head, type: 'timeoutNow' })),
    fc.tuple(h, ctx).map(([head, context]): Message => ({ ...head, type: 'readIndex', context })),
    fc.tuple(h, ctx, safeU64).map(([head, context, idx]): Message => ({ ...head, type: 'readIndexResp', context, index: i(idx) })),
    fc.tuple(h, nodeIdArb).map(([head, target]): Message => ({ ...head, type: 'transferLeader', target })),
  );
}

const batchArb = fc
  .tuple(nodeIdArb, nodeIdArb)
  .chain(([from, to]) => fc.array(messageArb(from, to), { minLength: 1, maxLength: 8 }));

describe('codec properties', () => {
  test.prop([batchArb], { numRuns: 300 })('decode(encode(batch)) equals batch', (batch) => {
    expect(decodeBatch(encodeBatchBytes(batch))).toEqual(batch);
  });

  test.prop([batchArb, fc.nat(), fc.integer({ min: 0, max: 255 })], { numRuns: 300 })(
    'a corrupted batch decodes to something well-formed or throws CodecError, never anything else',
    (batch, pos, value) => {
      const wire = encodeBatchBytes(batch).slice();
      wire[pos % wire.byteLength] = value;
      try {
        decodeBatch(wire);
      } catch (err) {
        expect(err).toBeInstanceOf(CodecError);
      }
    },
  );
});
