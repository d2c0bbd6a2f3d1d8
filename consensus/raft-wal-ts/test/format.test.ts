import { describe, expect, test } from 'vitest';
import { Buffer } from 'node:buffer';
import {
  checkSegmentHeader,
  encodeSegmentHeader,
  entryChecksumOk,
  entryFrameSize,
  indexFrameSize,
  parseSegmentFileName,
  segmentFileName,
} from '../src/format/segment-format.ts';
import { decodeMeta, encodeMeta, type MetaState } from '../src/format/meta-format.ts';
import { BatchEncoder } from '../src/segment/batch-encoder.ts';
import { WalCorruptionError } from '../src/errors.ts';
import { entry } from './helpers/entries.ts';
import { walkFrames } from './helpers/format-walk.ts';

describe('segment file names', () => {
  test('are <base, 20 digits>-<id, 16 hex>.wal and parse back', () => {
    expect(segmentFileName(1, 1)).toBe('00000000000000000001-0000000000000001.wal');
    expect(segmentFileName(7394872394732, 0x1234cd4567ef)).toBe('00000007394872394732-00001234cd4567ef.wal');
    expect(parseSegmentFileName('00000007394872394732-00001234cd4567ef.wal')).toEqual({ baseIndex: 7394872394732, id: 0x1234cd4567ef });
  });

  test('reject anything else', () => {
    for (const bad of ['00000000000000000001-00ab1234cd4567ef.wal', '0000000000100000000001.wal', '00000000000000000001-zxcv.wal', 'wal-meta', '00000000000000000001-0000000000000001.wal.tmp']) {
      expect(parseSegmentFileName(bad)).toBeUndefined();
    }
  });
});

describe('segment header', () => {
  test('round-trips and names what is wrong', () => {
    const buf = Buffer.alloc(32);
    encodeSegmentHeader(buf, 0, 42, 7);
    expect(checkSegmentHeader(buf, 0, 42, 7)).toBeUndefined();
    expect(checkSegmentHeader(buf, 0, 43, 7)).toMatch(/base index 42 does not match meta 43/);
    expect(checkSegmentHeader(buf, 0, 42, 8)).toMatch(/id 7 does not match meta 8/);
    buf[0] = buf[0]! ^ 1;
    expect(checkSegmentHeader(buf, 0, 42, 7)).toMatch(/magic/);
  });
});

describe('batch encoding', () => {
  test('frames are 8-aligned, typed, and the entry checksum covers header and data', () => {
    const enc = new BatchEncoder();
    const es = [entry(5, 2, 13), entry(6, 2, 0), entry(7, 3, 64)];
    const frameBytes = es.reduce((n, e) => n + entryFrameSize(e.data.length), 0);
    enc.start(0, 32 + frameBytes + indexFrameSize(3) + 16);
    enc.segmentHeader(5, 1);
    const offsets = new Uint32Array(es.map((e) => enc.entry(e)));
    enc.index(offsets, 3);
    const bytes = Buffer.from(enc.commit(1));
    expect(bytes.length % 8).toBe(0);
    const frames = walkFrames(bytes);
    expect(frames.map((f) => f.type)).toEqual([1, 1, 1, 2, 3]);
    expect(frames.map((f) => f.at).slice(0, 3)).toEqual([...offsets]);
    for (const f of frames) expect(f.at % 8).toBe(0);
    expect(entryChecksumOk(bytes, offsets[0]!, 13)).toBe(true);
    bytes[offsets[0]! + 32 + 12] = bytes[offsets[0]! + 32 + 12]! ^ 0x10; // a data byte
    expect(entryChecksumOk(bytes, offsets[0]!, 13)).toBe(false);
  });
});

describe('meta file', () => {
  const state: MetaState = {
    nextSegmentId: 9,
    firstIndex: 12,
    segments: [
      { baseIndex: 10, id: 3, lastIndex: 40, indexOffset: 4096 },
      { baseIndex: 41, id: 8, lastIndex: 0, indexOffset: 0 },
    ],
    stable: new Map([
      ['CurrentTerm', new Uint8Array([1, 2, 3])],
      ['LastVote', new Uint8Array(0)],
    ]),
  };

  test('round-trips', () => {
    const back = decodeMeta(encodeMeta(state));
    expect(back.nextSegmentId).toBe(9);
    expect(back.firstIndex).toBe(12);
    expect(back.segments).toEqual(state.segments);
    expect([...back.stable].map(([k, v]) => [k, [...v]])).toEqual([
      ['CurrentTerm', [1, 2, 3]],
      ['LastVote', []],
    ]);
  });

  test('any flipped byte is refused as corruption of wal-meta', () => {
    const bytes = encodeMeta(state);
    for (let i = 0; i < bytes.length; i++) {
      const copy = Buffer.from(bytes);
      copy[i] = copy[i]! ^ 0x04;
      expect(() => decodeMeta(copy), `byte ${i}`).toThrow(WalCorruptionError);
    }
  });
});
