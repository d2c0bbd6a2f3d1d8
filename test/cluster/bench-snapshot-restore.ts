// Benchmark (not part of the test run): restore a snapshot of N keys (default 1 000 000) into a
// real cluster over HTTP and report the time and each server's peak RSS (VmHWM).
//
//   npx tsx test/cluster/bench-snapshot-restore.ts [keys] [servers] [raft_multiplier]
//
// The archive is built offline through the real storage FSM and archive writer (writing a
// million keys through the API would measure the write path instead), then PUT to a follower
// (or the only server), which streams it to a temp file, verifies it and hands it to Raft.
import { createReadStream, createWriteStream, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { writeArchive } from '../../app/snapshot-archive.ts';
import { encodeCommand } from '../../storage/commands.ts';
import { openState } from '../../storage/open-state.ts';
import { startCluster } from '../support/agent-process.ts';
import { waitFor } from '../support/wait.ts';

/** Entries per FSM batch while building the state (one SQLite transaction each). */
const BUILD_BATCH = 2_000;
const VALUE = Buffer.from('v'.repeat(64)).toString('base64');

async function buildArchive(keys: number, dir: string): Promise<string> {
  const state = openState(join(dir, 'build.db'));
  let index = 0;
  for (let i = 0; i < keys; i += BUILD_BATCH) {
    const batch = [];
    for (let k = i; k < Math.min(keys, i + BUILD_BATCH); k++) {
      batch.push({ index: ++index, term: 1, kind: 'command' as const, data: encodeCommand({ type: 'kv.set', key: `bench/${String(k).padStart(8, '0')}`, value: VALUE, flags: '0' }) });
    }
    state.fsm.apply(batch);
  }
  const handle = state.fsm.snapshot();
  const statePath = join(dir, 'state.bin');
  const file = await open(statePath, 'w');
  await handle.write(async (chunk) => void (await file.write(chunk)));
  await file.close();
  handle.release();
  state.close();
  const size = statSync(statePath).size;
  const archivePath = join(dir, 'bench.snap');
  const meta = { Version: 1, ID: `1-${index}-0`, Index: index, Term: 1, Peers: '', Configuration: { Servers: [] }, ConfigurationIndex: 0, Size: size };
  await pipeline(writeArchive(meta, statePath), createWriteStream(archivePath));
  rmSync(statePath);
  return archivePath;
}

function peakRssMb(pid: number | undefined): number {
  if (pid === undefined) return NaN;
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m === null ? NaN : Number(m[1]) / 1024;
}

async function main(): Promise<void> {
  const keys = Number(process.argv[2] ?? 1_000_000);
  const size = Number(process.argv[3] ?? 1);
  const multiplier = Number(process.argv[4] ?? 1);
  const dir = mkdtempSync(join(tmpdir(), 'cairn-bench-'));
  const config = join(dir, 'config.json');
  writeFileSync(config, JSON.stringify({ performance: { raft_multiplier: multiplier } }));
  try {
    let t = performance.now();
    const archive = await buildArchive(keys, dir);
    console.log(`built ${keys} keys: ${(statSync(archive).size / 1e6).toFixed(1)} MB archive in ${((performance.now() - t) / 1000).toFixed(1)} s`);
    const cluster = await startCluster({ size, extraArgs: ['-config-file', config] });
    try {
      const leader = await cluster.leader();
      const target = size > 1 ? (await cluster.followers())[0]! : leader;
      const before = cluster.servers.map((s) => peakRssMb(s.pid));
      t = performance.now();
      const res = await fetch(target.url('/v1/snapshot'), { method: 'PUT', body: Readable.toWeb(createReadStream(archive)) as never, duplex: 'half' } as RequestInit);
      const text = await res.text();
      const restoreS = (performance.now() - t) / 1000;
      // A restore answered with an error may still have been installed; report both.
      if (res.status !== 200) console.log(`restore answered ${res.status} after ${restoreS.toFixed(1)} s: ${text}`);
      for (const s of cluster.servers) {
        await waitFor(async () => {
          const r = await fetch(s.url(`/v1/kv/bench/${String(keys - 1).padStart(8, '0')}?stale`));
          return r.status === 200 ? true : undefined;
        }, { timeoutMs: 600_000, intervalMs: 500, what: `${s.options.name} to hold the restored keys` });
      }
      const allS = (performance.now() - t) / 1000;
      console.log(`restore via ${size > 1 ? 'a follower' : 'the server'}: HTTP 200 after ${restoreS.toFixed(1)} s; all ${size} server(s) serve the last key after ${allS.toFixed(1)} s`);
      for (const [i, s] of cluster.servers.entries()) {
        const metrics = await (await fetch(s.url('/v1/agent/metrics?format=prometheus'))).text();
        const lag = /^nodejs_eventloop_lag_max_seconds (\S+)$/m.exec(metrics)?.[1] ?? '?';
        console.log(`  ${s.options.name}: peak RSS ${before[i]!.toFixed(0)} MB before, ${peakRssMb(s.pid).toFixed(0)} MB after; longest event-loop stall ${Number(lag).toFixed(2)} s`);
      }
    } catch (err) {
      console.error(cluster.logs());
      throw err;
    } finally {
      await cluster.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
