// The tail segment: the only one being written. Its index lives in memory (one u32 per entry);
// `liveCount` and `writeOffset` move only after a batch's fdatasync returned, so readers never
// see an entry that is not durable.
import type { VfsFile } from '../vfs.ts';
import type { SegmentFrames } from './entry-reader.ts';
import { OffsetArray } from './offset-array.ts';

export class TailSegment implements SegmentFrames {
  readonly sealed = false;

  constructor(
    readonly id: number,
    readonly baseIndex: number,
    readonly name: string,
    readonly file: VfsFile,
    /** Frame offsets of entries; slots at and after liveCount may hold a batch in flight. */
    readonly offsets: OffsetArray = new OffsetArray(),
    /** Entries durable and live. */
    public liveCount = 0,
    /** End of the last durable commit frame; 0 means nothing committed (header not yet written). */
    public writeOffset = 0,
    /** The file is known to hold written (zero or data) blocks up to here. */
    public allocatedEnd = 0,
  ) {}

  get lastIndex(): number {
    return this.baseIndex + this.liveCount - 1;
  }

  frameStart(i: number): number {
    return this.offsets.get(i);
  }

  frameEnd(i: number): number {
    return i + 1 < this.liveCount ? this.offsets.get(i + 1) : this.writeOffset;
  }
}
