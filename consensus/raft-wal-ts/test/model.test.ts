// Model-based property test (fast-check commands): random appends (single and concurrent),
// head and tail truncations, reads, stable writes, clean reopens, crashes in every mode (also
// in the middle of an operation), and latent corruption of sealed or synced data, all checked
// against an in-memory model after every step.
//
// Properties: after a reopen the log equals the model state of the last acknowledged
// operation (or, after a crash mid-operation, the state just before or just after it); nothing
// that was not appended is ever returned; corruption of sealed or synced data fails loudly;
// first/last index agree with the model; stable-store values survive.
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { openWal, WalCorruptionError, WalInvalidArgumentError } from '../src/index.ts';
import { parseSegmentFileName } from '../src/format/segment-format.ts';
import type { LogEntry, Wal } from '../src/types.ts';
import { CRASH_MODES, FaultyVfs, type CrashMode } from './helpers/faulty-vfs.ts';
import { entries } from './helpers/entries.ts';
import { commitFrames, walkFrames } from './helpers/format-walk.ts';
import { LogModel, diff } from './helpers/model.ts';
import { Rng } from './helpers/rng.ts';

const LONG = process.env['CAIRN_WAL_LONG'] === '1';
/** CI: ~10 s. Long runs (npm run test:wal:long) explore far more sequences and seeds. */
const NUM_RUNS = LONG ? 3000 : 150;
const MAX_COMMANDS = LONG ? 150 : 50;
const DIR = '/wal';
const KEYS = ['CurrentTerm', 'LastVote', 'Other'];
/** What the runs exercised; checked at the end so a generator change cannot quietly stop testing. */
const seen: Record<string, number> = {};
const count = (k: string): void => {
  seen[k] = (seen[k] ?? 0) + 1;
};

interface Real {
  vfs: FaultyVfs;
  wal: Wal;
  rng: Rng;
  segmentSize: number;
  preallocate: boolean;
}
type Cmd = fc.AsyncCommand<LogModel, Real>;

const reopen = (r: Real, vfs: FaultyVfs): Promise<Wal> => openWal(DIR, { vfs, segmentSize: r.segmentSize, preallocate: r.preallocate });

function check(r: Real, m: LogModel, where: string): void {
  const d = diff(r.wal, m, KEYS);
  expect(d, where).toBeUndefined();
}

/** Start index for an append: the required one, or any index on an empty log. */
const startFor = (m: LogModel, hint: number): number => m.next ?? 1 + hint;

class AppendCmd implements Cmd {
  constructor(readonly sizes: number[], readonly term: number, readonly salt: number, readonly hint: number) {}
  check = (): boolean => true;
  async run(m: LogModel, r: Real): Promise<void> {
    const start = startFor(m, this.hint);
    const es = this.sizes.map((size, i) => entries(start + i, 1, this.term, size, this.salt)[0]!);
    await r.wal.append(es);
    m.append(es);
    check(r, m, this.toString());
  }
  toString = (): string => `append(${this.sizes.length} entries, term ${this.term})`;
}

class ConcurrentAppendsCmd implements Cmd {
  constructor(readonly batches: number[], readonly salt: number, readonly hint: number) {}
  check = (): boolean => true;
  async run(m: LogModel, r: Real): Promise<void> {
    let next = startFor(m, this.hint);
    const all: LogEntry[][] = this.batches.map((n) => {
      const es = entries(next, n, 2, 24, this.salt);
      next += n;
      return es;
    });
    await Promise.all(all.map((es) => r.wal.append(es)));
    for (const es of all) m.append(es);
    check(r, m, this.toString());
  }
  toString = (): string => `concurrentAppends(${this.batches.join(',')})`;
}

class BadAppendCmd implements Cmd {
  constructor(readonly skew: number) {}
  check = (m: Readonly<LogModel>): boolean => !m.empty;
  async run(m: LogModel, r: Real): Promise<void> {
    const start = m.last + 1 + (this.skew === 0 ? 1 : this.skew);
    await expect(r.wal.append(entries(start, 2))).rejects.toBeInstanceOf(WalInvalidArgumentError);
    check(r, m, this.toString());
  }
  toString = (): string => `badAppend(skew ${this.skew})`;
}

/** A target index relative to the model's bounds: from a little below first to a little past last. */
const target = (m: LogModel, frac: number): number => {
  const lo = Math.max(0, m.first - 2);
  const hi = m.last + 2;
  return lo + Math.floor(frac * (hi - lo + 1));
};

