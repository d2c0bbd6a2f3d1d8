// storage/ never imports consensus/, so the FSM satisfies the driver's Fsm interface only
// structurally. This test (which may import both) keeps the two in step at compile time and
// exercises the contract through the driver's types at run time.
import { describe, expect, expectTypeOf, it } from 'vitest';
import type * as Host from '../../consensus/host/fsm.ts';
import { encodeCommand } from '../../storage/commands.ts';
import type * as Storage from '../../storage/fsm.ts';
import { StateFsm } from '../../storage/fsm.ts';
import { openStateDb } from '../../storage/db.ts';
import { kvSet } from './harness.ts';

describe('Fsm contract', () => {
  it('StateFsm and its types are assignable to the driver-side interfaces', () => {
    expectTypeOf<StateFsm>().toExtend<Host.Fsm>();
    expectTypeOf<Storage.FsmSnapshot>().toExtend<Host.FsmSnapshot>();
    expectTypeOf<Host.FsmEntry>().toExtend<Storage.FsmEntry>();
    expectTypeOf<Host.AppliedPosition>().toEqualTypeOf<Storage.AppliedPosition>();
    expectTypeOf<Host.FsmEntryKind>().toEqualTypeOf<Storage.FsmEntryKind>();
  });

  it('drives through the Host.Fsm interface: apply, applied, snapshot, restore', async () => {
    const db = openStateDb(':memory:');
    const fsm: Host.Fsm = new StateFsm(db);
    const entry: Host.FsmEntry = { index: 1, term: 3, kind: 'command', data: encodeCommand(kvSet('k', 'v')) };
    expect(fsm.apply([entry])).toEqual([true]);
    expect(fsm.applied()).toEqual({ index: 1, term: 3 });
    const snap: Host.FsmSnapshot = fsm.snapshot();
    const chunks: Uint8Array[] = [];
    await snap.write(async (c) => void chunks.push(c));
    snap.release();
    snap.release();
    const other: Host.Fsm = new StateFsm(openStateDb(':memory:'));
    await other.restore((async function* () { yield* chunks; })(), snap.at);
    expect(other.applied()).toEqual({ index: 1, term: 3 });
    db.close();
  });
});
