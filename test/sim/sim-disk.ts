// One server's simulated disk, implementing raft-wal-ts's Vfs (which the SnapshotStore uses
// too) plus a synchronous file API for the FSM (better-sqlite3 does synchronous IO).
//
// Model (after FoundationDB's AsyncFileNonDurable and TigerBeetle's storage simulator):
// - Each file (inode) has live bytes (the page cache: what reads see) and durable bytes. A
//   write or truncate changes live bytes at once and is pending until an fsync that started
//   after it completes; sync() takes virtual time (an event on the queue).
// - Directory operations (link by create, rename, unlink) change the live directory at once
//   and are pending until a syncDir that started after them completes.
// - crash() decides what survives: durable bytes always; pending writes by the crash mode
//   (keep all: a process kill; lose all: power loss; a torn prefix; independent 512-byte
//   sectors; a torn prefix with flipped bits in what was written); pending directory
//   operations as an ordered prefix (journaling file systems) or, in reorder mode, any subset.
//   Bytes a pending write did not cover are never changed (powersafe overwrite).
// - Injected faults: a write or fsync may fail with EIO. The fault is reported to the
//   simulator, which crashes the server right after (a failed fsync is never retried).
// - The process behind a Vfs handle can die: after crash() every call through an old handle
//   never settles (the code that made it is gone) and reads throw.
import type { Vfs, VfsFile } from 'raft-wal-ts';
import type { Rng } from '../../consensus/raft/index.ts';
import type { Scheduler } from './sim-clock.ts';

export type CrashMode = 'keep' | 'lose' | 'torn' | 'sectors' | 'bitflip';
export const CRASH_MODES: readonly CrashMode[] = ['keep', 'lose', 'torn', 'sectors', 'bitflip'];
const SECTOR = 512;
/** Bits flipped at most in one file's surviving unsynced bytes by a 'bitflip' crash. */
const MAX_FLIPS = 4;

export interface DiskProfile {
  /** fsync latency range in microseconds (a directory sync costs the same). */
  readonly syncLatencyUs: readonly [number, number];
  /** Probability per write, in parts per million, that it fails with EIO. */
  readonly writeFailPpm: number;
  /** Probability per fsync or directory sync, in parts per million, that it fails with EIO. */
  readonly syncFailPpm: number;
  /** Probability per fsync, in parts per million, that the server crashes while it runs. */
  readonly crashDuringSyncPpm: number;
  /** Pending directory operations survive a crash as any subset instead of a prefix. */
  readonly reorderDirOps: boolean;
  /**
   * A broken disk for the checkers' negative controls: fsync of a file reports success without
   * making anything durable. Never set by a swarm profile.
   */
  readonly lieOnFsync?: boolean;
}

export interface DiskHooks {
  /** An injected IO failure was returned to the server's process. */
  faultInjected(what: string): void;
  /** The server should crash now, while an fsync is in flight (in `mode`, if the trap says). */
  crashRequested(what: string, mode?: CrashMode): void;
}

export class DiskIoError extends Error {
  readonly code = 'EIO';
  constructor(what: string) {
    super(`EIO: injected ${what} failure`);
  }
}

function enoent(what: string): Error {
  return Object.assign(new Error(`ENOENT: no such file or directory, ${what}`), { code: 'ENOENT' });
}

type PendingOp = { readonly seq: number; readonly kind: 'write'; readonly at: number; readonly bytes: Uint8Array } | { readonly seq: number; readonly kind: 'truncate'; readonly size: number };
type DirOp =
  | { readonly seq: number; readonly kind: 'link'; readonly name: string; readonly ino: number }
  | { readonly seq: number; readonly kind: 'unlink'; readonly name: string }
  | { readonly seq: number; readonly kind: 'rename'; readonly from: string; readonly to: string };

interface Inode {
  live: Uint8Array;
  durable: Uint8Array;
  pending: PendingOp[];
}

interface Dir {
  live: Map<string, number>;
  durable: Map<string, number>;
  ops: DirOp[];
}

const never = <T>(): Promise<T> => new Promise<T>(() => {});

