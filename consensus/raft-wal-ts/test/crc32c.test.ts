import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { crc32c } from '../src/crc32c.ts';

/** Bit-at-a-time reference: the definition, too slow for use, obviously right. */
function reference(data: Uint8Array): number {
  let crc = 0xffffffff;
  for (const b of data) {
    crc ^= b;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

describe('crc32c', () => {
  test('matches the published check values', () => {
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283);
    expect(crc32c(new Uint8Array(32))).toBe(0x8a9136aa); // RFC 3720 B.4: 32 bytes of zeros
    expect(crc32c(new Uint8Array(32).fill(0xff))).toBe(0x62a8ab43); // RFC 3720 B.4: 32 bytes of 0xff
    expect(crc32c(new Uint8Array(0))).toBe(0);
  });

  test.prop([fc.uint8Array({ maxLength: 300 })])('slicing-by-8 equals the bitwise definition', (data) => {
    expect(crc32c(data)).toBe(reference(data));
  });

  test.prop([fc.uint8Array({ maxLength: 200 }), fc.nat(200), fc.nat(200)])('chains over any split and sub-range', (data, a, b) => {
    const lo = Math.min(a, b, data.length);
    const hi = Math.min(Math.max(a, b), data.length);
    const whole = crc32c(data, lo, hi);
    const mid = lo + ((hi - lo) >> 1);
    expect(crc32c(data, mid, hi, crc32c(data, lo, mid))).toBe(whole);
    expect(whole).toBe(reference(data.subarray(lo, hi)));
  });
});

describe('crc32c alignment paths', () => {
  test.prop([fc.uint8Array({ minLength: 1, maxLength: 400 }), fc.nat(7)])('word-aligned and unaligned ranges agree with the definition', (data, shift) => {
    const backing = new Uint8Array(data.length + 8);
    backing.set(data, shift);
    const view = backing.subarray(shift, shift + data.length);
    expect(crc32c(view)).toBe(reference(data));
    expect(crc32c(backing, shift, shift + data.length)).toBe(reference(data));
  });
});
