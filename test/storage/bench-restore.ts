// Benchmark (not part of the test run): how long a state snapshot takes to write, verify and
// restore, and the LONGEST event-loop stall during each phase, on real files. It follows the
// production install path: the FSM's snapshot stream is written into the Raft snapshot store,
// the store verifies it on open, and the FSM restores from the store's chunks with the same
// per-chunk yield app/ adds (yieldingFsm).
//
//   npx tsx test/storage/bench-restore.ts [keys ...]        (default 100000)
//
// Stalls are measured by a 2 ms interval timer: the longest gap between two of its ticks,
// minus the interval, is the longest stretch the event loop could not run a timer (what
// stops Raft heartbeats). The process CPU time between two ticks is reported too: on a
// loaded machine it separates a long synchronous step from waiting for a core.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { NodeVfs } from 'raft-wal-ts';
import { silentLogger } from '../../consensus/host/logger.ts';
import { SnapshotStore } from '../../consensus/host/snapshot-store.ts';
import type { Index, NodeId, Term } from '../../consensus/raft/types.ts';
import { encodeCommand } from '../../storage/commands.ts';
import type { FsmEntry } from '../../storage/fsm.ts';
import { openState } from '../../storage/open-state.ts';

/** Entries per FSM batch while building the state (one SQLite transaction each). */
const BUILD_BATCH = 2_000;
/** 64 bytes per value, as test/cluster/bench-snapshot-restore.ts: ~140 B per key on disk. */
const VALUE = Buffer.from('v'.repeat(64)).toString('base64');
const PROBE_MS = 2;

class StallProbe {
  private last = performance.now();
  private lastCpu = cpuMs();
  private longest = 0;
  private busiest = 0;
  private readonly timer = setInterval(() => {
    const now = performance.now();
    const cpu = cpuMs();
    this.longest = Math.max(this.longest, now - this.last - PROBE_MS);
    this.busiest = Math.max(this.busiest, cpu - this.lastCpu);
    this.last = now;
    this.lastCpu = cpu;
  }, PROBE_MS);

  /**
   * The longest stall since the previous call (wall ms), and the most CPU the process used
   * between two ticks (ms): on a loaded machine a stall is mostly waiting for a core, and the
   * CPU figure is the better estimate of the longest synchronous step.
   */
  take(): { wall: number; cpu: number } {
    const out = { wall: Math.max(this.longest, performance.now() - this.last - PROBE_MS), cpu: Math.max(this.busiest, cpuMs() - this.lastCpu) };
    this.longest = 0;
    this.busiest = 0;
    this.last = performance.now();
    this.lastCpu = cpuMs();
    return out;
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

function build(path: string, keys: number): number {
  const state = openState(path);
  let index = 0;
  for (let i = 0; i < keys; i += BUILD_BATCH) {
    const batch: FsmEntry[] = [];
    for (let k = i; k < Math.min(keys, i + BUILD_BATCH); k++) {
      batch.push({ index: ++index, term: 1, kind: 'command', data: encodeCommand({ type: 'kv.set', key: `bench/${String(k).padStart(8, '0')}`, value: VALUE, flags: '0' }) });
    }
    state.fsm.apply(batch);
  }
  state.close();
  return index;
}

async function* yielding(source: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  for await (const chunk of source) {
    yield chunk;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

interface Phase {
  readonly name: string;
  readonly ms: number;
  readonly stall: { wall: number; cpu: number };
}

async function timed(phases: Phase[], probe: StallProbe, name: string, run: () => Promise<void>): Promise<void> {
  probe.take();
  const t = performance.now();
  await run();
  phases.push({ name, ms: performance.now() - t, stall: probe.take() });
}

async function bench(keys: number): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-bench-restore-'));
  try {
    const t = performance.now();
    const applied = build(join(dir, 'src.db'), keys);
    console.log(`${keys} keys: built in ${((performance.now() - t) / 1000).toFixed(1)} s, ${(statSync(join(dir, 'src.db')).size / 1e6).toFixed(0)} MB state file`);

    const src = openState(join(dir, 'src.db'));
    const dst = openState(join(dir, 'dst.db'));
    const store = await SnapshotStore.open(new NodeVfs(), join(dir, 'snapshots'), { logger: silentLogger });
    const meta = { index: applied as Index, term: 1 as Term, configurationIndex: 1 as Index, configuration: { servers: [{ id: 'n1' as NodeId, address: '127.0.0.1:8300', suffrage: 1 as const }] } };
    const probe = new StallProbe();
    const phases: Phase[] = [];
    try {
      await timed(phases, probe, 'snapshot write', async () => {
        const handle = src.fsm.snapshot();
        const sink = await store.create(meta);
        await handle.write((chunk) => sink.write(chunk));
        await sink.commit();
        handle.release();
      });
      let reader: Awaited<ReturnType<SnapshotStore['open']>> | undefined;
      await timed(phases, probe, 'snapshot verify', async () => {
        reader = await store.openNewest();
      });
      if (reader === undefined) throw new Error('no snapshot');
      const r = reader;
      await timed(phases, probe, 'restore', () => dst.fsm.restore(yielding(r.chunks()), { index: applied, term: 1 }));
      await r.close();
      if (dst.store.kvKeys('bench/', '').keys.length !== keys) throw new Error('restored state is missing keys');
    } finally {
      probe.stop();
      src.close();
      dst.close();
    }
    const size = (await store.list())[0]?.meta.size ?? 0;
    console.log(`  snapshot ${(size / 1e6).toFixed(0)} MB`);
    for (const p of phases) {
      console.log(`  ${p.name.padEnd(16)} ${(p.ms / 1000).toFixed(2).padStart(7)} s   longest stall ${p.stall.wall.toFixed(0).padStart(5)} ms   (most CPU between two ticks ${p.stall.cpu.toFixed(0)} ms)`);
    }
    console.log(`  load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} on ${cpus().length} cores`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const sizes = process.argv.slice(2).map(Number);
for (const keys of sizes.length > 0 ? sizes : [100_000]) await bench(keys);
