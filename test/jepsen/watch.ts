// The blocking-query workload: a writer counts up one key through random servers while one
// watcher per server follows it with blocking GETs (?index=<last>&wait=…), as Consul's watches
// and Patroni do. At the end, with the cluster healed, the writer writes a final value and every
// watcher must see it — woken by the change, well before its long wait would end on its own.
//
// Checked (see checkWatch):
// - on one server, X-Consul-Index never goes backwards. Consul lets it go back only after a
//   snapshot restore or tombstone reaping (neither happens here: the key is never deleted) — or,
//   here, when the server's data directory was wiped and it rejoined as a new server, so the
//   sequence restarts with each incarnation;
// - for an existing key the index is the key's ModifyIndex;
// - one ModifyIndex, one value, on every server (the servers agree on the history);
// - every watcher observes the final value (or a later write: an indeterminate write of the main
//   phase may still land) within FINAL_WAKE_MS of its acknowledgement.
import type { Rng } from '../../consensus/raft/index.ts';
import type { JepsenServer } from './cluster.ts';
import { tally, type Outcome } from './history.ts';
import { decodeValue, describeResult, request } from './http.ts';
import type { Anomaly, Workload, WorkloadContext, WorkloadResult } from './workload.ts';
import { OP_TIMEOUT_MS, pickServer, sleep, unexpectedFailures, writeOutcome } from './workload.ts';

/** Every watcher must see the final value this soon after it was acknowledged. */
export const FINAL_WAKE_MS = 30_000;
/** The final phase's blocking wait: longer than FINAL_WAKE_MS, so only a wake-up can be in time. */
const FINAL_WAIT_S = 90;
/** The final write is retried for at most this long. */
const FINAL_WRITE_MS = 60_000;
/** A watcher whose server does not answer tries again after this. */
const RETRY_MS = 250;

export interface WatchObservation {
  readonly watcher: string;
  /** The server's incarnation (bumped when its data was wiped). */
  readonly incarnation: number;
  readonly atMs: number;
  readonly index: number;
  /** null when the key does not exist yet. */
  readonly entry: { readonly value: string | null; readonly modifyIndex: number } | null;
}

export interface WatchVerdict {
  readonly findings: readonly { readonly kind: string; readonly detail: string }[];
}

/** The final write: when it was acknowledged, and a ModifyIndex at or after it. */
export interface FinalWrite {
  readonly ackMs: number;
  readonly index: number;
}

/** Pure: the checks above over all observations. */
export function checkWatch(observations: readonly WatchObservation[], final: FinalWrite | undefined, watchers: readonly string[]): WatchVerdict {
  const findings: { kind: string; detail: string }[] = [];
  const last = new Map<string, WatchObservation>();
  const valueAt = new Map<number, { value: string | null; watcher: string }>();
  for (const o of observations) {
    const lane = `${o.watcher}#${o.incarnation}`;
    const prev = last.get(lane);
    if (prev !== undefined && o.index < prev.index) {
      findings.push({ kind: 'index-backwards', detail: `${o.watcher}: X-Consul-Index ${prev.index} then ${o.index} at ${(o.atMs / 1000).toFixed(3)}s` });
    }
    last.set(lane, o);
    if (o.entry === null) continue;
    if (o.index !== o.entry.modifyIndex) findings.push({ kind: 'index-not-modify-index', detail: `${o.watcher}: X-Consul-Index ${o.index} for an entry with ModifyIndex ${o.entry.modifyIndex}` });
    const seen = valueAt.get(o.entry.modifyIndex);
    if (seen !== undefined && seen.value !== o.entry.value) {
      findings.push({ kind: 'divergent', detail: `ModifyIndex ${o.entry.modifyIndex}: ${seen.watcher} saw ${seen.value}, ${o.watcher} saw ${o.entry.value}` });
    }
    if (seen === undefined) valueAt.set(o.entry.modifyIndex, { value: o.entry.value, watcher: o.watcher });
  }
  if (final === undefined) {
    findings.push({ kind: 'final-write-failed', detail: `the final value was not acknowledged within ${FINAL_WRITE_MS} ms` });
    return { findings };
  }
  for (const w of watchers) {
    const seen = observations.find((o) => o.watcher === w && o.entry !== null && o.entry.modifyIndex >= final.index);
    if (seen === undefined || seen.atMs > final.ackMs + FINAL_WAKE_MS) {
      findings.push({ kind: 'missed-final', detail: `${w} ${seen === undefined ? 'never saw' : `saw only after ${Math.round(seen.atMs - final.ackMs)} ms`} the final write (ModifyIndex ${final.index})` });
    }
  }
  return { findings };
}

export interface WatchOptions {
  /** Writes per second, roughly. */
  readonly writeIntervalMs: number;
  /** Longest blocking wait of the main phase, in seconds. */
  readonly maxWaitS: number;
}

export const DEFAULT_WATCH: WatchOptions = { writeIntervalMs: 200, maxWaitS: 8 };

export class WatchWorkload implements Workload {
  readonly name = 'watch';
  private readonly observations: WatchObservation[] = [];
  private readonly writes: { outcome: Outcome; note?: string }[] = [];
  private final: FinalWrite | undefined;
  private finalPhase = false;
  private watchersDone: Promise<void> = Promise.resolve();
  private readonly watcherStop = new AbortController();

