// The real file system (node:fs) behind the Vfs seam: positioned reads with fs.readSync,
// data syncs with fdatasync, directory syncs by fsync of the directory.
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Vfs, VfsFile } from './vfs.ts';

const fsWrite = promisify(fs.write);
const fsFdatasync = promisify(fs.fdatasync);
const fsFtruncate = promisify(fs.ftruncate);
const fsFstat = promisify(fs.fstat);
const fsClose = promisify(fs.close);
const fsOpen = promisify(fs.open);

/**
 * Writes up to this size are done with writeSync: a copy into the page cache takes
 * microseconds, while a threadpool round trip costs 30-70 us on a small VM. Larger writes go
 * through the threadpool so the event loop is never held for long.
 */
const INLINE_WRITE_MAX = 1024 * 1024;

export interface NodeVfsOptions {
  /**
   * 'threadpool' (default): fdatasync runs on libuv's threadpool and the event loop keeps
   * working meanwhile. 'inline': fdatasyncSync on the calling thread, which saves the two
   * thread wake-ups (about a quarter of a small sync's latency here) but blocks the event loop
   * for the whole sync. Only for processes that do nothing else while they wait.
   */
  syncMode?: 'threadpool' | 'inline';
}

export class NodeVfs implements Vfs {
  private readonly inlineSync: boolean;

  constructor(options: NodeVfsOptions = {}) {
    this.inlineSync = options.syncMode === 'inline';
  }

  async mkdirp(dir: string): Promise<void> {
    await fs.promises.mkdir(dir, { recursive: true });
  }

  async list(dir: string): Promise<string[]> {
    const entries = await fs.promises.readdir(dir, { withFileTypes: true });
    return entries.filter((e) => e.isFile()).map((e) => e.name);
  }

  async create(dir: string, name: string): Promise<VfsFile> {
    return new NodeFile(await fsOpen(path.join(dir, name), 'w+'), this.inlineSync);
  }

  async open(dir: string, name: string): Promise<VfsFile> {
    return new NodeFile(await fsOpen(path.join(dir, name), 'r+'), this.inlineSync);
  }

  async remove(dir: string, name: string): Promise<void> {
    await fs.promises.unlink(path.join(dir, name));
  }

  async rename(dir: string, from: string, to: string): Promise<void> {
    await fs.promises.rename(path.join(dir, from), path.join(dir, to));
  }

  async syncDir(dir: string): Promise<void> {
    const handle = await fs.promises.open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  }
}

class NodeFile implements VfsFile {
  constructor(
    private readonly fd: number,
    private readonly inlineSync: boolean,
  ) {}

  async size(): Promise<number> {
    return (await fsFstat(this.fd)).size;
  }

  readSync(buf: Uint8Array, position: number): number {
    let done = 0;
    while (done < buf.length) {
      const n = fs.readSync(this.fd, buf, done, buf.length - done, position + done);
      if (n === 0) break;
      done += n;
    }
    return done;
  }

  async write(buf: Uint8Array, position: number): Promise<void> {
    let done = 0;
    while (done < buf.length) {
      const n =
        buf.length <= INLINE_WRITE_MAX
          ? fs.writeSync(this.fd, buf, done, buf.length - done, position + done)
          : (await fsWrite(this.fd, buf, done, buf.length - done, position + done)).bytesWritten;
      done += n;
    }
  }

  async sync(): Promise<void> {
    if (this.inlineSync) fs.fdatasyncSync(this.fd);
    else await fsFdatasync(this.fd);
  }

  async truncate(size: number): Promise<void> {
    await fsFtruncate(this.fd, size);
  }

  async close(): Promise<void> {
    await fsClose(this.fd);
  }
}
