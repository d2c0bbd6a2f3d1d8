// Durability of the applied position: each batch records it in the same transaction, so a
// reopened database resumes exactly there and the driver replays only the tail.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeCommand } from '../../storage/commands.ts';
import type { FsmEntry } from '../../storage/fsm.ts';
import { openState } from '../../storage/open-state.ts';
import { dumpTables } from '../../storage/snapshot.ts';
import { harness, kvSet, tempDir } from './harness.ts';

describe('restart', () => {
  it('reopening the file resumes at the applied index; the tail applies on top', () => {
    const { dir, cleanup } = tempDir();
    const path = join(dir, 'state.db');
    const entries: FsmEntry[] = Array.from({ length: 10 }, (_, i) => ({ index: i + 1, term: i < 5 ? 1 : 2, kind: 'command', data: encodeCommand(kvSet(`k${i}`, `v${i}`)) }));
    const first = openState(path);
    first.fsm.apply(entries.slice(0, 4));
    first.fsm.apply(entries.slice(4, 7));
    expect(first.fsm.applied()).toEqual({ index: 7, term: 2 });
    first.close();

    const second = openState(path);
    expect(second.fsm.applied()).toEqual({ index: 7, term: 2 });
    expect(() => second.fsm.apply(entries.slice(5, 8))).toThrow(/does not follow applied 7\/2/);
    second.fsm.apply(entries.slice(7));
    expect(second.store.kvKeys('', '').keys).toHaveLength(10);

    // Same result as applying everything to a fresh state in one go.
    const reference = harness();
    reference.fsm.apply(entries);
    expect(dumpTables(second.db.sqlite)).toEqual(dumpTables(reference.db.sqlite));
    second.close();
    reference.close();
    cleanup();
  });

  it('non-command entries advance the applied position; a config entry keeps its payload', () => {
    const h = harness();
    h.fsm.apply([
      { index: 1, term: 1, kind: 'noop', data: new Uint8Array() },
      { index: 2, term: 1, kind: 'config', data: new Uint8Array([1, 2, 3]) },
      { index: 3, term: 2, kind: 'barrier', data: new Uint8Array() },
    ]);
    expect(h.fsm.applied()).toEqual({ index: 3, term: 2 });
    expect(h.db.sqlite.prepare('SELECT raft_config FROM meta').pluck().get()).toEqual(Buffer.from([1, 2, 3]));
    h.close();
  });

  it('an undecodable committed entry is fatal and rolls back its whole batch', () => {
    const h = harness();
    h.apply(kvSet('a'));
    const before = dumpTables(h.db.sqlite);
    const batch: FsmEntry[] = [
      { index: 2, term: 1, kind: 'command', data: encodeCommand(kvSet('b')) },
      { index: 3, term: 1, kind: 'command', data: new TextEncoder().encode('{"v":1,"type":"kv.nope"}') },
    ];
    expect(() => h.fsm.apply(batch)).toThrow(/undecodable command/);
    expect(() => h.fsm.apply([{ index: 2, term: 1, kind: 'command', data: new Uint8Array([0xff]) }])).toThrow(/undecodable/);
    expect(dumpTables(h.db.sqlite)).toEqual(before);
    expect(h.fsm.applied()).toEqual({ index: 1, term: 1 });
    h.close();
  });
});
