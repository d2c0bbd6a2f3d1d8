// The behaviour under test is timing: a restore (and a snapshot write) of a large state must
// never hold the event loop for long, because Raft heartbeats and HTTP reads share it. Restoring
// 200 000 keys with the old single-transaction swap cost about a second of CPU in one go (more
// in wall time on a busy machine). The bound is on the CPU the process spent between two ticks
// of a 5 ms timer (one synchronous step's cost), which a loaded CI machine does not inflate
// the way it inflates wall-clock gaps; the wall gap gets a looser sanity bound.
import { describe, expect, it } from 'vitest';
import { fileState, kvSnapshot, StallProbe, stream } from './restore-support.ts';

const KEYS = 200_000;
/** Generous: the bounded steps cost a few ms each; the old swap cost ~1 s at this size. */
const MAX_STEP_CPU_MS = 300;
/** Wall-clock gaps also count time waiting for a core on a busy machine. */
const MAX_STALL_WALL_MS = 5_000;

describe('restore and snapshot keep the event loop turning', () => {
  it(`restoring ${KEYS} keys never holds the event loop for ${MAX_STEP_CPU_MS} ms`, async () => {
    const at = { index: KEYS + 10, term: 3 };
    const chunks = await kvSnapshot(KEYS, 100, at);
    const f = fileState();
    try {
      const probe = new StallProbe();
      // No yield between chunks: the restore's own steps must give the loop its turns.
      await f.h.fsm.restore(stream(chunks), at);
      const stall = probe.stop();
      expect(f.h.fsm.applied()).toEqual(at);
      expect(f.h.store.kvKeys('bulk/', '').keys).toHaveLength(KEYS);
      expect(stall.cpu).toBeLessThan(MAX_STEP_CPU_MS);
      expect(stall.wall).toBeLessThan(MAX_STALL_WALL_MS);

      // The same state streamed out again: writing the snapshot is chunked too.
      const writeProbe = new StallProbe();
      const snap = f.h.fsm.snapshot();
      let bytes = 0;
      await snap.write(async (c) => void (bytes += c.byteLength));
      snap.release();
      const writeStall = writeProbe.stop();
      expect(writeStall.cpu).toBeLessThan(MAX_STEP_CPU_MS);
      expect(writeStall.wall).toBeLessThan(MAX_STALL_WALL_MS);
      expect(bytes).toBeGreaterThan(chunks.reduce((n, c) => n + c.byteLength, 0) / 2);
    } finally {
      f.dispose();
    }
  });
});
