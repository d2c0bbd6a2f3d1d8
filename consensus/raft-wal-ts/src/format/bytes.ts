// Little-endian u64 helpers for indexes that are JavaScript safe integers (< 2^53).
import type { Buffer } from 'node:buffer';

const TWO_32 = 0x1_0000_0000;

export function writeU64(buf: Buffer, value: number, offset: number): void {
  buf.writeUInt32LE(value % TWO_32, offset);
  buf.writeUInt32LE(Math.floor(value / TWO_32), offset + 4);
}

/** Reads a u64; returns -1 when it is not a safe integer (a damaged or foreign value). */
export function readU64(buf: Buffer, offset: number): number {
  const hi = buf.readUInt32LE(offset + 4);
  if (hi > 0x1f_ffff) return -1;
  return hi * TWO_32 + buf.readUInt32LE(offset);
}

export function align8(n: number): number {
  return (n + 7) & ~7;
}

/** The host must be little-endian: index arrays are copied to and from disk as raw Uint32Array bytes. */
export function assertLittleEndianHost(): void {
  if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) {
    throw new Error('raft-wal-ts requires a little-endian host');
  }
}
