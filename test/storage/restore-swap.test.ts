// Restore swaps a whole new database in: readers keep the old state until one synchronous
// step switches every holder (FSM, reads, ACL store) to the new one; blocking queries wake
// after it; snapshot readers of the old file keep it until they finish; a bad snapshot or a
// close mid-restore leaves the live state and no stray file behind.
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { AclStore } from '../../storage/acl-store.ts';
import { GLOBAL_MANAGEMENT_POLICY_ID, GLOBAL_MANAGEMENT_RULES } from '../../storage/acl/index.ts';
import { blockingQuery } from '../../storage/blocking-query.ts';
import { openState } from '../../storage/open-state.ts';
import { dumpTables } from '../../storage/snapshot.ts';
import { watchFor } from '../../storage/state-store.ts';
import { SESSION_A, harness, kvLock, kvSet, selfRegister, sessionCreate, tempDir } from './harness.ts';
import { fileState, kvSnapshot, snapshotChunks, stream } from './restore-support.ts';

const OLD_KEYS = 500;
const NEW_KEYS = 20_000;

function withOldState(): ReturnType<typeof fileState> {
  const f = fileState();
  f.h.applyAll(Array.from({ length: OLD_KEYS }, (_, i) => kvSet(`old/${i}`, 'o')));
  return f;
}

/** Only the live database, its WAL files and the pointer may be in the directory. */
function strayFiles(dir: string): string[] {
  return readdirSync(dir).filter((f) => !/^state\.db(\.\d+)?(-wal|-shm)?$/.test(f) && f !== 'state.db.current');
}

describe('readers during a restore', () => {
  it('see the whole old state or the whole new one, never a mix and never a closed handle', async () => {
    const f = withOldState();
    try {
      const oldAt = f.h.fsm.applied();
      const at = { index: oldAt.index + 100, term: 2 };
      const chunks = await kvSnapshot(NEW_KEYS, 32, at, 'new/');
      const seen: ('old' | 'new')[] = [];
      const look = (): void => {
        const applied = f.h.fsm.applied();
        const olds = f.h.store.kvKeys('old/', '').keys.length;
        const first = f.h.store.kvGet('new/00000000').entry;
        const last = f.h.store.kvGet(`new/${String(NEW_KEYS - 1).padStart(8, '0')}`).entry;
        if (applied.index === oldAt.index) {
          expect([olds, first, last]).toEqual([OLD_KEYS, null, null]);
          seen.push('old');
        } else {
          expect(applied).toEqual(at);
          expect([olds, first?.key, last?.modifyIndex]).toEqual([0, 'new/00000000', NEW_KEYS]);
          seen.push('new');
        }
      };
      // Reads run between the restore's steps (a setImmediate loop) and between its chunks.
      let reading = true;
      let failure: unknown;
      const loop = (): void => {
        if (!reading) return;
        try {
          look();
        } catch (err) {
          failure ??= err;
        }
        setImmediate(loop);
      };
      loop();
      await f.h.fsm.restore((async function* () {
        for (const c of chunks) {
          look();
          yield c;
        }
      })(), at);
      reading = false;
      if (failure !== undefined) throw failure;
      look();
      // Old while the new state is built, new from the swap on: never back.
      const firstNew = seen.indexOf('new');
      expect(firstNew).toBeGreaterThan(chunks.length);
      expect(seen.slice(firstNew).every((s) => s === 'new')).toBe(true);
    } finally {
      f.dispose();
    }
  });

  it('blocking queries wake after the swap and return the new state', async () => {
    const f = withOldState();
    try {
      const at = { index: f.h.fsm.applied().index + 100, term: 2 };
      const current = f.h.store.kvGet('old/1');
      const watch = f.h.hub.watch(watchFor.kvGet('unrelated'));
      const appliedAtWake = watch.fired.then(() => f.h.fsm.applied());
      const query = blockingQuery(f.h.hub, { minIndex: current.index, waitMs: 600_000, watch: watchFor.kvGet('old/1'), run: () => f.h.store.kvGet('old/1') });
      await f.h.fsm.restore(stream(await kvSnapshot(2_000, 8, at, 'new/')), at);
      expect(await watch.fired).toBe('abandoned');
      expect(await appliedAtWake).toEqual(at);
      expect((await query).entry).toBeNull();
      expect(f.h.hub.size()).toBe(0);
    } finally {
      f.dispose();
    }
  });

  it('the ACL store follows the swap when given the StateDb; a bare connection is left closed', async () => {
    const gm = { id: GLOBAL_MANAGEMENT_POLICY_ID, name: 'global-management', description: '', rules: GLOBAL_MANAGEMENT_RULES, datacenters: null, hash: 'aA==' };
    const src = harness();
    src.applyAll([kvSet('x'), { type: 'acl.init', policies: [gm], tokens: [] }]);
    const chunks = await snapshotChunks(src);
    const at = src.fsm.applied();
    src.close();
    const f = withOldState();
    try {
      const following = new AclStore(f.h.db);
      const pinned = new AclStore(f.h.db.sqlite);
      expect(following.policyList().policies).toEqual([]);
      await f.h.fsm.restore(stream(chunks), at);
      expect(following.policyList().policies.map((p) => p.name)).toEqual(['global-management']);
      expect(following.generation()).toBe(at.index);
      expect(() => pinned.policyList()).toThrow(/not open/);
    } finally {
      f.dispose();
    }
  });
});

