import { describe, expect, it } from 'vitest';
import { decodeFrame, encodeFrame, type AppRequest, type AppResponse } from '../../../app/rpc.ts';

describe('app rpc frames', () => {
  it('round-trips a header and an opaque body without copying it into JSON', () => {
    const body = new Uint8Array([0, 1, 2, 255]);
    const frame = encodeFrame({ kind: 'apply', token: 's3cret' }, body);
    const decoded = decodeFrame<AppRequest>(frame);
    expect(decoded.ok).toBe(true);
    if (!decoded.ok) return;
    expect(decoded.header).toMatchObject({ kind: 'apply', token: 's3cret' });
    expect([...decoded.body]).toEqual([0, 1, 2, 255]);
  });

  it('round-trips responses', () => {
    const decoded = decodeFrame<AppResponse>(encodeFrame({ kind: 'applied', index: 42, result: { ok: true } }));
    expect(decoded.ok && decoded.header).toMatchObject({ kind: 'applied', index: 42, result: { ok: true } });
  });

  it.each([
    ['short', new Uint8Array([0, 0])],
    ['overlong header', new Uint8Array([0, 0, 0, 9, 123])],
    ['not JSON', new Uint8Array([0, 0, 0, 1, 0x7b])],
  ])('rejects a %s frame', (_name, frame) => {
    expect(decodeFrame(frame).ok).toBe(false);
  });

  it('rejects an unknown version', () => {
    const json = new TextEncoder().encode(JSON.stringify({ v: 99, kind: 'hello' }));
    const frame = new Uint8Array(4 + json.length);
    new DataView(frame.buffer).setUint32(0, json.length);
    frame.set(json, 4);
    expect(decodeFrame(frame)).toEqual({ ok: false, error: 'app rpc: unsupported version 99' });
  });
});
