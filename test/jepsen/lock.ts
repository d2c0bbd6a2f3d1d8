// The lock workload: clients take turns holding locks the way Consul's lock recipe does —
// create a session with a TTL and a lock-delay (no node checks, so only the TTL and the client
// end it), acquire the key with it, keep the session renewed while holding, then release the
// key or destroy the session (which triggers lock-delay). See lock-check.ts for what is checked.
import type { Rng } from '../../consensus/raft/index.ts';
import { tally } from './history.ts';
import { describeResult, request, type HttpResult } from './http.ts';
import { checkHolds, checkLockDelay, checkLockKey, checkTtl, describeLockHistory, type Hold, type LockInput, type LockOutput, type LockRecord, type Quiet } from './lock-check.ts';
import type { Anomaly, Workload, WorkloadContext, WorkloadResult } from './workload.ts';
import { OP_TIMEOUT_MS, pickServer, sleep, unexpectedFailures, writeOutcome } from './workload.ts';

export interface LockOptions {
  /** Lock keys in use at once; `clientsPerKey` clients contend for each. */
  readonly keys: number;
  readonly clientsPerKey: number;
  /** Session TTL (the server must allow it: session_ttl_min). */
  readonly ttlMs: number;
  readonly lockDelayMs: number;
  /** Operations on one key before its clients move to a fresh one (bounds one search). */
  readonly opsPerKey: number;
}

export const DEFAULT_LOCK: LockOptions = { keys: 2, clientsPerKey: 2, ttlMs: 3_000, lockDelayMs: 1_500, opsPerKey: 200 };

/** A holder renews its session this often (several renewals per TTL). */
const RENEW_FRACTION = 3;
/** How long a client holds a lock, at most. */
const MAX_HOLD_MS = 1_500;
/** Acquire attempts with one session before a client starts over with a new one. */
const MAX_ATTEMPTS_PER_SESSION = 8;
/** A client's request deadline: below the TTL, so a hung renewal does not outlive the lease. */
const LOCK_OP_TIMEOUT_MS = Math.min(OP_TIMEOUT_MS, 2_500);

interface Lease {
  readonly session: string;
  /** The client stops believing in its session after this (TTL from the last renewal sent that succeeded). */
  untilMs: number;
  renewedAtMs: number;
}

export class LockWorkload implements Workload {
  readonly name = 'lock';
  private readonly records: LockRecord[] = [];
  private readonly holds: Hold[] = [];
  private nextId = 0;
  private readonly keyOps = new Map<number, { key: string; used: number; generation: number }>();

  constructor(private readonly options: LockOptions = DEFAULT_LOCK) {}

  async run(ctx: WorkloadContext): Promise<void> {
    const clients: Promise<void>[] = [];
    for (let k = 0; k < this.options.keys; k++) {
      this.keyOps.set(k, { key: `${ctx.prefix}/lock/${k}-0`, used: 0, generation: 0 });
      for (let c = 0; c < this.options.clientsPerKey; c++) {
        const client = k * this.options.clientsPerKey + c;
        clients.push(this.client(ctx, client, k, ctx.rng.fork(`lock-${client}`)));
      }
    }
    await Promise.all(clients);
  }

  async finish(): Promise<void> {}

  check(quiet: Quiet): WorkloadResult {
    const anomalies: Anomaly[] = [];
    const inconclusive: string[] = [];
    const timings = { ttlMs: this.options.ttlMs, lockDelayMs: this.options.lockDelayMs };
    const byKey = new Map<string, LockRecord[]>();
    for (const r of this.records) if (r.key !== '') byKey.set(r.key, [...(byKey.get(r.key) ?? []), r]);
    for (const [key, records] of byKey) {
      const result = checkLockKey(records);
      if (result.ok === 'unknown') inconclusive.push(`lock ${key}: search budget exhausted after ${result.steps} steps`);
      if (result.ok === false) anomalies.push({ workload: this.name, kind: 'not-linearizable', detail: `key ${key}: ${result.explanation.split('\n')[0]}\n${describeLockHistory(records)}` });
      for (const f of [...checkLockDelay(records, timings, quiet), ...checkTtl(records, timings, quiet)]) anomalies.push({ workload: this.name, kind: f.kind, detail: f.detail });
    }
    for (const f of checkHolds(this.holds, quiet)) anomalies.push({ workload: this.name, kind: f.kind, detail: f.detail });
    anomalies.push(...unexpectedFailures(this.name, this.records.map((r) => r.note)));
    const acquired = this.records.filter((r) => r.output?.kind === 'acquire' && r.output.ok).length;
    return { name: this.name, ops: tally(this.records), anomalies, inconclusive, stats: { keys: byKey.size, acquired, holds: this.holds.length } };
  }

