// The log: the unstable tail, RaftLog over MemoryStorage (append, conflict, commit, apply
// windows, slices across the stable/unstable boundary), and MemoryStorage itself.

import { describe, expect, it } from 'vitest';
import { UnstableLog } from '../../../consensus/raft/log-unstable.ts';
import { RaftLog } from '../../../consensus/raft/log.ts';
import {
  CompactedError,
  EMPTY_CONFIGURATION,
  MemoryStorage,
  UnavailableError,
  type Entry,
  type Index,
  type Term,
} from '../../../consensus/raft/index.ts';
import { command } from './harness.ts';

const i = (x: number): Index => x as Index;
const t = (x: number): Term => x as Term;

/** Entries at indexes from..from+terms.length-1 with the given terms. */
function ents(from: number, terms: number[]): Entry[] {
  return terms.map((term, k) => command(term, from + k, `${term}/${from + k}`));
}

function storageWith(terms: number[]): MemoryStorage {
  const s = new MemoryStorage();
  s.append(ents(1, terms));
  return s;
}

function log(storage: MemoryStorage, maxApply = 1 << 20): RaftLog {
  return new RaftLog(storage, maxApply, () => {});
}

describe('UnstableLog', () => {
  it('appends, truncates in the middle, and replaces from before its offset', () => {
    const u = new UnstableLog(i(5));
    u.truncateAndAppend(ents(5, [1, 1, 1]));
    expect(u.maybeLastIndex()).toBe(7);
    u.truncateAndAppend(ents(6, [2, 2, 2]));
    expect(u.entries.map((e) => e.term)).toEqual([1, 2, 2, 2]);
    u.truncateAndAppend(ents(3, [3]));
    expect(u.offset).toBe(3);
    expect(u.entries.map((e) => e.index)).toEqual([3]);
    expect(() => u.truncateAndAppend(ents(9, [3]))).toThrow(/gap/);
  });

  it('hands entries out once and moves the in-progress mark back on truncation', () => {
    const u = new UnstableLog(i(1));
    u.truncateAndAppend(ents(1, [1, 1, 1]));
    expect(u.nextEntries()).toHaveLength(3);
    u.acceptInProgress();
    expect(u.hasNextEntries()).toBe(false);
    u.truncateAndAppend(ents(2, [2]));
    expect(u.nextEntries().map((e) => e.index)).toEqual([2]);
  });

  it('stableTo ignores a position whose term changed since it was handed out', () => {
    const u = new UnstableLog(i(1));
    u.truncateAndAppend(ents(1, [1, 1, 1]));
    u.acceptInProgress();
    u.truncateAndAppend(ents(3, [2]));
    u.stableTo(i(3), t(1));
    expect(u.offset).toBe(1);
    u.stableTo(i(2), t(1));
    expect(u.offset).toBe(3);
    expect(u.entries.map((e) => e.term)).toEqual([2]);
  });

  it('a pending snapshot answers for its own index only', () => {
    const u = new UnstableLog(i(1));
    u.restore({ index: i(10), term: t(3), configuration: EMPTY_CONFIGURATION, configurationIndex: i(0) });
    expect(u.maybeTerm(i(10))).toBe(3);
    expect(u.maybeTerm(i(9))).toBeNull();
    expect(u.maybeFirstIndex()).toBe(11);
    expect(u.maybeLastIndex()).toBe(10);
    u.stableSnapTo(i(10));
    expect(u.snapshot).toBeNull();
  });
});

