// A structural walk of a segment file written from the README's format description alone
// (frame types and sizes, no checksums), used by tests to find the byte they damage.
export interface WalkedFrame {
  type: number;
  at: number;
  size: number;
}

const align8 = (n: number): number => (n + 7) & ~7;
const u32 = (b: Uint8Array, at: number): number => (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24)) >>> 0;

export function walkFrames(bytes: Uint8Array): WalkedFrame[] {
  const frames: WalkedFrame[] = [];
  let pos = 32;
  while (pos + 16 <= bytes.length) {
    const type = bytes[pos]!;
    let size: number;
    if (type === 1) size = 32 + align8(u32(bytes, pos + 4));
    else if (type === 2) size = 16 + align8(4 * u32(bytes, pos + 4));
    else if (type === 3 || type === 4) size = 16;
    else break;
    frames.push({ type, at: pos, size });
    pos += size;
  }
  return frames;
}

/** Commit frames in file order. */
export function commitFrames(bytes: Uint8Array): WalkedFrame[] {
  return walkFrames(bytes).filter((f) => f.type === 3);
}
