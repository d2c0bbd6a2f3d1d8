// Child process for kill.test.ts: appends to a real WAL until it is SIGKILLed, printing
// "ack <index>" after each append resolves, and "truncating <index>" / "first <index>" before
// and after each head truncation.
// Entry content depends only on the index (killEntry), so the parent can check any survivor.
// Usage: node --import tsx kill-child.ts <dir> <seed>
import process from 'node:process';
import { openWal } from '../../src/index.ts';
import type { LogEntry } from '../../src/types.ts';
import { Rng } from './rng.ts';

export const KILL_SEGMENT_SIZE = 64 * 1024;
/** Keep roughly this many entries: older ones are truncated away as a snapshot would. */
const RETAIN = 400;

export function killEntry(index: number): LogEntry {
  const size = (index * 37) % 300;
  const data = new Uint8Array(size);
  for (let i = 0; i < size; i++) data[i] = (index * 31 + i * 7) & 0xff;
  return { index, term: 1 + (index >> 10), type: index % 4, data };
}

async function main(dir: string, seed: number): Promise<void> {
  const rng = new Rng(seed);
  const wal = await openWal(dir, { segmentSize: KILL_SEGMENT_SIZE });
  let next = wal.lastIndex() + 1;
  // Runs until the parent kills the process; the parent bounds how long it waits.
  for (;;) {
    const calls = 1 + rng.int(3); // concurrent appends exercise group commit
    const pending: Promise<void>[] = [];
    for (let c = 0; c < calls; c++) {
      const n = 1 + rng.int(8);
      const batch = Array.from({ length: n }, (_, i) => killEntry(next + i));
      next += n;
      const last = next - 1;
      pending.push(wal.append(batch).then(() => void process.stdout.write(`ack ${last}\n`)));
    }
    await Promise.all(pending);
    if (wal.lastIndex() - wal.firstIndex() > 2 * RETAIN) {
      const first = wal.lastIndex() - RETAIN;
      process.stdout.write(`truncating ${first}\n`);
      await wal.truncateBefore(first);
      process.stdout.write(`first ${first}\n`);
    }
  }
}

const [dir, seed] = process.argv.slice(2);
if (dir !== undefined && seed !== undefined) {
  main(dir, Number(seed)).catch((err: unknown) => {
    process.stderr.write(`kill-child: ${String(err)}\n`);
    process.exit(1);
  });
}
