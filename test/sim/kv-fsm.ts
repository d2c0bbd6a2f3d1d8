// The simulation's state machine: a few registers (string keys, string values) with put, CAS
// and get, implementing the host's Fsm contract for real: apply is deterministic, snapshots
// serialize the whole state, restore replaces it.
//
// Durability is modelled on the SQLite FSM (WAL journal, synchronous=NORMAL): each applied
// batch appends a checksummed record of the full state and applied position to a file on the
// server's SimDisk; it is fsynced only now and then (a checkpoint), so a crash may lose the
// newest records — the applied index then goes back to the last surviving record and the log
// replays the rest, exactly as after a crash of the real FSM. A restore is written and synced
// at once. On start the last record that verifies is the state.
//
// The state also carries a hash chain over every applied entry (index, term, kind, data) and a
// digest of the registers; the checkers compare both across servers at every index.
import { crc32c } from 'raft-wal-ts';
import type { AppliedPosition, Fsm, FsmEntry, FsmSnapshot } from '../../consensus/host/fsm.ts';
import type { Rng } from '../../consensus/raft/index.ts';
import { Hasher } from './hash.ts';
import type { DirectFiles } from './sim-disk.ts';

export type KvCommand =
  | { readonly op: 'put'; readonly key: string; readonly value: string }
  | { readonly op: 'cas'; readonly key: string; readonly expect: string | null; readonly value: string }
  | { readonly op: 'get'; readonly key: string };

export type KvResult =
  | { readonly op: 'put'; readonly prev: string | null }
  | { readonly op: 'cas'; readonly ok: boolean; readonly prev: string | null }
  | { readonly op: 'get'; readonly value: string | null };

export const FSM_DIR = 'data/fsm';
const STATE_FILE = 'state.log';
/** The state file is rewritten with only its newest record beyond this size. */
const COMPACT_BYTES = 16 * 1024;
/** Snapshot bytes are handed to the store in pieces this big, so restore sees several. */
const SNAPSHOT_PIECE = 256;

const enc = new TextEncoder();
const dec = new TextDecoder();

export function encodeCommand(c: KvCommand): Uint8Array {
  return enc.encode(JSON.stringify(c));
}

export interface KvState {
  readonly index: number;
  readonly term: number;
  readonly chain: string;
  /** Registers sorted by key. */
  readonly kv: readonly (readonly [string, string])[];
}

/** What the checkers learn from every FSM. */
export interface FsmObserver {
  /**
   * `entry` was applied; `chain` covers every entry up to it. `digest` is the registers after
   * it, given for the last entry of each batch ('' for the others).
   */
  applied(entry: FsmEntry, chain: string, digest: string): void;
  /** The state was replaced by a snapshot taken at `at`. */
  restored(at: AppliedPosition, chain: string, digest: string): void;
}

export interface KvFsmOptions {
  readonly files: DirectFiles;
  readonly rng: Rng;
  /** One apply batch in this many is followed by an fsync (a checkpoint). */
  readonly syncOneIn: number;
  /** Filler bytes in every snapshot, so some seeds stream snapshots in several chunks. */
  readonly snapshotPadBytes: number;
  readonly observer: FsmObserver;
  /** A deliberately nondeterministic apply, for the checkers' negative controls. */
  readonly nondeterministic?: boolean;
}

export class KvFsm implements Fsm {
  private kv = new Map<string, string>();
  private position: AppliedPosition = { index: 0, term: 0 };
  private chain = '0';
  /** The applied index of the newest fsynced record: a restart never comes back below it. */
  durableIndex = 0;

  constructor(private readonly o: KvFsmOptions) {
    o.files.mkdirp(FSM_DIR);
    const bytes = o.files.read(FSM_DIR, STATE_FILE);
    const loaded = loadState(bytes);
    if (loaded === undefined) {
      if (bytes !== undefined && bytes.length > 0) o.files.replace(FSM_DIR, STATE_FILE, new Uint8Array(0));
      return;
    }
    this.adopt(loaded.state);
    // A torn or corrupt tail would hide every record appended after it: start a clean file.
    if (loaded.end !== bytes?.length) o.files.replace(FSM_DIR, STATE_FILE, encodeRecord(loaded.state));
    this.durableIndex = loaded.state.index;
  }

  applied(): AppliedPosition {
    return this.position;
  }

  /** The hash chain over every entry applied so far (carried through snapshots). */
  get chainHash(): string {
    return this.chain;
  }

  /** A local read of a register (after a read barrier). */
  get(key: string): string | null {
    return this.kv.get(key) ?? null;
  }