describe('the replaced database file', () => {
  it('stays while a snapshot reader streams it, and is removed once it is released', async () => {
    const f = withOldState();
    try {
      const snap = f.h.fsm.snapshot();
      const oldPath = f.h.db.path;
      const at = { index: snap.at.index + 10, term: 2 };
      await f.h.fsm.restore(stream(await kvSnapshot(100, 8, at, 'new/')), at);
      expect(f.h.db.path).not.toBe(oldPath);
      expect(existsSync(oldPath)).toBe(true);
      const chunks: Uint8Array[] = [];
      await snap.write(async (c) => void chunks.push(c));
      snap.release();
      const copy = harness();
      await copy.fsm.restore(stream(chunks), snap.at);
      expect(copy.store.kvKeys('old/', '').keys).toHaveLength(OLD_KEYS);
      copy.close();
      await vi.waitFor(() => expect(existsSync(oldPath)).toBe(false), { timeout: 10_000 });
      expect(strayFiles(f.dir)).toEqual([]);
    } finally {
      f.dispose();
    }
  });

  it('a snapshot that breaks a foreign key is refused; the live state stays and no file is left', async () => {
    const src = harness();
    src.applyAll([selfRegister('server-1'), sessionCreate(SESSION_A, 'server-1'), kvLock('held', SESSION_A, 'x')]);
    const at = src.fsm.applied();
    const lines = Buffer.concat(await snapshotChunks(src)).toString('utf8').split('\n').filter((l) => l !== '');
    src.close();
    // Drop the session's row: the KV entry still names it as its lock holder.
    const start = lines.findIndex((l) => (JSON.parse(l) as { table?: string }).table === 'sessions');
    const kept = lines.filter((_, i) => i !== start + 1);
    const end = JSON.parse(kept.at(-1)!) as { rows: number };
    kept[kept.length - 1] = JSON.stringify({ end: true, rows: end.rows - 1 });
    const f = withOldState();
    try {
      const before = dumpTables(f.h.db.sqlite);
      await expect(f.h.fsm.restore(stream([Buffer.from(kept.join('\n'))]), at)).rejects.toThrow(/foreign key/);
      expect(dumpTables(f.h.db.sqlite)).toEqual(before);
      expect(readdirSync(f.dir).filter((n) => n.startsWith('state.db.'))).toEqual([]);
      expect(f.h.apply(kvSet('after'))).toBe(true);
    } finally {
      f.dispose();
    }
  });

  it('closing the state mid-restore abandons the build and removes it', async () => {
    const f = withOldState();
    try {
      const at = { index: f.h.fsm.applied().index + 10, term: 2 };
      const chunks = await kvSnapshot(5_000, 8, at, 'new/');
      const restore = f.h.fsm.restore((async function* () {
        yield chunks[0]!;
        f.h.close();
        yield* chunks.slice(1);
      })(), at);
      await expect(restore).rejects.toThrow(/closed/);
      expect(readdirSync(f.dir).sort()).toEqual(['state.db']);
      const reopened = openState(f.path);
      expect(reopened.store.kvKeys('old/', '').keys).toHaveLength(OLD_KEYS);
      reopened.close();
    } finally {
      f.dispose();
    }
  });

  it('an unreadable or dangling pointer stops the open instead of starting empty', () => {
    const { dir, cleanup } = tempDir();
    try {
      const path = join(dir, 'state.db');
      writeFileSync(`${path}.current`, 'garbage');
      expect(() => openState(path)).toThrow(/not JSON/);
      writeFileSync(`${path}.current`, JSON.stringify({ format: 'cairn-state-pointer', version: 1, file: 'state.db.7' }));
      expect(() => openState(path)).toThrow(/does not exist/);
      writeFileSync(`${path}.current`, JSON.stringify({ format: 'cairn-state-pointer', version: 1, file: '../elsewhere.db' }));
      expect(() => openState(path)).toThrow(/not a generation/);
    } finally {
      cleanup();
    }
  });
});

describe('snapshot write', () => {
  it('gives the event loop a turn after every chunk, even when the sink never waits', async () => {
    const f = fileState();
    try {
      for (let i = 0; i < 4; i++) f.h.applyAll(Array.from({ length: 500 }, (_, j) => kvSet(`big/${i}/${j}`, 'x'.repeat(512))));
      let turns = 0;
      let counting = true;
      const tick = (): void => {
        if (!counting) return;
        turns++;
        setImmediate(tick);
      };
      setImmediate(tick);
      const snap = f.h.fsm.snapshot();
      let chunks = 0;
      await snap.write(async () => void chunks++);
      snap.release();
      counting = false;
      expect(chunks).toBeGreaterThan(4);
      expect(turns).toBeGreaterThanOrEqual(chunks - 1);
    } finally {
      f.dispose();
    }
  });
});
