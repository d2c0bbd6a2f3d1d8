// KV commands against Consul's semantics (consul-api.md §2), one applied entry per step.
import { describe, expect, it } from 'vitest';
import type { Command } from '../../storage/commands.ts';
import {
  SESSION_A, SESSION_B, harness, kvCas, kvDelete, kvDeleteCas, kvDeleteTree, kvLock, kvSet, kvUnlock, selfRegister, sessionCreate, text,
} from './harness.ts';

interface Step {
  readonly cmd: Command;
  readonly result: unknown;
}

interface Case {
  readonly name: string;
  readonly steps: readonly Step[];
  /** Expected entry for `key` after the steps (null = absent): [value, flags, lockIndex, session, createIndex, modifyIndex]. */
  readonly key: string;
  readonly final: readonly [string | null, string, number, string | null, number, number] | null;
}

// Index 1 registers the node, 2 and 3 create sessions A and B; case steps start at 4.
const CASES: readonly Case[] = [
  { name: 'set creates with Create=Modify=index', key: 'k', steps: [{ cmd: kvSet('k', 'v'), result: true }], final: ['v', '0', 0, null, 4, 4] },
  {
    name: 'set of an identical entry writes nothing (ModifyIndex stays)',
    key: 'k',
    steps: [{ cmd: kvSet('k', 'v', '7'), result: true }, { cmd: kvSet('k', 'v', '7'), result: true }],
    final: ['v', '7', 0, null, 4, 4],
  },
  {
    name: 'set with new flags bumps ModifyIndex, keeps CreateIndex',
    key: 'k',
    steps: [{ cmd: kvSet('k', 'v', '7'), result: true }, { cmd: kvSet('k', 'v', '18446744073709551615'), result: true }],
    final: ['v', '18446744073709551615', 0, null, 4, 5],
  },
  { name: 'empty value is stored as null', key: 'k', steps: [{ cmd: kvSet('k', ''), result: true }], final: [null, '0', 0, null, 4, 4] },
  { name: 'cas=0 creates when absent', key: 'k', steps: [{ cmd: kvCas('k', 0, 'v'), result: true }], final: ['v', '0', 0, null, 4, 4] },
  {
    name: 'cas=0 fails when present',
    key: 'k',
    steps: [{ cmd: kvSet('k', 'a'), result: true }, { cmd: kvCas('k', 0, 'b'), result: false }],
    final: ['a', '0', 0, null, 4, 4],
  },
  {
    name: 'cas=ModifyIndex succeeds, stale index fails',
    key: 'k',
    steps: [{ cmd: kvSet('k', 'a'), result: true }, { cmd: kvCas('k', 3, 'b'), result: false }, { cmd: kvCas('k', 4, 'c'), result: true }],
    final: ['c', '0', 0, null, 4, 6],
  },
  { name: 'cas≠0 on a missing key fails', key: 'k', steps: [{ cmd: kvCas('k', 9, 'v'), result: false }], final: null },
  { name: 'acquire creates with LockIndex 1', key: 'k', steps: [{ cmd: kvLock('k', SESSION_A, 'v'), result: true }], final: ['v', '0', 1, SESSION_A, 4, 4] },
  {
    name: 'acquire by another session fails and changes nothing',
    key: 'k',
    steps: [{ cmd: kvLock('k', SESSION_A, 'a'), result: true }, { cmd: kvLock('k', SESSION_B, 'b'), result: false }],
    final: ['a', '0', 1, SESSION_A, 4, 4],
  },
  {
    name: 're-acquire by the holder replaces the value, keeps LockIndex',
    key: 'k',
    steps: [{ cmd: kvLock('k', SESSION_A, 'a'), result: true }, { cmd: kvLock('k', SESSION_A, 'b'), result: true }],
    final: ['b', '0', 1, SESSION_A, 4, 5],
  },
  {
    name: 'release keeps LockIndex and replaces the value; a new holder increments it',
    key: 'k',
    steps: [
      { cmd: kvLock('k', SESSION_A, 'a'), result: true },
      { cmd: kvUnlock('k', SESSION_A, 'r'), result: true },
      { cmd: kvLock('k', SESSION_B, 'b'), result: true },
    ],
    final: ['b', '0', 2, SESSION_B, 4, 6],
  },
  {
    name: 'release by a non-holder or of a missing key fails',
    key: 'k',
    steps: [{ cmd: kvUnlock('k', SESSION_A), result: false }, { cmd: kvLock('k', SESSION_A, 'a'), result: true }, { cmd: kvUnlock('k', SESSION_B), result: false }],
    final: ['a', '0', 1, SESSION_A, 5, 5],
  },
  {
    name: 'acquire with an unknown session is an error value',
    key: 'k',
    steps: [{ cmd: kvLock('k', 'cccccccc-0000-4000-8000-000000000003', 'v'), result: { error: 'invalid session "cccccccc-0000-4000-8000-000000000003"' } }],
    final: null,
  },
  {
    name: 'plain set on a locked key keeps the holder and resets LockIndex (kvsSetTxn)',
    key: 'k',
    steps: [{ cmd: kvLock('k', SESSION_A, 'a'), result: true }, { cmd: kvSet('k', 'b'), result: true }],
    final: ['b', '0', 0, SESSION_A, 4, 5],
  },
  { name: 'delete of a missing key is true', key: 'k', steps: [{ cmd: kvDelete('k'), result: true }], final: null },
  {
    name: 'delete-cas on a missing key is true, stale index false, cas=0 never deletes',
    key: 'k',
    steps: [
      { cmd: kvDeleteCas('k', 0), result: true },
      { cmd: kvSet('k', 'v'), result: true },
      { cmd: kvDeleteCas('k', 0), result: false },
      { cmd: kvDeleteCas('k', 4), result: false },
      { cmd: kvDeleteCas('k', 5), result: true },
    ],
    final: null,
  },
  {
    name: 'delete of a lock-held key just removes it',
    key: 'k',
    steps: [{ cmd: kvLock('k', SESSION_A, 'a'), result: true }, { cmd: kvDelete('k'), result: true }],
    final: null,
  },
];

