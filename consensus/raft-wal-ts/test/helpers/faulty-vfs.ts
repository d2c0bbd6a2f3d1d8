// An in-memory Vfs that models what a crash may leave on disk, and injects IO failures.
//
// Model (see README.md "Assumptions about the disk"):
// - Each file has live bytes (what reads see, the page cache) and durable bytes (as of its
//   last sync). Writes and truncates since the last sync are pending.
// - Directory operations (create, rename, remove) are pending until syncDir; a crash keeps a
//   prefix of them, in order (ordered metadata journaling, as on ext4 and xfs), except in mode
//   reorder, which keeps any subset (the weakest POSIX reading).
// - A crash resolves pending file writes by mode:
//     keep     process kill: the page cache survives, everything persists
//     lose     power loss before any writeback: only synced data
//     torn     a prefix of the pending writes persists; the write at the cut persists partially
//     sectors  each 512-byte sector of each pending write persists or not, independently
//     garbage  like sectors, but a lost sector's written bytes become random garbage
//     reorder  like sectors for data, and any subset of the pending directory operations
//   Bytes outside the range a write covered are never changed (powersafe overwrite).
// - failNextWrite / failNextSync make the next call reject with EIO (a failed sync leaves the
//   writes pending: they may or may not survive a crash).
// - crashAfter(n): the (n+1)th mutating operation from now crashes the process: a write at
//   that point reaches the page cache, then that call and every later call reject.
import type { Vfs, VfsFile } from '../../src/vfs.ts';
import type { Rng } from './rng.ts';

export type MutatingOp = 'create' | 'remove' | 'rename' | 'syncDir' | 'write' | 'sync' | 'truncate';
export type CrashMode = 'keep' | 'lose' | 'torn' | 'sectors' | 'garbage' | 'reorder';
export const CRASH_MODES: readonly CrashMode[] = ['keep', 'lose', 'torn', 'sectors', 'garbage', 'reorder'];
const SECTOR = 512;

export class VfsCrashedError extends Error {
  constructor() {
    super('simulated crash: the process is gone');
  }
}

export class VfsIoError extends Error {
  readonly code = 'EIO';
  constructor(op: string) {
    super(`EIO: injected ${op} failure`);
  }
}

type PendingOp = { kind: 'write'; at: number; bytes: Uint8Array } | { kind: 'truncate'; size: number };
type DirOp = { kind: 'link'; name: string; ino: number } | { kind: 'unlink'; name: string } | { kind: 'rename'; from: string; to: string };

interface Inode {
  live: Uint8Array;
  durable: Uint8Array;
  pending: PendingOp[];
}

export interface VfsStats {
  writes: number;
  syncs: number;
  dirSyncs: number;
  mutations: number;
}

export class FaultyVfs implements Vfs {
  private readonly inodes = new Map<number, Inode>();
  private readonly live = new Map<string, Map<string, number>>();
  private readonly durable = new Map<string, Map<string, number>>();
  private readonly dirOps = new Map<string, DirOp[]>();
  private nextIno = 1;
  private dead = false;
  private failWrite = false;
  private failSync = false;
  private crashCountdown = -1;
  private crashAt: { op: MutatingOp; name: RegExp } | undefined;
  private held: Promise<void> | undefined;
  private release: (() => void) | undefined;
  readonly stats: VfsStats = { writes: 0, syncs: 0, dirSyncs: 0, mutations: 0 };

  // ---- fault controls ----

  failNextWrite(): void {
    this.failWrite = true;
  }

  failNextSync(): void {
    this.failSync = true;
  }

  /** The (n+1)th mutating operation from now crashes (n = 0: the very next one). */
  crashAfter(n: number): void {
    this.crashCountdown = n;
  }

  /** The next `op` on a file whose name matches crashes before it happens. */
  crashBefore(op: MutatingOp, name: RegExp): void {
    this.crashAt = { op, name };
  }

  /** Syncs started from now on wait until releaseSyncs() (to observe group commit). */
  holdSyncs(): void {
    this.held ??= new Promise((r) => (this.release = r));
  }

  releaseSyncs(): void {
    this.release?.();
    this.held = undefined;
    this.release = undefined;
  }

  /** Syncs currently waiting at the gate. */
  syncsHeld = 0;

  /** Resolves once syncs are released; used by FaultyFile.sync. */
  async syncGate(): Promise<void> {
    while (this.held) {
      this.syncsHeld++;
      await this.held;
      this.syncsHeld--;
    }
  }

  get crashed(): boolean {
    return this.dead;
  }