class TruncateCmd implements Cmd {
  constructor(readonly head: boolean, readonly frac: number) {}
  check = (): boolean => true;
  async run(m: LogModel, r: Real): Promise<void> {
    const x = target(m, this.frac);
    if (this.head) {
      await r.wal.truncateBefore(x);
      m.truncateBefore(x);
    } else {
      await r.wal.truncateAfter(x);
      m.truncateAfter(x);
    }
    check(r, m, `${this.toString()} at ${x}`);
  }
  toString = (): string => `${this.head ? 'truncateBefore' : 'truncateAfter'}(${this.frac.toFixed(2)})`;
}

class ReadCmd implements Cmd {
  constructor(readonly frac: number, readonly len: number, readonly maxBytes: number) {}
  check = (): boolean => true;
  async run(m: LogModel, r: Real): Promise<void> {
    const lo = target(m, this.frac);
    const got = r.wal.get(lo);
    const want = m.empty ? undefined : m.entries.get(lo);
    expect(got === undefined, `get(${lo})`).toBe(want === undefined);
    const range = r.wal.getRange(lo, lo + this.len, this.maxBytes);
    expect(range.map((e) => e.index)).toEqual(expectedRange(m, lo, lo + this.len, this.maxBytes));
    for (const e of range) expect(Buffer.from(e.data).equals(Buffer.from(m.entries.get(e.index)!.data))).toBe(true);
  }
  toString = (): string => `read(${this.frac.toFixed(2)}, ${this.len}, ${this.maxBytes})`;
}

function expectedRange(m: LogModel, lo: number, hi: number, maxBytes: number): number[] {
  const out: number[] = [];
  if (m.empty || lo < m.first || lo > m.last) return out;
  let total = 0;
  for (let i = lo; i < hi && i <= m.last; i++) {
    const size = m.entries.get(i)!.data.length;
    if (out.length > 0 && total + size > maxBytes) break;
    out.push(i);
    total += size;
  }
  return out;
}

class StableCmd implements Cmd {
  constructor(readonly key: string, readonly value: Uint8Array, readonly both: boolean) {}
  check = (): boolean => true;
  async run(m: LogModel, r: Real): Promise<void> {
    const values = this.both ? { [this.key]: this.value, Other: this.value.slice(0, 1) } : { [this.key]: this.value };
    await r.wal.setStableMany(values);
    m.setStable(values);
    check(r, m, this.toString());
  }
  toString = (): string => `setStable(${this.key}${this.both ? '+Other' : ''}, ${this.value.length} bytes)`;
}

class ReopenCmd implements Cmd {
  check = (): boolean => true;
  async run(m: LogModel, r: Real): Promise<void> {
    await r.wal.close();
    r.wal = await reopen(r, r.vfs);
    check(r, m, 'after reopen');
  }
  toString = (): string => 'reopen';
}

/** A crash with everything acknowledged: the reopened log must equal the model exactly. */
class CrashCmd implements Cmd {
  constructor(readonly mode: CrashMode) {}
  check = (): boolean => true;
  async run(m: LogModel, r: Real): Promise<void> {
    r.vfs = r.vfs.crash(this.mode, r.rng);
    r.wal = await reopen(r, r.vfs);
    check(r, m, this.toString());
  }
  toString = (): string => `crash(${this.mode})`;
}

/** A crash `after` file-system operations into an append or a truncation. */
class CrashDuringCmd implements Cmd {
  constructor(readonly op: 'append' | 'before' | 'after' | 'stable', readonly after: number, readonly mode: CrashMode, readonly frac: number) {}
  check = (): boolean => true;
  async run(m: LogModel, r: Real): Promise<void> {
    const next = m.clone();
    r.vfs.crashAfter(this.after);
    const acked = await this.start(r, next).then(
      () => true,
      () => false,
    );
    r.vfs = r.vfs.crash(this.mode, r.rng);
    r.wal = await reopen(r, r.vfs);
    const isAfter = diff(r.wal, next, KEYS) === undefined;
    count(isAfter ? (acked ? 'crashAfterAck' : 'crashLandedAfter') : 'crashLandedBefore');
    if (!isAfter) {
      expect(acked, `${this.toString()}: acknowledged but not recovered`).toBe(false);
      check(r, m, `${this.toString()}: neither before nor after`);
      return;
    }
    copyInto(m, next);
  }
  private start(r: Real, next: LogModel): Promise<void> {
    // Aim inside the log so the truncation does real work (a no-op has nothing to crash in).
    const x = next.empty ? target(next, this.frac) : next.first + Math.floor(this.frac * (next.last - next.first + 1));
    if (this.op === 'append') {
      const es = entries(startFor(next, x), 3, 5, 40, x);
      next.append(es);
      return r.wal.append(es);
    }
    if (this.op === 'before') {
      next.truncateBefore(x);
      return r.wal.truncateBefore(x);
    }
    if (this.op === 'after') {
      next.truncateAfter(x);
      return r.wal.truncateAfter(x);
    }
    const v = { LastVote: new Uint8Array([x & 0xff, 1]) };
    next.setStable(v);
    return r.wal.setStableMany(v);
  }
  toString = (): string => `crashDuring(${this.op}, after ${this.after} ops, ${this.mode}, ${this.frac.toFixed(2)})`;
}