describe('kv commands', () => {
  it.each(CASES)('$name', (c) => {
    const h = harness();
    h.applyAll([selfRegister('n1'), sessionCreate(SESSION_A, 'n1'), sessionCreate(SESSION_B, 'n1')]);
    for (const step of c.steps) expect(h.apply(step.cmd)).toEqual(step.result);
    const { entry } = h.store.kvGet(c.key);
    if (c.final === null) {
      expect(entry).toBeNull();
    } else {
      expect(entry).not.toBeNull();
      expect([text(entry!.value), entry!.flags, entry!.lockIndex, entry!.session, entry!.createIndex, entry!.modifyIndex]).toEqual(c.final);
    }
    h.close();
  });

  it('delete leaves a tombstone so the missing key and prefix indexes move forward', () => {
    const h = harness();
    h.applyAll([kvSet('a/1', 'x'), kvSet('b', 'y'), kvDelete('a/1')]);
    expect(h.store.kvGet('a/1')).toEqual({ index: 3, entry: null });
    expect(h.store.kvList('a/')).toEqual({ index: 3, entries: [] });
    expect(h.store.kvKeys('a/', '')).toEqual({ index: 3, keys: [] });
    expect(h.db.sqlite.prepare('SELECT key, raft_index FROM tombstones').all()).toEqual([{ key: 'a/1', raft_index: 3 }]);
    h.close();
  });

  it('delete-tree removes only the prefix and leaves one tombstone at the prefix', () => {
    const h = harness();
    h.applyAll([kvSet('a/1'), kvSet('a/2'), kvSet('a/b/3'), kvSet('ab'), kvSet('b'), kvDeleteTree('a/')]);
    expect(h.store.kvKeys('', '').keys).toEqual(['ab', 'b']);
    expect(h.db.sqlite.prepare('SELECT key, raft_index FROM tombstones').all()).toEqual([{ key: 'a/', raft_index: 6 }]);
    expect(h.store.kvList('a/').index).toBe(6);
    // Deleting everything leaves no tombstone: the table index covers it.
    h.apply(kvDeleteTree(''));
    expect(h.store.kvList('').entries).toEqual([]);
    expect(h.store.kvList('').index).toBe(7);
    expect(h.db.sqlite.prepare('SELECT count(*) FROM tombstones').pluck().get()).toBe(1);
    h.close();
  });

  it('tombstone reap drops stones up to an index (the prefix index may go back)', () => {
    const h = harness();
    h.applyAll([kvSet('p/a'), kvSet('p/b'), kvDelete('p/b'), kvDelete('p/a')]);
    expect(h.store.kvList('p/').index).toBe(4);
    expect(h.apply({ type: 'kv.reap-tombstones', upTo: 3 })).toEqual({ reaped: 1 });
    expect(h.store.kvList('p/').index).toBe(4);
    expect(h.apply({ type: 'kv.reap-tombstones', upTo: 4 })).toEqual({ reaped: 1 });
    // No entries, no stones: the table index (kvs, tombstones) answers.
    expect(h.store.kvList('p/').index).toBe(4);
    h.close();
  });

  it('reads follow Consul index rules: key → ModifyIndex, prefix → max under prefix, never 0', () => {
    const h = harness();
    expect(h.store.kvGet('nope').index).toBe(1);
    expect(h.store.kvList('').index).toBe(1);
    h.applyAll([kvSet('x/1', 'a'), kvSet('y/1', 'b'), kvSet('x/2', 'c'), kvSet('z', 'd')]);
    expect(h.store.kvGet('x/1').index).toBe(1);
    expect(h.store.kvGet('missing').index).toBe(4);
    expect(h.store.kvList('x/').index).toBe(3);
    expect(h.store.kvList('y/').index).toBe(2);
    expect(h.store.kvList('q/').index).toBe(4);
    expect(h.store.kvList('').index).toBe(4);
    h.close();
  });

  it('keys with a separator collapse to the first separator after the prefix', () => {
    const h = harness();
    h.applyAll(['web/bar', 'web/foo', 'web/subdir/a', 'web/subdir/b', 'web/x/y/z', 'webby'].map((k) => kvSet(k)));
    expect(h.store.kvKeys('web/', '/').keys).toEqual(['web/bar', 'web/foo', 'web/subdir/', 'web/x/']);
    expect(h.store.kvKeys('', '/').keys).toEqual(['web/', 'webby']);
    expect(h.store.kvKeys('web', '').keys).toHaveLength(6);
    h.close();
  });

  it('prefix ranges are byte-exact for non-ASCII and boundary code points', () => {
    const h = harness();
    const keys = ['é/1', 'é/2', 'é0', 'ê', '\u{10FFFF}a', '\u{10FFFF}\u{10FFFF}', '\uD7FF/x', '\uE000'];
    h.applyAll(keys.map((k) => kvSet(k)));
    expect(h.store.kvKeys('é', '').keys).toEqual(['é/1', 'é/2', 'é0']);
    expect(h.store.kvKeys('\u{10FFFF}', '').keys).toEqual(['\u{10FFFF}a', '\u{10FFFF}\u{10FFFF}']);
    expect(h.store.kvKeys('\uD7FF', '').keys).toEqual(['\uD7FF/x']);
    h.close();
  });
});