  constructor(private readonly options: WatchOptions = DEFAULT_WATCH) {}

  async run(ctx: WorkloadContext): Promise<void> {
    const key = `${ctx.prefix}/watch/key`;
    this.watchersDone = Promise.all(ctx.cluster.servers.map((s, i) => this.watcher(ctx, s, key, ctx.rng.fork(`watch-${i}`)))).then(() => undefined);
    await this.writer(ctx, key, ctx.rng.fork('watch-writer'));
  }

  async finish(ctx: WorkloadContext): Promise<void> {
    const key = `${ctx.prefix}/watch/key`;
    this.finalPhase = true;
    const value = 'final';
    const deadline = ctx.timeline.ms() + FINAL_WRITE_MS;
    const rng = ctx.rng.fork('watch-final');
    // Bounded by the deadline.
    let ackMs: number | undefined;
    while (ctx.timeline.ms() < deadline && ackMs === undefined) {
      const r = await request(pickServer(ctx, rng).url(`/v1/kv/${key}`), { method: 'PUT', body: value, timeoutMs: OP_TIMEOUT_MS });
      if (r.kind === 'response' && r.status === 200) ackMs = ctx.timeline.ms();
      else await sleep(RETRY_MS);
    }
    // The index the final write (or a later one) got: read once it is acknowledged (bounded).
    while (ackMs !== undefined && ctx.timeline.ms() < deadline && this.final === undefined) {
      const r = await request(pickServer(ctx, rng).url(`/v1/kv/${key}?consistent`), { timeoutMs: OP_TIMEOUT_MS });
      if (r.kind === 'response' && r.status === 200) this.final = { ackMs, index: (JSON.parse(r.body) as { ModifyIndex: number }[])[0]!.ModifyIndex };
      else await sleep(RETRY_MS);
    }
    const end = ctx.timeline.ms() + FINAL_WAKE_MS + 1_000;
    // Watchers stop once they saw the final value, or FINAL_WAKE_MS after it (bounded).
    while (ctx.timeline.ms() < end && !this.allSawFinal(ctx)) await sleep(100);
    this.watcherStop.abort();
    await this.watchersDone;
  }

  check(): WorkloadResult {
    const watchers = [...new Set(this.observations.map((o) => o.watcher))];
    const verdict = checkWatch(this.observations, this.final, watchers);
    const anomalies: Anomaly[] = verdict.findings.map((f) => ({ workload: this.name, ...f }));
    anomalies.push(...unexpectedFailures(this.name, this.writes.map((w) => w.note)));
    return { name: this.name, ops: tally(this.writes), anomalies, inconclusive: [], stats: { observations: this.observations.length, watchers: watchers.length } };
  }

  private allSawFinal(ctx: WorkloadContext): boolean {
    const index = this.final?.index;
    return index !== undefined && ctx.cluster.servers.every((s) => this.observations.some((o) => o.watcher === s.name && o.entry !== null && o.entry.modifyIndex >= index));
  }

  private async writer(ctx: WorkloadContext, key: string, rng: Rng): Promise<void> {
    for (let n = 1; !ctx.stopping(); n++) {
      const r = await request(pickServer(ctx, rng).url(`/v1/kv/${key}`), { method: 'PUT', body: `v${n}`, timeoutMs: OP_TIMEOUT_MS });
      const { outcome, note } = writeOutcome(r);
      this.writes.push({ outcome, ...(note === undefined ? {} : { note }) });
      await sleep(this.options.writeIntervalMs / 2 + rng.int(this.options.writeIntervalMs));
    }
  }

  /** Follows the key on one server until the final phase ends; resets to 0 if the index went back. */
  private async watcher(ctx: WorkloadContext, server: JepsenServer, key: string, rng: Rng): Promise<void> {
    let index = 0;
    let incarnation = server.incarnation;
    while (!this.watcherStop.signal.aborted) {
      if (server.incarnation !== incarnation) {
        incarnation = server.incarnation;
        index = 0;
      }
      const waitS = this.finalPhase ? FINAL_WAIT_S : 1 + rng.int(this.options.maxWaitS);
      const r = await request(server.url(`/v1/kv/${key}?index=${index}&wait=${waitS}s`), { timeoutMs: waitS * 1000 + OP_TIMEOUT_MS, signal: this.watcherStop.signal });
      if (r.kind !== 'response' || (r.status !== 200 && r.status !== 404)) {
        if (r.kind === 'response' && r.status < 500) ctx.log(`watch ${server.name}: ${describeResult(r)}`);
        await sleep(RETRY_MS);
        continue;
      }
      const got = Number(r.headers.get('x-consul-index'));
      const [e] = r.status === 200 ? (JSON.parse(r.body) as { Value: string | null; ModifyIndex: number }[]) : [];
      this.observations.push({
        watcher: server.name, incarnation, atMs: ctx.timeline.ms(), index: got,
        entry: e === undefined ? null : { value: decodeValue(e.Value), modifyIndex: e.ModifyIndex },
      });
      // As Consul's clients do: a smaller index than last time means start over from 0.
      index = got < index ? 0 : got;
    }
  }
}
