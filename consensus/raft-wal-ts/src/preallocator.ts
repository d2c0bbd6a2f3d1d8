// Keeps one zero-filled, synced spare file ready for the next segment. Overwriting allocated
// blocks lets fdatasync flush data only; appending to a growing file also commits the size
// change through the file-system journal, which halves the sync rate on ext4. Node has no
// fallocate, so the spare is filled with zeros in the background, off the append path.
import { Buffer } from 'node:buffer';
import type { Vfs } from './vfs.ts';

export const SPARE_FILE = 'wal-spare.tmp';
/** Zero-fill in chunks so one write never holds a large buffer or blocks for long. */
const FILL_CHUNK = 1024 * 1024;

export class Preallocator {
  private filling: Promise<void> | undefined;
  private ready = false;
  private error: unknown;
  private zeros: Buffer | undefined;

  constructor(
    private readonly vfs: Vfs,
    private readonly dir: string,
    private readonly size: number,
  ) {}

  /** Starts filling a spare unless one is ready or being filled. Never rejects. */
  start(): void {
    if (this.ready || this.filling) return;
    this.filling = this.fill().then(
      () => {
        this.ready = true;
        this.filling = undefined;
      },
      (err: unknown) => {
        this.error = err;
        this.filling = undefined;
      },
    );
  }

  /**
   * Waits for the spare and hands it over: when this resolves SPARE_FILE is a zero-filled,
   * synced file that the caller now owns (and renames). Rethrows a fill failure.
   */
  async take(): Promise<void> {
    this.start();
    await this.filling;
    if (!this.ready) {
      const err = this.error;
      this.error = undefined;
      throw err instanceof Error ? err : new Error(`spare segment fill failed: ${String(err)}`);
    }
    this.ready = false;
  }

  /** Waits for a fill in progress (close must not leave IO running). */
  async settle(): Promise<void> {
    await this.filling;
  }

  private async fill(): Promise<void> {
    this.zeros ??= Buffer.alloc(Math.min(FILL_CHUNK, this.size));
    const file = await this.vfs.create(this.dir, SPARE_FILE);
    try {
      for (let at = 0; at < this.size; at += FILL_CHUNK) {
        const n = Math.min(FILL_CHUNK, this.size - at);
        await file.write(n === this.zeros.length ? this.zeros : this.zeros.subarray(0, n), at);
      }
      await file.sync();
    } finally {
      await file.close();
    }
  }
}