describe('RaftLog', () => {
  it('maybeAppend: appends after a match, ignores duplicates, truncates conflicts', () => {
    const l = log(storageWith([1, 1, 2]));
    expect(l.maybeAppend(i(3), t(2), i(0), ents(4, [2, 2]))).toBe(5);
    expect(l.lastIndex()).toBe(5);
    // Already present: nothing changes.
    expect(l.maybeAppend(i(3), t(2), i(0), ents(4, [2]))).toBe(4);
    expect(l.lastIndex()).toBe(5);
    // Conflict at 5: replaced.
    expect(l.maybeAppend(i(4), t(2), i(0), ents(5, [3, 3]))).toBe(6);
    expect(l.mustTerm(i(5))).toBe(3);
    // Mismatch: rejected.
    expect(l.maybeAppend(i(6), t(2), i(0), [])).toBeNull();
  });

  it('never overwrites committed entries', () => {
    const l = log(storageWith([1, 1, 2]));
    l.commitTo(i(3));
    expect(() => l.maybeAppend(i(1), t(1), i(0), ents(2, [5]))).toThrow(/commit/);
  });

  it('commits up to the last new entry, not beyond it', () => {
    const l = log(storageWith([1]));
    l.maybeAppend(i(1), t(1), i(10), ents(2, [1, 1]));
    expect(l.committed).toBe(3);
    expect(() => l.commitTo(i(9))).toThrow(/past last/);
  });

  it('isUpToDate compares last term, then length', () => {
    const l = log(storageWith([1, 2, 2]));
    expect(l.isUpToDate(i(2), t(3))).toBe(true);
    expect(l.isUpToDate(i(3), t(2))).toBe(true);
    expect(l.isUpToDate(i(2), t(2))).toBe(false);
    expect(l.isUpToDate(i(9), t(1))).toBe(false);
  });

  it('findConflictByTerm walks back to the last entry of a term at most the given one', () => {
    const l = log(storageWith([1, 1, 3, 3, 5, 5]));
    expect(l.findConflictByTerm(i(6), t(4))).toEqual({ index: 4, term: 3 });
    expect(l.findConflictByTerm(i(6), t(2))).toEqual({ index: 2, term: 1 });
    expect(l.findConflictByTerm(i(6), t(0))).toEqual({ index: 0, term: 0 });
    expect(l.findConflictByTerm(i(4), t(5))).toEqual({ index: 4, term: 3 });
  });

  it('slices across storage and the unstable tail, bounded by bytes but at least one entry', () => {
    const s = storageWith([1, 1, 1]);
    const l = log(s);
    l.append(ents(4, [2, 2]));
    const all = l.slice(i(2), i(6), 1 << 20);
    expect(Array.isArray(all) && all.map((e) => e.index)).toEqual([2, 3, 4, 5]);
    const one = l.slice(i(2), i(6), 1);
    expect(Array.isArray(one) && one.map((e) => e.index)).toEqual([2]);
    s.setSnapshot({ index: i(2), term: t(1), configuration: EMPTY_CONFIGURATION, configurationIndex: i(0) });
    s.compact(i(2));
    expect(l.slice(i(2), i(4), 100)).toBeInstanceOf(CompactedError);
    expect(l.term(i(2))).toBe(1); // the snapshot's own index still answers
    expect(l.term(i(1))).toBeInstanceOf(CompactedError);
    expect(l.term(i(9))).toBeInstanceOf(UnavailableError);
  });

  it('hands out committed entries only once durable, bounded by bytes', () => {
    const s = storageWith([1, 1]);
    const l = log(s, 1);
    l.append(ents(3, [1, 1]));
    l.commitTo(i(4));
    expect(l.nextCommittedEntries().map((e) => e.index)).toEqual([1]);
    expect(l.nextCommittedEntries().map((e) => e.index)).toEqual([2]);
    // 3 and 4 are committed but still in the unstable tail.
    expect(l.hasNextCommittedEntries()).toBe(false);
    s.append(ents(3, [1, 1]));
    l.unstable.acceptInProgress();
    l.unstable.stableTo(i(4), t(1));
    expect(l.nextCommittedEntries().map((e) => e.index)).toEqual([3]);
    l.appliedTo(i(3));
    expect(() => l.appliedTo(i(4))).toThrow(/outside/);
  });
});

describe('MemoryStorage', () => {
  it('answers bounds, terms and ranges, and replaces a suffix on append', () => {
    const s = storageWith([1, 1, 2]);
    expect([s.firstIndex(), s.lastIndex()]).toEqual([1, 3]);
    s.append(ents(3, [3, 3]));
    expect(s.term(i(3))).toBe(3);
    expect(s.lastIndex()).toBe(4);
    expect(() => s.append(ents(7, [3]))).toThrow(/gap/);
    expect(s.entries(i(1), i(9), 100)).toBeInstanceOf(UnavailableError);
  });

  it('compacts only behind its snapshot and installs a received snapshot over the log', () => {
    const s = storageWith([1, 1, 2, 2]);
    expect(() => s.compact(i(2))).toThrow(/snapshot/);
    s.setSnapshot({ index: i(3), term: t(2), configuration: EMPTY_CONFIGURATION, configurationIndex: i(0) });
    s.compact(i(2));
    expect([s.firstIndex(), s.lastIndex()]).toEqual([3, 4]);
    s.applySnapshot({ index: i(10), term: t(4), configuration: EMPTY_CONFIGURATION, configurationIndex: i(0) });
    expect([s.firstIndex(), s.lastIndex(), s.term(i(10))]).toEqual([11, 10, 4]);
  });
});