function copyInto(m: LogModel, from: LogModel): void {
  m.first = from.first;
  m.last = from.last;
  m.entries.clear();
  for (const [k, v] of from.entries) m.entries.set(k, v);
  m.stable.clear();
  for (const [k, v] of from.stable) m.stable.set(k, v);
}

const segmentNames = (vfs: FaultyVfs): string[] => vfs.names(DIR).filter((n) => parseSegmentFileName(n)).sort();

/** A flipped byte inside an entry frame of a sealed segment: reading that entry must throw. */
class CorruptSealedCmd implements Cmd {
  constructor(readonly pick: number, readonly byte: number) {}
  check = (): boolean => true;
  async run(m: LogModel, r: Real): Promise<void> {
    const names = segmentNames(r.vfs);
    const live = names.flatMap((name, i) => {
      if (!walkFrames(r.vfs.read(DIR, name)).some((f) => f.type === 2)) return [];
      // A sealed segment's live entries end where the next segment begins (a tail truncation
      // into it leaves dead entries behind that are never read).
      const next = names[i + 1];
      const end = next ? parseSegmentFileName(next)!.baseIndex - 1 : m.last;
      return liveEntryFrames(r.vfs, name, m, end).map((f) => ({ name, ...f }));
    });
    if (live.length === 0) return;
    const victim = live[this.pick % live.length]!;
    const at = victim.at + (this.byte % victim.span);
    r.vfs.damage(DIR, victim.name, at, (b) => b ^ 0x10);
    count('sealedCorrupt');
    expect(() => r.wal.get(victim.index), `${this.toString()}: ${victim.name}@${at}`).toThrow(WalCorruptionError);
    r.vfs.damage(DIR, victim.name, at, (b) => b ^ 0x10); // repair, and carry on
    check(r, m, 'after repair');
  }
  toString = (): string => `corruptSealed(${this.pick}, ${this.byte})`;
}

/** Entry frames of a segment that hold live entries, with the bytes the checksums cover. */
function liveEntryFrames(vfs: FaultyVfs, name: string, m: LogModel, end: number): { at: number; span: number; index: number }[] {
  const bytes = vfs.read(DIR, name);
  const base = parseSegmentFileName(name)!.baseIndex;
  const frames = walkFrames(bytes).filter((f) => f.type === 1);
  // Sealed segments hold no truncate frames before their index, so frame k is entry base + k.
  return frames
    .map((f, k) => ({ at: f.at, span: 32 + (bytes[f.at + 4]! | (bytes[f.at + 5]! << 8) | (bytes[f.at + 6]! << 16)), index: base + k }))
    .filter((f) => !m.empty && f.index >= m.first && f.index <= Math.min(m.last, end) && !hasTruncate(bytes));
}

const hasTruncate = (bytes: Uint8Array): boolean => walkFrames(bytes).some((f) => f.type === 4);

/** A flipped byte in a synced tail batch that a later batch follows: the reopen must refuse. */
class CorruptTailCmd implements Cmd {
  constructor(readonly pick: number, readonly byte: number) {}
  check = (): boolean => true;
  async run(m: LogModel, r: Real): Promise<void> {
    const tail = segmentNames(r.vfs).at(-1);
    if (!tail) return;
    await r.wal.close();
    const bytes = r.vfs.read(DIR, tail);
    const commits = commitFrames(bytes);
    if (commits.length < 2 || walkFrames(bytes).some((f) => f.type === 2)) {
      r.wal = await reopen(r, r.vfs);
      return;
    }
    const k = this.pick % (commits.length - 1); // never the last batch
    const start = k === 0 ? 0 : commits[k - 1]!.at + 16;
    const at = coveredByte(bytes, start, commits[k]!.at + 16, this.byte);
    count('tailCorrupt');
    r.vfs.damage(DIR, tail, at, (b) => b ^ 0x04);
    const err: unknown = await reopen(r, r.vfs).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err, `${this.toString()}: ${tail}@${at}`).toBeInstanceOf(WalCorruptionError);
    r.vfs.damage(DIR, tail, at, (b) => b ^ 0x04);
    r.wal = await reopen(r, r.vfs);
    check(r, m, 'after repair');
  }
  toString = (): string => `corruptTail(${this.pick}, ${this.byte})`;
}

