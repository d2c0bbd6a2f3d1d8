// A sealed segment: immutable on disk, ended by an index frame whose offset the meta file
// records. The index is read lazily on first access (one positioned read) and cached as a
// Uint32Array, so opening a large log reads no sealed data at all.
import { Buffer } from 'node:buffer';
import { WalCorruptionError } from '../errors.ts';
import { FRAME_INDEX, INDEX_HEADER_SIZE, SEGMENT_HEADER_SIZE, indexChecksumOk } from '../format/segment-format.ts';
import type { VfsFile } from '../vfs.ts';
import { readFully } from '../io.ts';
import type { SegmentFrames } from './entry-reader.ts';

export class SealedSegment implements SegmentFrames {
  readonly sealed = true;
  private index: Uint32Array | undefined;

  constructor(
    readonly id: number,
    readonly baseIndex: number,
    readonly name: string,
    readonly file: VfsFile,
    /** Last live index; below the physical last entry after a tail truncation into this segment. */
    readonly lastIndex: number,
    /** File offset of the index frame (the end of the entry frames). */
    readonly indexOffset: number,
    index?: Uint32Array,
  ) {
    this.index = index;
  }

  /** The same segment with fewer live entries (tail truncation); shares file and index. */
  withLastIndex(lastIndex: number): SealedSegment {
    if (lastIndex < this.baseIndex || lastIndex > this.lastIndex) throw new Error(`bad clamp ${lastIndex} of ${this.name}`);
    return new SealedSegment(this.id, this.baseIndex, this.name, this.file, lastIndex, this.indexOffset, this.index);
  }

  frameStart(i: number): number {
    return this.loadIndex()[i]!;
  }

  frameEnd(i: number): number {
    const idx = this.loadIndex();
    return i + 1 < idx.length ? idx[i + 1]! : this.indexOffset;
  }

  private loadIndex(): Uint32Array {
    if (this.index) return this.index;
    const head = Buffer.allocUnsafe(INDEX_HEADER_SIZE);
    readFully(this.file, this.name, head, this.indexOffset);
    const count = head.readUInt32LE(4);
    const live = this.lastIndex - this.baseIndex + 1;
    if (head[0] !== FRAME_INDEX || count < live || INDEX_HEADER_SIZE + count * 4 > this.indexOffset) {
      throw new WalCorruptionError(this.name, this.indexOffset, `bad index frame (type ${head[0]}, count ${count}, live ${live})`);
    }
    const buf = Buffer.allocUnsafe(INDEX_HEADER_SIZE + count * 4);
    readFully(this.file, this.name, buf, this.indexOffset);
    if (!indexChecksumOk(buf, 0, count) || buf.readUInt32LE(12) !== 0 || buf.readUIntLE(1, 3) !== 0) {
      throw new WalCorruptionError(this.name, this.indexOffset, 'index frame checksum mismatch');
    }
    const index = new Uint32Array(count);
    new Uint8Array(index.buffer).set(buf.subarray(INDEX_HEADER_SIZE));
    checkOffsets(index, this.indexOffset, this.name);
    this.index = index;
    return index;
  }
}

function checkOffsets(index: Uint32Array, end: number, name: string): void {
  let prev = SEGMENT_HEADER_SIZE - 1;
  for (let i = 0; i < index.length; i++) {
    const off = index[i]!;
    if (off <= prev || off >= end || off % 8 !== 0) {
      throw new WalCorruptionError(name, end, `index frame entry ${i} has offset ${off} out of order`);
    }
    prev = off;
  }
}
