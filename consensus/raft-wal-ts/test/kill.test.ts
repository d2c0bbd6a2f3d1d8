// Real processes, real disk: a child appends in a loop and reports each acknowledged index;
// the parent SIGKILLs it at a random moment, reopens the WAL and requires every acknowledged
// index (from the last reported first index on) to be present and intact.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, test } from 'vitest';
import { openWal } from '../src/index.ts';
import { expectSameEntry } from './helpers/entries.ts';
import { KILL_SEGMENT_SIZE, killEntry } from './helpers/kill-child.ts';
import { Rng } from './helpers/rng.ts';

const LONG = process.env['CAIRN_WAL_LONG'] === '1';
const ROUNDS = LONG ? 40 : 8;
/** Bound on one round: child start-up (tsx) plus the appends before the kill. */
const ROUND_TIMEOUT_MS = 30_000;
const CHILD = path.join(path.dirname(fileURLToPath(import.meta.url)), 'helpers', 'kill-child.ts');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'raft-wal-ts-kill-'));

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

interface Round {
  /** Highest acknowledged index. */
  acked: number;
  /** Highest acknowledged head truncation. */
  first: number;
  /** Highest head truncation started (it may or may not have become durable). */
  truncating: number;
  lines: number;
}

/** Runs the child until it has acknowledged `killAfter` appends, then SIGKILLs it. */
function runChild(seed: number, killAfter: number): Promise<Round> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, dir, String(seed)], { stdio: ['ignore', 'pipe', 'pipe'] });
    const round: Round = { acked: 0, first: 0, truncating: 0, lines: 0 };
    let buffered = '';
    let stderr = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`round timed out after ${round.lines} acks; stderr: ${stderr}`));
    }, ROUND_TIMEOUT_MS);
    child.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const line of lines) {
        const [kind, value] = line.split(' ');
        if (kind === 'ack') round.acked = Math.max(round.acked, Number(value));
        if (kind === 'first') round.first = Number(value);
        if (kind === 'truncating') round.truncating = Number(value);
        if (kind === 'ack' && ++round.lines === killAfter) child.kill('SIGKILL');
      }
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (_code, signal) => {
      clearTimeout(timer);
      if (signal !== 'SIGKILL') reject(new Error(`child exited without being killed: ${stderr}`));
      else resolve(round);
    });
  });
}

describe('kill -9 of a writing process', () => {
  test(`every acknowledged index survives ${ROUNDS} SIGKILLs`, async () => {
    const rng = new Rng(0xc0ffee);
    let acked = 0;
    let first = 0;
    let truncating = 0;
    for (let r = 0; r < ROUNDS; r++) {
      const round = await runChild(r + 1, 5 + rng.int(200));
      acked = Math.max(acked, round.acked);
      first = Math.max(first, round.first);
      truncating = Math.max(truncating, round.truncating);
      const wal = await openWal(dir, { segmentSize: KILL_SEGMENT_SIZE });
      expect(wal.lastIndex(), `round ${r}`).toBeGreaterThanOrEqual(acked);
      expect(wal.firstIndex(), `round ${r}`).toBeGreaterThanOrEqual(Math.max(first, 1));
      expect(wal.firstIndex(), `round ${r}`).toBeLessThanOrEqual(Math.max(truncating, 1));
      for (let i = wal.firstIndex(); i <= wal.lastIndex(); i++) expectSameEntry(wal.get(i), killEntry(i));
      await wal.close();
    }
    expect(acked).toBeGreaterThan(ROUNDS * 5);
  });
});