export class SimDisk {
  private readonly inodes = new Map<number, Inode>();
  private readonly dirs = new Map<string, Dir>();
  private nextIno = 1;
  private seq = 0;
  /** Bumped by crash(): handles of older incarnations are dead. */
  private incarnation = 0;
  /** Counters for the run summary. */
  readonly stats = { writes: 0, syncs: 0, dirSyncs: 0, faults: 0, crashes: 0, unsyncedBytesAtCrash: 0 };
  hooks: DiskHooks = { faultInjected: () => {}, crashRequested: () => {} };
  /** Injected failures are suspended (the liveness phase turns them off). */
  faultsEnabled = true;
  /** A scenario's trap: the next fsync whose path matches crashes the server while it runs. */
  private crashTrap: { path: RegExp; mode: CrashMode } | undefined;
  /** A scenario's trap: the next write to a matching path fails with EIO. */
  private writeTrap: RegExp | undefined;

  constructor(
    private readonly sched: Scheduler,
    readonly node: number,
    private readonly rng: Rng,
    readonly profile: DiskProfile,
  ) {}

  /** A Vfs for the server process running now. */
  vfs(): Vfs {
    return new SimVfs(this, this.incarnation);
  }

  /** Synchronous files for the FSM of the process running now. */
  direct(): DirectFiles {
    return new DirectFiles(this, this.incarnation);
  }

  /** The process died; the disk keeps what the crash mode lets survive. */
  crash(mode: CrashMode, reorderDirs = this.profile.reorderDirOps): void {
    this.incarnation++;
    this.stats.crashes++;
    const survivors = new Set<number>();
    for (const dir of this.dirs.values()) {
      const kept = mode === 'keep' ? dir.ops : mode === 'lose' ? [] : reorderDirs ? dir.ops.filter(() => this.rng.chance(1, 2)) : dir.ops.slice(0, this.rng.int(dir.ops.length + 1));
      for (const op of kept) applyDirOp(dir.durable, op);
      dir.live = new Map(dir.durable);
      dir.ops = [];
      for (const ino of dir.durable.values()) survivors.add(ino);
    }
    for (const [ino, node] of this.inodes) {
      if (!survivors.has(ino)) {
        this.inodes.delete(ino);
        continue;
      }
      for (const op of node.pending) if (op.kind === 'write') this.stats.unsyncedBytesAtCrash += op.bytes.length;
      node.durable = settle(node, mode, this.rng);
      node.live = node.durable.slice();
      node.pending = [];
    }
  }

  // ---- inspection (tests and checkers) -----------------------------------------------------

  names(dir: string): string[] {
    return [...(this.dirs.get(dir)?.live.keys() ?? [])].sort();
  }

  /** Live bytes of a file, or undefined. */
  peek(dir: string, name: string): Uint8Array | undefined {
    const ino = this.dirs.get(dir)?.live.get(name);
    return ino === undefined ? undefined : this.inodes.get(ino)!.live.slice();
  }

  /** Changes live and durable bytes in place: latent corruption for checker tests. */
  damage(dir: string, name: string, at: number, xor: number): void {
    const ino = this.dirs.get(dir)?.live.get(name);
    if (ino === undefined) throw enoent(`${dir}/${name}`);
    const node = this.inodes.get(ino)!;
    if (at < node.live.length) node.live[at]! ^= xor;
    if (at < node.durable.length) node.durable[at]! ^= xor;
  }

  // ---- the operations (called through a live handle) -------------------------------------

  isAlive(incarnation: number): boolean {
    return incarnation === this.incarnation;
  }

  mkdirp(dir: string): void {
    // Directory creation is treated as durable at once: the WAL never relies on it.
    if (!this.dirs.has(dir)) this.dirs.set(dir, { live: new Map(), durable: new Map(), ops: [] });
  }

  list(dir: string): string[] {
    return [...this.dir(dir).live.keys()];
  }

  find(dir: string, name: string): number | undefined {
    return this.dir(dir).live.get(name);
  }

  lookup(dir: string, name: string): number {
    const ino = this.dir(dir).live.get(name);
    if (ino === undefined) throw enoent(`open '${dir}/${name}'`);
    return ino;
  }

  create(dir: string, name: string): number {
    const d = this.dir(dir);
    const existing = d.live.get(name);
    if (existing !== undefined) {
      this.truncate(existing, 0);
      return existing;
    }
    const ino = this.nextIno++;
    this.inodes.set(ino, { live: new Uint8Array(0), durable: new Uint8Array(0), pending: [] });
    d.live.set(name, ino);
    d.ops.push({ seq: ++this.seq, kind: 'link', name, ino });
    return ino;
  }

