// A real Vfs whose every fsync (of a file or a directory) first awaits a hook: a test makes the
// disk's syncs fail (EIO) or slow (a disk busy with writeback) from a chosen moment on.
import type { Vfs, VfsFile } from 'raft-wal-ts';

export class SyncHookVfs implements Vfs {
  /** Runs before each fsync; a rejection fails that fsync. No-op by default. */
  beforeSync: (what: 'file' | 'dir') => Promise<void> = async () => {};

  constructor(private readonly inner: Vfs) {}
  mkdirp(d: string) {
    return this.inner.mkdirp(d);
  }
  list(d: string) {
    return this.inner.list(d);
  }
  async create(d: string, name: string) {
    return this.wrap(await this.inner.create(d, name));
  }
  async open(d: string, name: string) {
    return this.wrap(await this.inner.open(d, name));
  }
  remove(d: string, name: string) {
    return this.inner.remove(d, name);
  }
  rename(d: string, from: string, to: string) {
    return this.inner.rename(d, from, to);
  }
  async syncDir(d: string) {
    await this.beforeSync('dir');
    return this.inner.syncDir(d);
  }
  private wrap(f: VfsFile): VfsFile {
    return {
      size: () => f.size(),
      readSync: (buf, pos) => f.readSync(buf, pos),
      write: (buf, pos) => f.write(buf, pos),
      sync: async () => {
        await this.beforeSync('file');
        return f.sync();
      },
      truncate: (size) => f.truncate(size),
      close: () => f.close(),
    };
  }
}
