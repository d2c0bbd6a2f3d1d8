// Frame decoding and per-frame authentication, without sockets.
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { handshakeAuth, HELLO_ACK_LABEL, HELLO_LABEL, parseClusterKey, sessionAuth } from '../../../consensus/host/frame-auth.ts';
import { encodeHeader, FrameDecoder, FrameError, FrameKind, MAX_FRAME_BYTES } from '../../../consensus/host/frame.ts';

function frame(kind: FrameKind, body: Uint8Array, auth = handshakeAuth(undefined, HELLO_LABEL, HELLO_ACK_LABEL)): Uint8Array {
  const header = encodeHeader(kind, body.byteLength, auth.withMac);
  return Buffer.concat([header, body, auth.sign(header, [body])]);
}

describe('FrameDecoder', () => {
  test.prop([fc.array(fc.uint8Array({ maxLength: 300 }), { minLength: 1, maxLength: 6 }), fc.array(fc.integer({ min: 1, max: 50 }), { minLength: 1 })])(
    'reassembles frames however the stream is cut',
    (bodies, cuts) => {
      const stream = Buffer.concat(bodies.map((b) => frame(FrameKind.Raft, b)));
      const decoder = new FrameDecoder();
      const got: Uint8Array[] = [];
      let at = 0;
      for (let k = 0; at < stream.byteLength; k++) {
        const n = cuts[k % cuts.length]!;
        got.push(...decoder.push(stream.subarray(at, at + n)).map((f) => f.body));
        at += n;
      }
      expect(got).toEqual(bodies.map((b) => new Uint8Array(b)));
    },
  );

  it('rejects a length beyond the frame limit before buffering it', () => {
    const header = new Uint8Array(8);
    new DataView(header.buffer).setUint32(0, MAX_FRAME_BYTES);
    expect(() => new FrameDecoder().push(header.subarray(0, 4))).toThrow(FrameError);
  });

  it('rejects unknown versions, kinds and flags', () => {
    for (const [at, value] of [
      [4, 9],
      [5, 77],
      [7, 4],
    ] as const) {
      const f = frame(FrameKind.Raft, new Uint8Array([1, 2, 3]));
      f[at] = value;
      expect(() => new FrameDecoder().push(f)).toThrow(FrameError);
    }
  });
});

describe('frame authentication', () => {
  const key = new Uint8Array(32).fill(7);

  it('verifies session frames in order only', () => {
    const nonceA = new Uint8Array(16).fill(1);
    const nonceB = new Uint8Array(16).fill(2);
    const dialer = sessionAuth(key, nonceA, nonceB, true);
    const listener = sessionAuth(key, nonceA, nonceB, false);
    const f1 = new FrameDecoder().push(frame(FrameKind.Raft, new Uint8Array([1]), dialer))[0]!;
    const f2 = new FrameDecoder().push(frame(FrameKind.Raft, new Uint8Array([2]), dialer))[0]!;
    expect(listener.verify(f2)).toBe('bad frame MAC'); // out of order
    const fresh = sessionAuth(key, nonceA, nonceB, false);
    expect(fresh.verify(f1)).toBeUndefined();
    expect(fresh.verify(f2)).toBeUndefined();
    expect(fresh.verify(f2)).toBe('bad frame MAC'); // replayed
    // A frame reflected back at its sender does not verify under the other direction's key.
    expect(sessionAuth(key, nonceA, nonceB, true).verify(f1)).toBe('bad frame MAC');
  });

  it('parses only base64 of exactly 32 bytes as a cluster key', () => {
    const b64 = Buffer.from(key).toString('base64');
    expect(parseClusterKey(b64)).toEqual(key);
    expect(() => parseClusterKey(Buffer.alloc(16).toString('base64'))).toThrow(/32 bytes/);
    expect(() => parseClusterKey('not base64!')).toThrow();
  });
});
