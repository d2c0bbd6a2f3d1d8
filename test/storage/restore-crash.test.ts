// Crash safety of restore: a real process restores a snapshot and is killed with SIGKILL at
// each step of the build and the swap; reopening the directory must give either the whole old
// state or the whole new one, with applied() naming the one it is, no leftover files, and a
// state that accepts the next entry. Steps before the pointer is renamed (the commit point)
// must give the old state, steps from it on the new one. (A process crash keeps the page
// cache; power loss is covered by the fsync order argued in storage/DESIGN.md.)
import { spawn } from 'node:child_process';
import { cpSync, createReadStream, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RestoreStep } from '../../storage/db.ts';
import { encodeCommand } from '../../storage/commands.ts';
import type { AppliedPosition } from '../../storage/fsm.ts';
import { openState } from '../../storage/open-state.ts';
import { SESSION_A, harness, kvLock, kvSet, selfRegister, sessionCreate, tempDir } from './harness.ts';
import { snapshotChunks } from './restore-support.ts';

const CHILD = fileURLToPath(new URL('./restore-crash-child.ts', import.meta.url));
/** Keys of the old state and of the snapshot: the new one needs several bounded load steps. */
const OLD_KEYS = 300;
const NEW_KEYS = 3_500;
/** Children run in parallel batches: enough to overlap their start-up, few enough for 2 cores. */
const CHILDREN_AT_ONCE = 3;
/** A child that neither crashes nor finishes by then has hung. */
const CHILD_TIMEOUT_MS = 60_000;

let root: { dir: string; cleanup: () => void };
let oldAt: AppliedPosition;
let newAt: AppliedPosition;
const snapshotFile = (): string => join(root.dir, 'new.snap');

beforeAll(async () => {
  root = tempDir();
  const template = harness(join(root.dir, 'template.db'));
  template.applyAll(Array.from({ length: OLD_KEYS }, (_, i) => kvSet(`old/${i}`, 'o')));
  oldAt = template.fsm.applied();
  template.close();

  const src = harness();
  src.applyAll([selfRegister('server-1'), sessionCreate(SESSION_A, 'server-1'), kvLock('new/locked', SESSION_A, 'x')]);
  for (let i = 0; i < NEW_KEYS; i += 500) src.applyAll(Array.from({ length: 500 }, (_, j) => kvSet(`new/${i + j}`, 'n'.repeat(64))));
  newAt = src.fsm.applied();
  writeFileSync(snapshotFile(), Buffer.concat(await snapshotChunks(src)));
  src.close();
});
afterAll(() => root.cleanup());

function runChild(path: string, step: RestoreStep, nth: number): Promise<NodeJS.Signals | number | null> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, path, snapshotFile(), String(newAt.index), String(newAt.term), step, String(nth)], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), CHILD_TIMEOUT_MS);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (code !== null && code !== 0) reject(new Error(`child exited ${code}: ${stderr}`));
      else resolve(signal ?? code);
    });
  });
}

/** Reopens the crashed directory and checks it holds exactly one of the two states. */
function reopen(dir: string): 'old' | 'new' {
  const state = openState(join(dir, 'state.db'));
  try {
    const applied = state.fsm.applied();
    const keys = state.store.kvKeys('', '').keys;
    const which = applied.index === oldAt.index ? 'old' : 'new';
    if (which === 'old') {
      expect(applied).toEqual(oldAt);
      expect(keys).toHaveLength(OLD_KEYS);
      expect(keys.every((k) => k.startsWith('old/'))).toBe(true);
    } else {
      expect(applied).toEqual(newAt);
      expect(keys).toHaveLength(NEW_KEYS + 1);
      expect(keys.every((k) => k.startsWith('new/'))).toBe(true);
      expect(state.store.kvGet('new/locked').entry?.session).toBe(SESSION_A);
    }
    // Usable: the next entry applies on top.
    state.fsm.apply([{ index: applied.index + 1, term: applied.term, kind: 'command', data: encodeCommand(kvSet('after', 'x')) }]);
    expect(state.store.kvGet('after').entry).not.toBeNull();
    return which;
  } finally {
    state.close();
  }
}

/** Files left in the directory besides the live database, its WAL files and the pointer. */
function strayFiles(dir: string): string[] {
  return readdirSync(dir).filter((f) => !/^state\.db(\.\d+)?(-wal|-shm)?$/.test(f) && f !== 'state.db.current');
}

const CASES: readonly { step: RestoreStep; nth: number; expect: 'old' | 'new' }[] = [
  { step: 'loading', nth: 1, expect: 'old' },
  { step: 'loading', nth: 3, expect: 'old' },
  { step: 'built', nth: 1, expect: 'old' },
  { step: 'durable', nth: 1, expect: 'old' },
  { step: 'staged', nth: 1, expect: 'old' },
  { step: 'published', nth: 1, expect: 'new' },
  { step: 'swapped', nth: 1, expect: 'new' },
  { step: 'synced', nth: 1, expect: 'new' },
  { step: 'removed', nth: 1, expect: 'new' },
];

describe('restore crash safety', () => {
  it('a crash at any step leaves the old or the new state, consistent with applied(), and nothing else', async () => {
    const dirs = CASES.map((_, i) => {
      const dir = join(root.dir, `case-${i}`);
      cpSync(join(root.dir, 'template.db'), join(dir, 'state.db'));
      return dir;
    });
    // Separate processes, each crashing at its own step, CHILDREN_AT_ONCE at a time.
    const outcomes: (NodeJS.Signals | number | null)[] = [];
    for (let i = 0; i < CASES.length; i += CHILDREN_AT_ONCE) {
      const batch = CASES.slice(i, i + CHILDREN_AT_ONCE).map((c, j) => runChild(join(dirs[i + j]!, 'state.db'), c.step, c.nth));
      outcomes.push(...(await Promise.all(batch)));
    }
    for (const [i, c] of CASES.entries()) {
      expect({ step: `${c.step}#${c.nth}`, exit: outcomes[i] }).toEqual({ step: `${c.step}#${c.nth}`, exit: 'SIGKILL' });
      expect({ step: `${c.step}#${c.nth}`, state: reopen(dirs[i]!) }).toEqual({ step: `${c.step}#${c.nth}`, state: c.expect });
      expect(strayFiles(dirs[i]!)).toEqual([]);
    }
  });

  it('a finished restore leaves only the new generation; the next restore moves on to the one after', async () => {
    const dir = join(root.dir, 'twice');
    cpSync(join(root.dir, 'template.db'), join(dir, 'state.db'));
    expect(await runChild(join(dir, 'state.db'), 'loading', Number.MAX_SAFE_INTEGER)).toBe(0);
    expect(readdirSync(dir).sort()).toEqual(['state.db.1', 'state.db.current']);
    expect(reopen(dir)).toBe('new');

    const state = openState(join(dir, 'state.db'));
    await state.fsm.restore(createReadStream(snapshotFile()), newAt);
    expect(state.db.path).toBe(join(dir, 'state.db.2'));
    expect(state.store.kvGet('after').entry).toBeNull();
    state.close();
    expect(readdirSync(dir).sort()).toEqual(['state.db.2', 'state.db.current']);
  });
});
