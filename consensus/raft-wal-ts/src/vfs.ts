// The file-system seam. The WAL does all IO through these two interfaces so a test or the
// deterministic simulation can supply an in-memory implementation that injects faults and
// crashes. Every async method may resolve through plain promises (no timers, no real IO).

/** An open file. Positions are absolute byte offsets. */
export interface VfsFile {
  /** Current size including writes not yet synced (what a read would see). */
  size(): Promise<number>;
  /**
   * Positioned synchronous read into `buf` (from page cache on a real disk). Returns the
   * number of bytes read, fewer than `buf.length` only at end of file.
   */
  readSync(buf: Uint8Array, position: number): number;
  /** Writes all of `buf` at `position`. The caller may reuse `buf` once this resolves. */
  write(buf: Uint8Array, position: number): Promise<void>;
  /** fdatasync: file data and the size needed to read it are durable when this resolves. */
  sync(): Promise<void>;
  /** Sets the file size (shrinks, or extends with zeros). Not durable until sync(). */
  truncate(size: number): Promise<void>;
  close(): Promise<void>;
}

/** A flat directory of files. Names never contain a path separator. */
export interface Vfs {
  /** Creates the directory (and parents) if missing. */
  mkdirp(dir: string): Promise<void>;
  /** Names of the regular files in `dir`, in no particular order. */
  list(dir: string): Promise<string[]>;
  /** Creates `name` (truncating an existing file to zero) and opens it read-write. */
  create(dir: string, name: string): Promise<VfsFile>;
  /** Opens an existing file read-write; rejects if it does not exist. */
  open(dir: string, name: string): Promise<VfsFile>;
  remove(dir: string, name: string): Promise<void>;
  /** Atomically replaces `to` with `from`. Durable only after syncDir(dir). */
  rename(dir: string, from: string, to: string): Promise<void>;
  /** fsync of the directory: creates, renames and removes before it are durable. */
  syncDir(dir: string): Promise<void>;
}
