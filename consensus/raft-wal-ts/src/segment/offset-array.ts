// A growable array of u32 file offsets: the tail segment's in-memory index (one slot per
// entry, no object per entry).

const INITIAL_CAPACITY = 1024;

export class OffsetArray {
  private a = new Uint32Array(INITIAL_CAPACITY);

  get(i: number): number {
    return this.a[i]!;
  }

  set(i: number, offset: number): void {
    if (i >= this.a.length) this.grow(i + 1);
    this.a[i] = offset;
  }

  /** A view of the first `count` offsets; invalidated by the next set() that grows the array. */
  view(count: number): Uint32Array {
    return this.a.subarray(0, count);
  }

  private grow(min: number): void {
    let cap = this.a.length * 2;
    while (cap < min) cap *= 2;
    const next = new Uint32Array(cap);
    next.set(this.a);
    this.a = next;
  }
}