/** A byte in [start, end) that a checksum covers (not frame padding). */
function coveredByte(bytes: Uint8Array, start: number, end: number, n: number): number {
  const covered: [number, number][] = start === 0 ? [[0, 32]] : [];
  for (const f of walkFrames(bytes)) {
    if (f.at < start || f.at >= end) continue;
    const len = f.type === 1 ? 32 + (bytes[f.at + 4]! | (bytes[f.at + 5]! << 8) | (bytes[f.at + 6]! << 16)) : 16;
    covered.push([f.at, f.at + len]);
  }
  const total = covered.reduce((s, [a, b]) => s + b - a, 0);
  let k = n % total;
  for (const [a, b] of covered) {
    if (k < b - a) return a + k;
    k -= b - a;
  }
  throw new Error('unreachable');
}

/** A position in [0, 1), uniform (fc.double leans towards extremes such as 0). */
const frac = fc.integer({ min: 0, max: 999 }).map((i) => i / 1000);
const appendCmd = fc.tuple(fc.array(fc.nat(300), { minLength: 1, maxLength: 8 }), fc.nat(5), fc.nat(1000), fc.nat(20)).map(([s, t, salt, h]) => new AppendCmd(s, t, salt, h));
/** Appends are listed three times: the log needs to grow for the other commands to bite. */
const commands = [
  appendCmd,
  appendCmd,
  appendCmd,
  fc.tuple(fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 2, maxLength: 6 }), fc.nat(1000), fc.nat(20)).map(([b, salt, h]) => new ConcurrentAppendsCmd(b, salt, h)),
  fc.integer({ min: -3, max: 3 }).map((s) => new BadAppendCmd(s)),
  fc.tuple(fc.boolean(), frac).map(([h, f]) => new TruncateCmd(h, f)),
  fc.tuple(frac, fc.integer({ min: 0, max: 12 }), fc.integer({ min: 0, max: 1500 })).map(([f, l, b]) => new ReadCmd(f, l, b)),
  fc.tuple(fc.constantFrom('CurrentTerm', 'LastVote'), fc.uint8Array({ maxLength: 16 }), fc.boolean()).map(([k, v, b]) => new StableCmd(k, v, b)),
  fc.constant(new ReopenCmd()),
  fc.constantFrom(...CRASH_MODES).map((mode) => new CrashCmd(mode)),
  fc.tuple(fc.constantFrom('append', 'before', 'after', 'stable' as const), fc.nat(12), fc.constantFrom(...CRASH_MODES), frac).map(([op, n, mode, f]) => new CrashDuringCmd(op, n, mode, f)),
  fc.tuple(fc.nat(), fc.nat()).map(([p, b]) => new CorruptSealedCmd(p, b)),
  fc.tuple(fc.nat(), fc.nat()).map(([p, b]) => new CorruptTailCmd(p, b)),
];

describe('WAL against the model', () => {
  test('random operations, crashes and corruption', async () => {
    await fc.assert(
      fc.asyncProperty(fc.commands(commands, { maxCommands: MAX_COMMANDS, size: 'max' }), fc.integer({ min: 256, max: 4096 }), fc.boolean(), fc.nat(), async (cmds, segmentSize, preallocate, seed) => {
        const vfs = new FaultyVfs();
        const real: Real = { vfs, wal: await openWal(DIR, { vfs, segmentSize, preallocate }), rng: new Rng(seed), segmentSize, preallocate };
        await fc.asyncModelRun(() => ({ model: new LogModel(), real }), cmds);
        await real.wal.close();
      }),
      { numRuns: NUM_RUNS },
    );
    for (const k of ['sealedCorrupt', 'tailCorrupt', 'crashAfterAck', 'crashLandedAfter', 'crashLandedBefore']) {
      expect(seen[k] ?? 0, `runs exercised ${k}`).toBeGreaterThan(0);
    }
  });
});