  apply(batch: readonly FsmEntry[]): unknown[] {
    const results: unknown[] = [];
    for (const e of batch) {
      if (e.index !== this.position.index + 1) throw new Error(`KvFsm: entry ${e.index} after ${this.position.index}`);
      this.chain = new Hasher().str(this.chain).num(e.index).num(e.term).str(e.kind).bytes(e.data).hex();
      this.position = { index: e.index, term: e.term };
      results.push(e.kind === 'command' ? this.execute(JSON.parse(dec.decode(e.data)) as KvCommand) : undefined);
      this.o.observer.applied(e, this.chain, e === batch[batch.length - 1] ? this.digest() : '');
    }
    this.persist(this.o.rng.int(this.o.syncOneIn) === 0);
    return results;
  }

  snapshot(): FsmSnapshot {
    const at = this.position;
    // Layout: u32 length of the JSON body | body | `pad` filler bytes.
    const body = enc.encode(JSON.stringify({ chain: this.chain, kv: this.sorted(), pad: this.o.snapshotPadBytes }));
    const pad = this.o.snapshotPadBytes;
    return {
      at,
      async write(sink) {
        const head = new Uint8Array(4);
        new DataView(head.buffer).setUint32(0, body.byteLength);
        await sink(head);
        for (let i = 0; i < body.byteLength; i += SNAPSHOT_PIECE) await sink(body.subarray(i, i + SNAPSHOT_PIECE));
        if (pad > 0) await sink(padding(pad));
      },
      release() {},
    };
  }

  async restore(source: AsyncIterable<Uint8Array>, at: AppliedPosition): Promise<void> {
    const parts: Uint8Array[] = [];
    for await (const chunk of source) parts.push(chunk);
    const all = Buffer.concat(parts);
    const len = all.readUInt32BE(0);
    const parsed = JSON.parse(dec.decode(all.subarray(4, 4 + len))) as { chain: string; kv: [string, string][]; pad: number };
    const filler = all.subarray(4 + len);
    if (filler.length !== parsed.pad || !padding(parsed.pad).every((b, k) => filler[k] === b)) {
      throw new Error(`KvFsm: snapshot at ${at.index} has corrupt padding`);
    }
    this.adopt({ index: at.index, term: at.term, chain: parsed.chain, kv: parsed.kv });
    this.persist(true);
    this.o.observer.restored(at, this.chain, this.digest());
  }

  digest(): string {
    const h = new Hasher();
    for (const [k, v] of this.sorted()) h.str(k).str(v);
    return h.hex();
  }

  private execute(c: KvCommand): KvResult {
    const prev = this.kv.get(c.key) ?? null;
    switch (c.op) {
      case 'put':
        this.kv.set(c.key, this.o.nondeterministic === true ? `${c.value}!` : c.value);
        return { op: 'put', prev };
      case 'cas': {
        const ok = prev === c.expect;
        if (ok) this.kv.set(c.key, c.value);
        return { op: 'cas', ok, prev };
      }
      case 'get':
        return { op: 'get', value: prev };
    }
  }

  private sorted(): [string, string][] {
    return [...this.kv].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  }

  private adopt(s: KvState): void {
    this.kv = new Map(s.kv);
    this.position = { index: s.index, term: s.term };
    this.chain = s.chain;
  }

  /** Appends a record of the whole state; fsyncs when asked (errors are fatal to the host). */
  private persist(sync: boolean): void {
    const files = this.o.files;
    const record = encodeRecord({ index: this.position.index, term: this.position.term, chain: this.chain, kv: this.sorted() });
    const size = files.size(FSM_DIR, STATE_FILE);
    if (size + record.length > COMPACT_BYTES) files.replace(FSM_DIR, STATE_FILE, record);
    else {
      files.append(FSM_DIR, STATE_FILE, record);
      if (sync) files.fsync(FSM_DIR, STATE_FILE);
    }
    if (sync || size + record.length > COMPACT_BYTES) this.durableIndex = this.position.index;
  }
}

function padding(n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (i * 31 + 7) & 0xff;
  return out;
}

// Record: u32 payload length | u32 CRC-32C of the payload | payload (UTF-8 JSON of KvState).
function encodeRecord(s: KvState): Uint8Array {
  const payload = enc.encode(JSON.stringify(s));
  const out = new Uint8Array(8 + payload.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, payload.length);
  view.setUint32(4, crc32c(payload));
  out.set(payload, 8);
  return out;
}

/** The newest record that verifies and where the valid records end; a bad record ends the scan. */
function loadState(bytes: Uint8Array | undefined): { state: KvState; end: number } | undefined {
  if (bytes === undefined) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let last: { state: KvState; end: number } | undefined;
  // Bounded by the file size: every record is at least 9 bytes.
  for (let at = 0; at + 8 <= bytes.length; ) {
    const len = view.getUint32(at);
    // Zeroed space (a lost sector) reads as length 0 with a matching CRC of nothing.
    if (len === 0 || at + 8 + len > bytes.length) break;
    const payload = bytes.subarray(at + 8, at + 8 + len);
    if (crc32c(payload) !== view.getUint32(at + 4)) break;
    at += 8 + len;
    last = { state: JSON.parse(dec.decode(payload)) as KvState, end: at };
  }
  return last;
}