  /**
   * What the disk holds after a crash in `mode` now: a fresh FaultyVfs. This instance is dead
   * from here on (the process that used it is gone).
   */
  crash(mode: CrashMode, rng: Rng): FaultyVfs {
    this.dead = true;
    const next = new FaultyVfs();
    for (const [dir, entries] of this.durable) {
      const names = new Map(entries);
      const ops = this.dirOps.get(dir) ?? [];
      const kept = mode === 'keep' ? ops : mode === 'lose' ? [] : mode === 'reorder' ? ops.filter(() => rng.bool()) : ops.slice(0, rng.int(ops.length + 1));
      for (const op of kept) applyDirOp(names, op);
      const map = new Map<string, number>();
      for (const [name, ino] of names) {
        const node = this.inodes.get(ino);
        if (!node) continue;
        const bytes = settle(node, mode, rng);
        const newIno = next.nextIno++;
        next.inodes.set(newIno, { live: bytes, durable: bytes.slice(), pending: [] });
        map.set(name, newIno);
      }
      next.live.set(dir, map);
      next.durable.set(dir, new Map(map));
    }
    return next;
  }

  // ---- inspection and damage (tests) ----

  names(dir: string): string[] {
    return [...(this.live.get(dir)?.keys() ?? [])].sort();
  }

  /** Live bytes of a file (a copy). */
  read(dir: string, name: string): Uint8Array {
    return this.node(dir, name).live.slice();
  }

  /** Changes bytes on the disk itself (live and durable): latent corruption, not a write. */
  damage(dir: string, name: string, at: number, fn: (old: number, i: number) => number, length = 1): void {
    const n = this.node(dir, name);
    for (let i = 0; i < length; i++) {
      if (at + i < n.live.length) n.live[at + i] = fn(n.live[at + i]!, i) & 0xff;
      if (at + i < n.durable.length) n.durable[at + i] = fn(n.durable[at + i]!, i) & 0xff;
    }
  }

  /** Cuts a file to `size` bytes on the disk itself (live and durable). */
  cut(dir: string, name: string, size: number): void {
    const n = this.node(dir, name);
    n.live = resize(n.live, Math.min(size, n.live.length));
    n.durable = resize(n.durable, Math.min(size, n.durable.length));
  }

  /** Removes a file from the disk (live and durable), as an operator mistake would. */
  erase(dir: string, name: string): void {
    this.live.get(dir)?.delete(name);
    this.durable.get(dir)?.delete(name);
  }

  // ---- Vfs ----

  async mkdirp(dir: string): Promise<void> {
    this.alive();
    if (!this.live.has(dir)) {
      this.live.set(dir, new Map());
      this.durable.set(dir, new Map());
    }
  }

  async list(dir: string): Promise<string[]> {
    this.alive();
    return [...this.dirMap(dir).keys()];
  }

  async create(dir: string, name: string): Promise<VfsFile> {
    this.mutate('create', name);
    const existing = this.dirMap(dir).get(name);
    if (existing !== undefined) {
      const node = this.inodes.get(existing)!;
      node.live = new Uint8Array(0);
      node.pending.push({ kind: 'truncate', size: 0 });
      return new FaultyFile(this, existing, name);
    }
    const ino = this.nextIno++;
    this.inodes.set(ino, { live: new Uint8Array(0), durable: new Uint8Array(0), pending: [] });
    this.dirMap(dir).set(name, ino);
    this.dirOp(dir, { kind: 'link', name, ino });
    return new FaultyFile(this, ino, name);
  }

  async open(dir: string, name: string): Promise<VfsFile> {
    this.alive();
    const ino = this.dirMap(dir).get(name);
    if (ino === undefined) throw Object.assign(new Error(`ENOENT: ${dir}/${name}`), { code: 'ENOENT' });
    return new FaultyFile(this, ino, name);
  }

  async remove(dir: string, name: string): Promise<void> {
    this.mutate('remove', name);
    if (!this.dirMap(dir).delete(name)) throw Object.assign(new Error(`ENOENT: ${dir}/${name}`), { code: 'ENOENT' });
    this.dirOp(dir, { kind: 'unlink', name });
  }

  async rename(dir: string, from: string, to: string): Promise<void> {
    this.mutate('rename', `${from} -> ${to}`);
    const map = this.dirMap(dir);
    const ino = map.get(from);
    if (ino === undefined) throw Object.assign(new Error(`ENOENT: ${dir}/${from}`), { code: 'ENOENT' });
    map.delete(from);
    map.set(to, ino);
    this.dirOp(dir, { kind: 'rename', from, to });
  }

  async syncDir(dir: string): Promise<void> {
    this.mutate('syncDir', dir);
    this.stats.dirSyncs++;
    this.durable.set(dir, new Map(this.dirMap(dir)));
    this.dirOps.set(dir, []);
  }

  // ---- used by FaultyFile ----

  /** Counts a mutating operation and fires a scheduled crash. */
  mutate(op: MutatingOp, name: string, beforeCrash?: () => void): void {
    this.alive();
    this.stats.mutations++;
    const at = this.crashAt;
    if (at && at.op === op && at.name.test(name)) {
      this.dead = true;
      throw new VfsCrashedError();
    }
    if (this.crashCountdown === 0) {
      beforeCrash?.();
      this.dead = true;
      throw new VfsCrashedError();
    }
    if (this.crashCountdown > 0) this.crashCountdown--;
  }

  alive(): void {
    if (this.dead) throw new VfsCrashedError();
  }