  remove(dir: string, name: string): void {
    const d = this.dir(dir);
    if (!d.live.delete(name)) throw enoent(`unlink '${dir}/${name}'`);
    d.ops.push({ seq: ++this.seq, kind: 'unlink', name });
  }

  rename(dir: string, from: string, to: string): void {
    const d = this.dir(dir);
    const ino = d.live.get(from);
    if (ino === undefined) throw enoent(`rename '${dir}/${from}'`);
    d.live.delete(from);
    d.live.set(to, ino);
    d.ops.push({ seq: ++this.seq, kind: 'rename', from, to });
  }

  inode(ino: number): Inode {
    const node = this.inodes.get(ino);
    if (node === undefined) throw new Error(`sim disk: inode ${ino} is gone`);
    return node;
  }

  write(ino: number, bytes: Uint8Array, at: number): void {
    const node = this.inode(ino);
    const copy = bytes.slice();
    node.live = writeAt(node.live, at, copy);
    node.pending.push({ seq: ++this.seq, kind: 'write', at, bytes: copy });
    this.stats.writes++;
  }

  truncate(ino: number, size: number): void {
    const node = this.inode(ino);
    node.live = resize(node.live, size);
    node.pending.push({ seq: ++this.seq, kind: 'truncate', size });
  }

  /** Marks the operations issued so far; completeSync(mark) makes them durable. */
  syncMark(): number {
    return this.seq;
  }

  completeFileSync(ino: number, mark: number): void {
    const node = this.inodes.get(ino);
    if (node === undefined) return;
    let n = 0;
    while (n < node.pending.length && node.pending[n]!.seq <= mark) node.durable = applyOp(node.durable, node.pending[n++]!);
    node.pending = node.pending.slice(n);
  }

  completeDirSync(dir: string, mark: number): void {
    const d = this.dir(dir);
    let n = 0;
    while (n < d.ops.length && d.ops[n]!.seq <= mark) applyDirOp(d.durable, d.ops[n++]!);
    d.ops = d.ops.slice(n);
  }

  /** Decides whether an injected failure hits this operation. */
  injectFault(what: 'write' | 'sync'): boolean {
    if (!this.faultsEnabled) return false;
    const ppm = what === 'write' ? this.profile.writeFailPpm : this.profile.syncFailPpm;
    if (ppm === 0 || !this.rng.chance(ppm, 1_000_000)) return false;
    this.stats.faults++;
    this.hooks.faultInjected(what);
    return true;
  }

  /** Arms a one-shot EIO for the next write to a file whose path matches. */
  failNextWrite(path: RegExp): void {
    this.writeTrap = path;
  }

  /** Whether the armed write trap fires for `path` (it is then disarmed and reported). */
  writeTrapped(path: string): boolean {
    if (this.writeTrap?.test(path) !== true) return false;
    this.writeTrap = undefined;
    this.stats.faults++;
    this.hooks.faultInjected('write');
    return true;
  }

  /** Arms a one-shot crash (in `mode`) during the next fsync of a file whose path matches. */
  crashDuringNextSync(path: RegExp, mode: CrashMode): void {
    this.crashTrap = { path, mode };
  }

  /** Runs `done` after an fsync's latency, unless the process died meanwhile. */
  afterSync(incarnation: number, what: string, done: () => void): void {
    const [lo, hi] = this.profile.syncLatencyUs;
    const latency = lo + this.rng.int(hi - lo + 1);
    const trap = this.crashTrap;
    if (trap?.path.test(what) === true) {
      this.crashTrap = undefined;
      this.hooks.crashRequested(what, trap.mode);
    } else if (this.faultsEnabled && this.profile.crashDuringSyncPpm > 0 && this.rng.chance(this.profile.crashDuringSyncPpm, 1_000_000)) {
      this.hooks.crashRequested(what);
    }
    this.sched.at(this.sched.now() + latency, this.node, 'sync', () => what, () => {
      if (this.isAlive(incarnation)) done();
    });
  }

  private dir(dir: string): Dir {
    const d = this.dirs.get(dir);
    if (d === undefined) throw enoent(`scandir '${dir}'`);
    return d;
  }
}

/** The Vfs of one process incarnation. */
class SimVfs implements Vfs {
  constructor(
    private readonly disk: SimDisk,
    private readonly incarnation: number,
  ) {}

