// Helpers for the restore tests: large snapshots made without applying a command per key (the
// rows are written straight into the snapshot format, starting from a real empty state's own
// snapshot, so table and column names stay the real ones), and an event-loop stall probe.
import { join } from 'node:path';
import type { AppliedPosition } from '../../storage/fsm.ts';
import type { openState } from '../../storage/open-state.ts';
import { harness, tempDir, type Harness } from './harness.ts';

/** Chunk size of the snapshot store's reader, which feeds restore in production. */
export const STORE_CHUNK_BYTES = 1024 * 1024;

export async function snapshotChunks(h: Harness | ReturnType<typeof openState>): Promise<Uint8Array[]> {
  const snap = h.fsm.snapshot();
  const chunks: Uint8Array[] = [];
  try {
    await snap.write(async (c) => void chunks.push(c));
  } finally {
    snap.release();
  }
  return chunks;
}

/**
 * A snapshot at `at` holding `keys` KV entries `<prefix><n>` with `valueBytes`-byte values (an
 * otherwise empty state), in STORE_CHUNK_BYTES chunks.
 */
export async function kvSnapshot(keys: number, valueBytes: number, at: AppliedPosition, prefix = 'bulk/'): Promise<Uint8Array[]> {
  const empty = harness();
  const text = Buffer.concat(await snapshotChunks(empty)).toString('utf8');
  empty.close();
  const lines = text.split('\n').filter((l) => l !== '');
  const kvsAt = lines.findIndex((l) => (JSON.parse(l) as { table?: string }).table === 'kvs');
  const columns = (JSON.parse(lines[kvsAt]!) as { columns: string[] }).columns;
  const value = { b64: Buffer.alloc(valueBytes, 'v').toString('base64') };
  const row = (n: number): unknown[] => {
    const byName: Record<string, unknown> = { key: `${prefix}${String(n).padStart(8, '0')}`, value, flags: '0', lock_index: 0, session: null, create_index: n + 1, modify_index: n + 1 };
    return columns.map((c) => byName[c]);
  };
  const rows: string[] = [];
  for (let n = 0; n < keys; n++) rows.push(JSON.stringify(row(n)));
  const endRows = (JSON.parse(lines.at(-1)!) as { rows: number }).rows + keys;
  const out = [
    JSON.stringify({ ...(JSON.parse(lines[0]!) as object), index: at.index, term: at.term }),
    ...lines.slice(1, kvsAt + 1),
    ...rows,
    ...lines.slice(kvsAt + 1, -1),
    JSON.stringify({ end: true, rows: endRows }),
  ];
  const bytes = Buffer.from(out.join('\n') + '\n');
  const chunks: Uint8Array[] = [];
  for (let at = 0; at < bytes.length; at += STORE_CHUNK_BYTES) chunks.push(bytes.subarray(at, at + STORE_CHUNK_BYTES));
  return chunks;
}

export async function* stream(chunks: readonly Uint8Array[]): AsyncGenerator<Uint8Array> {
  for (const c of chunks) yield c;
}

/** A state file in a fresh temp directory; `dispose` closes it and removes the directory. */
export function fileState(): { dir: string; path: string; h: Harness; dispose: () => void } {
  const { dir, cleanup } = tempDir();
  const path = join(dir, 'state.db');
  const h = harness(path);
  return {
    dir,
    path,
    h,
    dispose: () => {
      if (h.db.isOpen) h.close();
      cleanup();
    },
  };
}

/**
 * Measures event-loop stalls with a PROBE_MS interval timer: `wall` is the largest gap between
 * two ticks minus the interval (how long no timer could run), `cpu` the most CPU time the
 * process used between two ticks. On a loaded machine a wall gap is mostly waiting for a core;
 * the CPU figure is what one synchronous step cost, and does not depend on the load.
 */
export class StallProbe {
  static readonly PROBE_MS = 5;
  private last = performance.now();
  private lastCpu = cpuMs();
  private worst = { wall: 0, cpu: 0 };
  private readonly timer = setInterval(() => this.tick(), StallProbe.PROBE_MS);

  /** Stops the probe; returns the longest stall seen (including the one running now). */
  stop(): { readonly wall: number; readonly cpu: number } {
    clearInterval(this.timer);
    this.tick();
    return this.worst;
  }

  private tick(): void {
    const now = performance.now();
    const cpu = cpuMs();
    this.worst = { wall: Math.max(this.worst.wall, now - this.last - StallProbe.PROBE_MS), cpu: Math.max(this.worst.cpu, cpu - this.lastCpu) };
    this.last = now;
    this.lastCpu = cpu;
  }
}

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}