  inode(ino: number): Inode {
    return this.inodes.get(ino)!;
  }

  takeWriteFault(): boolean {
    const f = this.failWrite;
    this.failWrite = false;
    return f;
  }

  takeSyncFault(): boolean {
    const f = this.failSync;
    this.failSync = false;
    return f;
  }

  private node(dir: string, name: string): Inode {
    const ino = this.dirMap(dir).get(name);
    if (ino === undefined) throw new Error(`no file ${dir}/${name}`);
    return this.inodes.get(ino)!;
  }

  private dirMap(dir: string): Map<string, number> {
    const m = this.live.get(dir);
    if (!m) throw Object.assign(new Error(`ENOENT: no directory ${dir}`), { code: 'ENOENT' });
    return m;
  }

  private dirOp(dir: string, op: DirOp): void {
    const ops = this.dirOps.get(dir) ?? [];
    ops.push(op);
    this.dirOps.set(dir, ops);
  }
}

class FaultyFile implements VfsFile {
  private closed = false;

  constructor(
    private readonly vfs: FaultyVfs,
    private readonly ino: number,
    private readonly name: string,
  ) {}

  async size(): Promise<number> {
    this.check();
    return this.vfs.inode(this.ino).live.length;
  }

  readSync(buf: Uint8Array, position: number): number {
    this.check();
    const live = this.vfs.inode(this.ino).live;
    const n = Math.max(0, Math.min(buf.length, live.length - position));
    buf.set(live.subarray(position, position + n));
    return n;
  }

  async write(buf: Uint8Array, position: number): Promise<void> {
    this.check();
    const node = this.vfs.inode(this.ino);
    const bytes = buf.slice();
    const apply = (): void => {
      node.live = writeAt(node.live, position, bytes);
      node.pending.push({ kind: 'write', at: position, bytes });
    };
    this.vfs.mutate('write', this.name, apply);
    this.vfs.stats.writes++;
    if (this.vfs.takeWriteFault()) throw new VfsIoError('write');
    apply();
  }

  async sync(): Promise<void> {
    this.check();
    await this.vfs.syncGate();
    this.vfs.mutate('sync', this.name);
    this.vfs.stats.syncs++;
    if (this.vfs.takeSyncFault()) throw new VfsIoError('sync');
    const node = this.vfs.inode(this.ino);
    node.durable = node.live.slice();
    node.pending = [];
  }

  async truncate(size: number): Promise<void> {
    this.check();
    this.vfs.mutate('truncate', this.name);
    const node = this.vfs.inode(this.ino);
    node.live = resize(node.live, size);
    node.pending.push({ kind: 'truncate', size });
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  private check(): void {
    this.vfs.alive();
    if (this.closed) throw new Error('file is closed');
  }
}

function applyDirOp(names: Map<string, number>, op: DirOp): void {
  if (op.kind === 'link') names.set(op.name, op.ino);
  else if (op.kind === 'unlink') names.delete(op.name);
  else {
    const ino = names.get(op.from);
    names.delete(op.from);
    if (ino !== undefined) names.set(op.to, ino);
  }
}

/** The bytes a file holds after a crash in `mode`. */
function settle(node: Inode, mode: CrashMode, rng: Rng): Uint8Array {
  if (mode === 'keep') return node.live.slice();
  let out: Uint8Array = node.durable.slice();
  if (mode === 'lose') return out;
  if (mode === 'torn') {
    const cut = rng.int(node.pending.length + 1);
    node.pending.forEach((op, i) => {
      if (i < cut) out = applyOp(out, op);
      else if (i === cut && op.kind === 'write') out = writeAt(out, op.at, op.bytes.subarray(0, rng.int(op.bytes.length + 1)));
    });
    return out;
  }
  for (const op of node.pending) {
    if (op.kind === 'truncate') {
      if (rng.bool()) out = applyOp(out, op);
      continue;
    }
    // Split at file-sector boundaries; each piece persists, is lost, or (garbage) is garbled.
    for (let s = op.at; s < op.at + op.bytes.length; s = (Math.floor(s / SECTOR) + 1) * SECTOR) {
      const e = Math.min(op.at + op.bytes.length, (Math.floor(s / SECTOR) + 1) * SECTOR);
      const piece = op.bytes.subarray(s - op.at, e - op.at);
      if (rng.bool()) out = writeAt(out, s, piece);
      else if (mode === 'garbage') out = writeAt(out, s, rng.bytes(piece.length));
    }
  }
  return out;
}

function applyOp(data: Uint8Array, op: PendingOp): Uint8Array {
  return op.kind === 'write' ? writeAt(data, op.at, op.bytes) : resize(data, op.size);
}

function writeAt(data: Uint8Array, at: number, bytes: Uint8Array): Uint8Array {
  const out = at + bytes.length > data.length ? resize(data, at + bytes.length) : data;
  out.set(bytes, at);
  return out;
}

function resize(data: Uint8Array, size: number): Uint8Array {
  const out = new Uint8Array(size);
  out.set(data.subarray(0, Math.min(size, data.length)));
  return out;
}