  mkdirp(dir: string): Promise<void> {
    return this.op(() => this.disk.mkdirp(dir));
  }

  list(dir: string): Promise<string[]> {
    return this.op(() => this.disk.list(dir));
  }

  create(dir: string, name: string): Promise<VfsFile> {
    return this.op(() => new SimFile(this.disk, this.incarnation, this.disk.create(dir, name), `${dir}/${name}`));
  }

  open(dir: string, name: string): Promise<VfsFile> {
    return this.op(() => new SimFile(this.disk, this.incarnation, this.disk.lookup(dir, name), `${dir}/${name}`));
  }

  remove(dir: string, name: string): Promise<void> {
    return this.op(() => this.disk.remove(dir, name));
  }

  rename(dir: string, from: string, to: string): Promise<void> {
    return this.op(() => this.disk.rename(dir, from, to));
  }

  syncDir(dir: string): Promise<void> {
    if (!this.disk.isAlive(this.incarnation)) return never();
    const mark = this.disk.syncMark();
    this.disk.stats.dirSyncs++;
    return new Promise((resolve, reject) => {
      this.disk.afterSync(this.incarnation, `syncdir ${dir}`, () => {
        if (this.disk.injectFault('sync')) return reject(new DiskIoError('directory sync'));
        this.disk.completeDirSync(dir, mark);
        resolve();
      });
    });
  }

  private op<T>(run: () => T): Promise<T> {
    if (!this.disk.isAlive(this.incarnation)) return never();
    try {
      return Promise.resolve(run());
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
  }
}

class SimFile implements VfsFile {
  private closed = false;

  constructor(
    private readonly disk: SimDisk,
    private readonly incarnation: number,
    private readonly ino: number,
    private readonly path: string,
  ) {}

  size(): Promise<number> {
    return this.op(() => this.disk.inode(this.ino).live.length);
  }

  readSync(buf: Uint8Array, position: number): number {
    if (!this.disk.isAlive(this.incarnation)) throw new Error('sim disk: read by a crashed process');
    this.check();
    const live = this.disk.inode(this.ino).live;
    const n = Math.max(0, Math.min(buf.length, live.length - position));
    buf.set(live.subarray(position, position + n));
    return n;
  }

  write(buf: Uint8Array, position: number): Promise<void> {
    return this.op(() => {
      if (this.disk.writeTrapped(this.path) || this.disk.injectFault('write')) {
        // A failed write may still have reached the page cache in part.
        this.disk.write(this.ino, buf.subarray(0, buf.length >> 1), position);
        throw new DiskIoError(`write ${this.path}`);
      }
      this.disk.write(this.ino, buf, position);
    });
  }

  sync(): Promise<void> {
    if (!this.disk.isAlive(this.incarnation)) return never();
    this.check();
    const mark = this.disk.syncMark();
    this.disk.stats.syncs++;
    return new Promise((resolve, reject) => {
      this.disk.afterSync(this.incarnation, `fsync ${this.path}`, () => {
        // A failed fsync leaves the writes pending: they may or may not survive a crash.
        if (this.disk.injectFault('sync')) return reject(new DiskIoError(`fsync ${this.path}`));
        if (this.disk.profile.lieOnFsync !== true) this.disk.completeFileSync(this.ino, mark);
        resolve();
      });
    });
  }

  truncate(size: number): Promise<void> {
    return this.op(() => this.disk.truncate(this.ino, size));
  }

  close(): Promise<void> {
    return this.op(() => {
      this.closed = true;
    });
  }

  private check(): void {
    if (this.closed) throw new Error(`sim disk: ${this.path} is closed`);
  }

  private op<T>(run: () => T): Promise<T> {
    if (!this.disk.isAlive(this.incarnation)) return never();
    try {
      this.check();
      return Promise.resolve(run());
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
  }
}

/**
 * Synchronous whole-file helpers for the FSM's own durable state (as better-sqlite3 does its
 * IO on the calling thread). fsync here costs no virtual time; it may fail with EIO.
 */
export class DirectFiles {
  constructor(
    private readonly disk: SimDisk,
    private readonly incarnation: number,
  ) {}

  mkdirp(dir: string): void {
    this.alive();
    this.disk.mkdirp(dir);
  }

  /** Live bytes of `name`, or undefined when it does not exist. */
  read(dir: string, name: string): Uint8Array | undefined {
    this.alive();
    return this.disk.peek(dir, name);
  }

