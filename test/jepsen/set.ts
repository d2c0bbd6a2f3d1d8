// The set workload: clients add unique elements (one key each, by PUT or by a /v1/txn set)
// through random servers; once the cluster has healed, one ?consistent listing reads them all.
// Every acknowledged add must be there (nothing lost) and nothing may be there that no client
// tried to add; unknown adds may go either way.
import type { Rng } from '../../consensus/raft/index.ts';
import type { Instant, Outcome } from './history.ts';
import { tally } from './history.ts';
import { describeResult, request } from './http.ts';
import type { Anomaly, Workload, WorkloadContext, WorkloadResult } from './workload.ts';
import { OP_TIMEOUT_MS, pickServer, sleep, think, unexpectedFailures, writeOutcome } from './workload.ts';

/** The final listing is retried on every server for at most this long. */
const FINAL_READ_MS = 60_000;

export interface SetOptions {
  readonly clients: number;
  readonly thinkMs: number;
}

export const DEFAULT_SET: SetOptions = { clients: 2, thinkMs: 60 };

export interface SetAdd {
  readonly element: number;
  readonly outcome: Outcome;
  readonly via: 'kv' | 'txn';
  readonly call: Instant;
  readonly note?: string;
}

export interface SetVerdict {
  readonly lost: readonly number[];
  readonly unexpected: readonly number[];
  /** Unknown adds that turned out to have happened. */
  readonly recovered: number;
}

/** Pure: what the final listing says about the adds. */
export function checkSet(adds: readonly SetAdd[], final: ReadonlySet<number>): SetVerdict {
  const attempted = new Set(adds.filter((a) => a.outcome !== 'fail').map((a) => a.element));
  const lost = adds.filter((a) => a.outcome === 'ok' && !final.has(a.element)).map((a) => a.element);
  const unexpected = [...final].filter((e) => !attempted.has(e)).sort((a, b) => a - b);
  const recovered = adds.filter((a) => a.outcome === 'unknown' && final.has(a.element)).length;
  return { lost, unexpected, recovered };
}

export class SetWorkload implements Workload {
  readonly name = 'set';
  private readonly adds: SetAdd[] = [];
  private nextElement = 0;
  private final: Set<number> | undefined;
  private finalError = '';

  constructor(private readonly options: SetOptions = DEFAULT_SET) {}

  async run(ctx: WorkloadContext): Promise<void> {
    await Promise.all(Array.from({ length: this.options.clients }, (_, c) => this.client(ctx, ctx.rng.fork(`set-${c}`))));
  }

  async finish(ctx: WorkloadContext): Promise<void> {
    const deadline = ctx.timeline.ms() + FINAL_READ_MS;
    const prefix = `${ctx.prefix}/set/`;
    // Bounded by the deadline.
    for (let attempt = 0; ctx.timeline.ms() < deadline; attempt++) {
      const server = ctx.cluster.servers[attempt % ctx.cluster.servers.length]!;
      const r = await request(server.url(`/v1/kv/${prefix}?keys&consistent`), { timeoutMs: OP_TIMEOUT_MS });
      if (r.kind === 'response' && (r.status === 200 || r.status === 404)) {
        const keys = r.status === 404 ? [] : (JSON.parse(r.body) as string[]);
        this.final = new Set(keys.map((k) => Number(k.slice(prefix.length))));
        return;
      }
      this.finalError = describeResult(r);
      await sleep(500);
    }
  }

  check(): WorkloadResult {
    const anomalies: Anomaly[] = [];
    const stats: Record<string, number> = { attempted: this.adds.length };
    if (this.final === undefined) {
      anomalies.push({ workload: this.name, kind: 'final-read-failed', detail: `no server answered the final listing within ${FINAL_READ_MS} ms: ${this.finalError}` });
    } else {
      const v = checkSet(this.adds, this.final);
      if (v.lost.length > 0) anomalies.push({ workload: this.name, kind: 'lost', detail: `${v.lost.length} acknowledged adds missing: ${v.lost.slice(0, 20).join(', ')}` });
      if (v.unexpected.length > 0) anomalies.push({ workload: this.name, kind: 'unexpected', detail: `elements nobody added: ${v.unexpected.slice(0, 20).join(', ')}` });
      Object.assign(stats, { present: this.final.size, recovered: v.recovered });
    }
    anomalies.push(...unexpectedFailures(this.name, this.adds.map((a) => a.note)));
    return { name: this.name, ops: tally(this.adds), anomalies, inconclusive: [], stats };
  }

  private async client(ctx: WorkloadContext, rng: Rng): Promise<void> {
    while (!ctx.stopping()) {
      const element = this.nextElement++;
      const key = `${ctx.prefix}/set/${element}`;
      const server = pickServer(ctx, rng);
      const via = rng.chance(1, 2) ? 'kv' : 'txn';
      const call = ctx.timeline.now();
      const value = Buffer.from(String(element)).toString('base64');
      const r =
        via === 'kv'
          ? await request(server.url(`/v1/kv/${key}`), { method: 'PUT', body: String(element), timeoutMs: OP_TIMEOUT_MS })
          : await request(server.url('/v1/txn'), { method: 'PUT', body: JSON.stringify([{ KV: { Verb: 'set', Key: key, Value: value } }]), timeoutMs: OP_TIMEOUT_MS });
      const { outcome, note } = writeOutcome(r);
      this.adds.push({ element, outcome, via, call, ...(note === undefined ? {} : { note }) });
      await think(rng, this.options.thinkMs);
    }
  }
}
