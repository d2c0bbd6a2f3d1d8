// A tiny key-value state machine implementing the real Fsm contract, for host tests.
// Commands are JSON {op: 'put', key, value} | {op: 'get', key}; results are {index, prev}.
import type { AppliedPosition, Fsm, FsmEntry, FsmSnapshot } from '../../../consensus/host/fsm.ts';

export type KvCommand = { op: 'put'; key: string; value: string } | { op: 'get'; key: string };

export interface KvResult {
  readonly index: number;
  readonly prev: string | null;
}

const enc = new TextEncoder();
const dec = new TextDecoder();

export function put(key: string, value: string): Uint8Array {
  return enc.encode(JSON.stringify({ op: 'put', key, value } satisfies KvCommand));
}

/** Snapshot bytes are cut into pieces this big, so restore sees several chunks. */
const SNAPSHOT_PIECE = 64;

export class KvFsm implements Fsm {
  readonly data = new Map<string, string>();
  private position: AppliedPosition = { index: 0, term: 0 };
  /** Every entry index this instance applied, in order (restores are marked as -index). */
  readonly history: number[] = [];
  restores = 0;

  applied(): AppliedPosition {
    return this.position;
  }

  apply(batch: readonly FsmEntry[]): unknown[] {
    const results: unknown[] = [];
    for (const e of batch) {
      if (e.index !== this.position.index + 1) throw new Error(`KvFsm: entry ${e.index} after ${this.position.index}`);
      this.history.push(e.index);
      this.position = { index: e.index, term: e.term };
      if (e.kind !== 'command') {
        results.push(undefined);
        continue;
      }
      const cmd = JSON.parse(dec.decode(e.data)) as KvCommand;
      const prev = this.data.get(cmd.key) ?? null;
      if (cmd.op === 'put') this.data.set(cmd.key, cmd.value);
      results.push({ index: e.index, prev } satisfies KvResult);
    }
    return results;
  }

  snapshot(): FsmSnapshot {
    const at = this.position;
    const bytes = enc.encode(JSON.stringify([...this.data]));
    return {
      at,
      async write(sink) {
        for (let i = 0; i < bytes.byteLength; i += SNAPSHOT_PIECE) await sink(bytes.subarray(i, i + SNAPSHOT_PIECE));
      },
      release() {},
    };
  }

  async restore(source: AsyncIterable<Uint8Array>, at: AppliedPosition): Promise<void> {
    const parts: Uint8Array[] = [];
    for await (const chunk of source) parts.push(chunk);
    const entries = JSON.parse(dec.decode(Buffer.concat(parts))) as [string, string][];
    this.data.clear();
    for (const [k, v] of entries) this.data.set(k, v);
    this.position = at;
    this.history.push(-at.index);
    this.restores++;
  }

  /** A copy of the state as it is now, standing for a durable FSM that stopped at this point. */
  clone(): KvFsm {
    const f = new KvFsm();
    for (const [k, v] of this.data) f.data.set(k, v);
    f.position = this.position;
    return f;
  }
}
