// Keeps one zero-filled, synced spare file ready for the next segment. Overwriting allocated
// blocks lets fdatasync flush data only; appending to a growing file also commits the size
// change through the file-system journal, which halves the sync rate on ext4. Node has no
// fallocate, so the spare is filled with zeros in the background, off the append path, and a
// rotation never waits for it: without a ready spare the new segment is a plain file.
import { Buffer } from 'node:buffer';
import type { Vfs } from './vfs.ts';

export const SPARE_FILE = 'wal-spare.tmp';
/** Zero-fill in chunks so one write never holds a large buffer (and goes to the threadpool). */
const FILL_CHUNK = 2 * 1024 * 1024;
/**
 * Sync every few chunks: writing back 64 MiB in one fdatasync would queue the WAL's own small
 * syncs behind it for a long time; smaller pieces interleave with them.
 */
const SYNC_EVERY = 8 * 1024 * 1024;

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

  /**
   * Adopts a spare left by an earlier run when it has the full size (only zeros are ever
   * written to it, so a full-size spare holds zeros); removes it otherwise.
   */
  async adopt(names: ReadonlySet<string>): Promise<void> {
    if (!names.has(SPARE_FILE)) return;
    const file = await this.vfs.open(this.dir, SPARE_FILE);
    const size = await file.size();
    await file.close();
    if (size === this.size) this.ready = true;
    else await this.vfs.remove(this.dir, SPARE_FILE);
  }

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
   * Hands over the spare if one is ready: true means SPARE_FILE is now the caller's to rename.
   * Rethrows a failed fill (a disk that fails writes must stop the WAL too).
   */
  take(): boolean {
    if (this.error !== undefined) {
      const err = this.error;
      this.error = undefined;
      throw err instanceof Error ? err : new Error(`spare segment fill failed: ${String(err)}`);
    }
    const got = this.ready;
    this.ready = false;
    return got;
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
        if ((at + n) % SYNC_EVERY === 0) await file.sync();
      }
      await file.sync();
    } finally {
      await file.close();
    }
  }
}