  /** Live size of `name`, 0 when it does not exist. */
  size(dir: string, name: string): number {
    this.alive();
    const ino = this.disk.find(dir, name);
    return ino === undefined ? 0 : this.disk.inode(ino).live.length;
  }

  /** Appends to `name` (creating it); not durable until fsync. */
  append(dir: string, name: string, bytes: Uint8Array): void {
    this.alive();
    const ino = this.disk.find(dir, name) ?? this.disk.create(dir, name);
    const size = this.disk.inode(ino).live.length;
    if (this.disk.injectFault('write')) throw new DiskIoError(`write ${dir}/${name}`);
    this.disk.write(ino, bytes, size);
  }

  /** Makes `name`'s data (and its directory entry) durable now. */
  fsync(dir: string, name: string): void {
    this.alive();
    const ino = this.disk.lookup(dir, name);
    if (this.disk.injectFault('sync')) throw new DiskIoError(`fsync ${dir}/${name}`);
    const mark = this.disk.syncMark();
    this.disk.stats.syncs++;
    this.disk.completeFileSync(ino, mark);
    this.disk.completeDirSync(dir, mark);
  }

  /** Atomically replaces `name` with `bytes`: temp file, fsync, rename, directory sync. */
  replace(dir: string, name: string, bytes: Uint8Array): void {
    this.alive();
    const tmp = `${name}.tmp`;
    const ino = this.disk.create(dir, tmp);
    this.disk.write(ino, bytes, 0);
    this.fsync(dir, tmp);
    this.disk.rename(dir, tmp, name);
    this.fsync(dir, name);
  }

  private alive(): void {
    if (!this.disk.isAlive(this.incarnation)) throw new Error('sim disk: used by a crashed process');
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

/** The bytes a file keeps through a crash in `mode`. */
function settle(node: Inode, mode: CrashMode, rng: Rng): Uint8Array {
  if (mode === 'keep') return node.live.slice();
  let out: Uint8Array = node.durable.slice();
  if (mode === 'lose' || node.pending.length === 0) return out;
  if (mode === 'sectors') {
    for (const op of node.pending) {
      if (op.kind === 'truncate') {
        if (rng.chance(1, 2)) out = resize(out, op.size);
        continue;
      }
      // Each sector-aligned piece of the write persists or not, independently.
      for (let s = op.at; s < op.at + op.bytes.length; s = (Math.floor(s / SECTOR) + 1) * SECTOR) {
        const e = Math.min(op.at + op.bytes.length, (Math.floor(s / SECTOR) + 1) * SECTOR);
        if (rng.chance(1, 2)) out = writeAt(out, s, op.bytes.subarray(s - op.at, e - op.at));
      }
    }
    return out;
  }
  // torn / bitflip: a prefix of the pending operations, the one at the cut in part.
  const cut = rng.int(node.pending.length + 1);
  const written: [number, number][] = [];
  node.pending.forEach((op, i) => {
    if (i > cut) return;
    if (op.kind === 'truncate') {
      if (i < cut) out = resize(out, op.size);
      return;
    }
    const n = i < cut ? op.bytes.length : rng.int(op.bytes.length + 1);
    out = writeAt(out, op.at, op.bytes.subarray(0, n));
    if (n > 0) written.push([op.at, op.at + n]);
  });
  if (mode === 'bitflip' && written.length > 0) {
    const flips = 1 + rng.int(MAX_FLIPS);
    for (let k = 0; k < flips; k++) {
      const [from, to] = rng.pick(written);
      const at = from + rng.int(to - from);
      if (at < out.length) out[at]! ^= 1 << rng.int(8);
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

/**
 * Resizes in place when the backing buffer allows (files grow by small appends; copying the
 * whole file per write would be quadratic). Bytes past a shrink are zeroed so a later grow
 * reads zeros, as ftruncate promises.
 */
function resize(data: Uint8Array, size: number): Uint8Array {
  if (size === data.length) return data;
  if (size < data.length) {
    data.fill(0, size);
    return data.subarray(0, size);
  }
  const capacity = data.buffer.byteLength - data.byteOffset;
  if (size <= capacity) return new Uint8Array(data.buffer, data.byteOffset, size);
  const out = new Uint8Array(new ArrayBuffer(Math.max(size, 2 * capacity, 256)), 0, size);
  out.set(data);
  return out;
}