  /** The key a client of slot k works on now; all its clients move on together once it is spent. */
  private keyFor(ctx: WorkloadContext, k: number): string {
    const slot = this.keyOps.get(k)!;
    if (slot.used >= this.options.opsPerKey) {
      slot.generation++;
      slot.key = `${ctx.prefix}/lock/${k}-${slot.generation}`;
      slot.used = 0;
    }
    slot.used++;
    return slot.key;
  }

  private async client(ctx: WorkloadContext, client: number, k: number, rng: Rng): Promise<void> {
    while (!ctx.stopping()) {
      const key = this.keyFor(ctx, k);
      const lease = await this.createSession(ctx, rng, client, key);
      if (lease === undefined) {
        await sleep(200 + rng.int(300));
        continue;
      }
      await this.useSession(ctx, rng, client, key, lease);
    }
  }

  /** Acquire attempts with one session; ends by destroying it (best effort). */
  private async useSession(ctx: WorkloadContext, rng: Rng, client: number, key: string, lease: Lease): Promise<void> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS_PER_SESSION && !ctx.stopping(); attempt++) {
      if (!(await this.keepAlive(ctx, rng, client, key, lease))) break;
      const acquire = await this.op(ctx, rng, client, key, lease.session, { kind: 'acquire', session: lease.session });
      if (acquire.outcome !== 'ok') break; // invalid session, or unknown: perhaps held; start over
      if (acquire.output?.kind === 'acquire' && acquire.output.ok) {
        const released = await this.hold(ctx, rng, client, key, lease, acquire.ret.ms);
        if (!released) break;
      } else {
        if (rng.chance(1, 3)) await this.op(ctx, rng, client, key, '', { kind: 'read' });
        await sleep(100 + rng.int(300));
      }
    }
    await this.op(ctx, rng, client, key, lease.session, { kind: 'destroy', session: lease.session });
  }

  /**
   * Holds the lock for a while, renewing, then releases it (true) or ends the hold by
   * destroying the session (false: the caller destroys it, which triggers lock-delay).
   */
  private async hold(ctx: WorkloadContext, rng: Rng, client: number, key: string, lease: Lease, startMs: number): Promise<boolean> {
    const until = ctx.timeline.ms() + 100 + rng.int(MAX_HOLD_MS);
    // Bounded by `until` (and by the lease).
    while (ctx.timeline.ms() < until) {
      if (!(await this.keepAlive(ctx, rng, client, key, lease))) {
        this.holds.push({ key, session: lease.session, client, startMs, endMs: lease.untilMs, end: 'lease-lapsed' });
        return false;
      }
      if (rng.chance(1, 4)) await this.op(ctx, rng, client, key, '', { kind: 'read' });
      await sleep(50 + rng.int(200));
    }
    const byRelease = rng.chance(1, 2);
    // The belief ends when the client sends its release or destroy (or its lease lapsed first).
    const endMs = Math.min(ctx.timeline.ms(), lease.untilMs);
    this.holds.push({ key, session: lease.session, client, startMs, endMs, end: endMs < ctx.timeline.ms() ? 'lease-lapsed' : byRelease ? 'release' : 'destroy' });
    if (!byRelease) return false;
    const r = await this.op(ctx, rng, client, key, lease.session, { kind: 'release', session: lease.session });
    return r.outcome === 'ok';
  }

  /** Renews when a third of the TTL has passed; false once the lease has lapsed. */
  private async keepAlive(ctx: WorkloadContext, rng: Rng, client: number, key: string, lease: Lease): Promise<boolean> {
    if (ctx.timeline.ms() - lease.renewedAtMs >= this.options.ttlMs / RENEW_FRACTION) {
      const r = await this.op(ctx, rng, client, key, lease.session, { kind: 'renew', session: lease.session });
      if (r.output?.kind === 'renew' && r.output.found) {
        lease.untilMs = r.call.ms + this.options.ttlMs;
        lease.renewedAtMs = r.call.ms;
      } else if (r.output?.kind === 'renew') return false;
    }
    return ctx.timeline.ms() < lease.untilMs;
  }

  private async createSession(ctx: WorkloadContext, rng: Rng, client: number, key: string): Promise<Lease | undefined> {
    const r = await this.op(ctx, rng, client, key, '', { kind: 'create' });
    if (r.output?.kind !== 'create') return undefined;
    return { session: r.output.session, untilMs: r.call.ms + this.options.ttlMs, renewedAtMs: r.call.ms };
  }

  private async op(ctx: WorkloadContext, rng: Rng, client: number, key: string, session: string, input: LockInput): Promise<LockRecord> {
    const server = pickServer(ctx, rng);
    const call = ctx.timeline.now();
    const r = await this.send(server.url.bind(server), key, input, client);
    const { outcome, output, note } = this.interpret(input, r);
    const created = output?.kind === 'create' ? output.session : session;
    const record: LockRecord = {
      id: this.nextId++, client, server: server.name, key: input.kind === 'create' || input.kind === 'renew' ? '' : key, session: created,
      input, outcome, output, call, ret: ctx.timeline.now(), ...(note === undefined ? {} : { note }),
    };
    this.records.push(record);
    return record;
  }

  private send(url: (path: string) => string, key: string, input: LockInput, client: number): Promise<HttpResult> {
    const timeoutMs = LOCK_OP_TIMEOUT_MS;
    switch (input.kind) {
      case 'create': {
        const body = { Name: `jepsen-${client}`, TTL: `${this.options.ttlMs}ms`, LockDelay: `${this.options.lockDelayMs}ms`, Behavior: 'release', NodeChecks: [] };
        return request(url('/v1/session/create'), { method: 'PUT', body: JSON.stringify(body), timeoutMs });
      }
      case 'acquire':
        return request(url(`/v1/kv/${key}?acquire=${input.session}`), { method: 'PUT', body: `client-${client}`, timeoutMs });
      case 'release':
        return request(url(`/v1/kv/${key}?release=${input.session}`), { method: 'PUT', body: `client-${client}`, timeoutMs });
      case 'destroy':
        return request(url(`/v1/session/destroy/${input.session}`), { method: 'PUT', timeoutMs });
      case 'renew':
        return request(url(`/v1/session/renew/${input.session}`), { method: 'PUT', timeoutMs });
      case 'read':
        return request(url(`/v1/kv/${key}?consistent`), { timeoutMs });
      case 'expire':
        throw new Error('expiry is the checker\'s, never sent');
    }
  }

  private interpret(input: LockInput, r: HttpResult): { outcome: LockRecord['outcome']; output?: LockOutput; note?: string } {
    if (input.kind === 'read') {
      if (r.kind === 'response' && r.status === 404) return { outcome: 'ok', output: { kind: 'read', holder: null, lockIndex: 0 } };
      if (r.kind === 'response' && r.status === 200) {
        const [e] = JSON.parse(r.body) as { Session?: string; LockIndex: number }[];
        return { outcome: 'ok', output: { kind: 'read', holder: e?.Session ?? null, lockIndex: e?.LockIndex ?? 0 } };
      }
      return { outcome: r.kind === 'response' && r.status < 500 ? 'fail' : 'unknown', note: describeResult(r) };
    }
    if (input.kind === 'renew' && r.kind === 'response' && r.status === 404) return { outcome: 'ok', output: { kind: 'renew', found: false } };
    // Consul checks the session before anything is written: the acquire certainly failed.
    if (input.kind === 'acquire' && r.kind === 'response' && r.status === 500 && r.body.startsWith('invalid session')) return { outcome: 'fail', note: describeResult(r) };
    const { outcome, note } = writeOutcome(r);
    if (outcome !== 'ok' || r.kind !== 'response') return { outcome, ...(note === undefined ? {} : { note }) };
    switch (input.kind) {
      case 'create':
        return { outcome, output: { kind: 'create', session: (JSON.parse(r.body) as { ID: string }).ID } };
      case 'acquire':
      case 'release':
        return { outcome, output: { kind: input.kind, ok: r.body.trim() === 'true' } };
      case 'destroy':
        return { outcome, output: { kind: 'destroy' } };
      default:
        return { outcome, output: { kind: 'renew', found: true } };
    }
  }
}
