// Micro-benchmark: FSM applies per second for 256-byte kv.set commands on a real state file
// (WAL, synchronous=NORMAL), in batches of 1 and 64, plus a blocking-query wake round trip.
// Run: npx tsx test/storage/bench-apply.ts [entries]
import { join } from 'node:path';
import { encodeCommand } from '../../storage/commands.ts';
import type { FsmEntry } from '../../storage/fsm.ts';
import { openState } from '../../storage/open-state.ts';
import { watchFor } from '../../storage/state-store.ts';
import { b64, tempDir } from './harness.ts';

const TOTAL = Number(process.argv[2] ?? 64_000);
const VALUE = b64('x'.repeat(256));

function run(batch: number, keys: number): number {
  const { dir, cleanup } = tempDir();
  const state = openState(join(dir, 'state.db'));
  // Encoding happens on the proposer, not in apply: prepare the bytes up front.
  const entries: FsmEntry[] = Array.from({ length: TOTAL }, (_, i) => ({
    index: i + 1, term: 1, kind: 'command', data: encodeCommand({ type: 'kv.set', key: `bench/key-${i % keys}`, value: VALUE, flags: '0' }),
  }));
  const start = process.hrtime.bigint();
  for (let i = 0; i < TOTAL; i += batch) state.fsm.apply(entries.slice(i, i + batch));
  const secs = Number(process.hrtime.bigint() - start) / 1e9;
  state.close();
  cleanup();
  return TOTAL / secs;
}

async function wakeLatency(): Promise<number> {
  const state = openState(':memory:');
  const rounds = 2_000;
  const start = process.hrtime.bigint();
  for (let i = 0; i < rounds; i++) {
    const w = state.hub.watch(watchFor.kvGet('hot'));
    state.fsm.apply([{ index: i + 1, term: 1, kind: 'command', data: encodeCommand({ type: 'kv.set', key: 'hot', value: b64(String(i)), flags: '0' }) }]);
    await w.fired;
  }
  const us = Number(process.hrtime.bigint() - start) / 1e3 / rounds;
  state.close();
  return us;
}

for (const [batch, keys] of [[1, TOTAL], [64, TOTAL], [64, 1000]] as const) {
  console.log(`kv.set 256 B, batch ${String(batch).padStart(2)}, ${keys === TOTAL ? 'distinct keys' : `${keys} hot keys`}: ${Math.round(run(batch, keys)).toLocaleString('en-US')} applies/s`);
}
console.log(`apply + wake one blocking query: ${(await wakeLatency()).toFixed(1)} µs per round`);
