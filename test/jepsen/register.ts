// The register workload: clients read (?consistent), write and compare-and-set registers
// through random servers, every written value unique. Keys are retired after a bounded number
// of operations so each key's history stays small enough to check exhaustively.
import type { Rng } from '../../consensus/raft/index.ts';
import { tally } from './history.ts';
import { decodeValue, describeResult, request } from './http.ts';
import { checkRegisterKey, describeRegisterHistory, type RegisterInput, type RegisterOutput, type RegisterRecord } from './register-check.ts';
import type { Anomaly, Workload, WorkloadContext, WorkloadResult } from './workload.ts';
import { OP_TIMEOUT_MS, pickServer, think, unexpectedFailures, writeOutcome } from './workload.ts';

export interface RegisterOptions {
  readonly clients: number;
  /** Keys in use at once. */
  readonly activeKeys: number;
  /** Operations on one key before it is retired (bounds one linearizability search). */
  readonly opsPerKey: number;
  readonly thinkMs: number;
}

export const DEFAULT_REGISTER: RegisterOptions = { clients: 6, activeKeys: 3, opsPerKey: 120, thinkMs: 40 };

interface Slot {
  key: string;
  used: number;
}

export class RegisterWorkload implements Workload {
  readonly name = 'register';
  private readonly records: RegisterRecord[] = [];
  private nextId = 0;
  private nextKey = 0;
  private slots: Slot[] = [];

  constructor(private readonly options: RegisterOptions = DEFAULT_REGISTER) {}

  async run(ctx: WorkloadContext): Promise<void> {
    this.slots = Array.from({ length: this.options.activeKeys }, () => this.freshSlot(ctx));
    await Promise.all(Array.from({ length: this.options.clients }, (_, c) => this.client(ctx, c, ctx.rng.fork(`register-${c}`))));
  }

  async finish(): Promise<void> {}

  check(): WorkloadResult {
    const byKey = new Map<string, RegisterRecord[]>();
    for (const r of this.records) byKey.set(r.key, [...(byKey.get(r.key) ?? []), r]);
    const anomalies: Anomaly[] = [];
    const inconclusive: string[] = [];
    let steps = 0;
    for (const [key, records] of byKey) {
      const verdict = checkRegisterKey(key, records);
      steps += verdict.result.steps;
      if (verdict.result.ok === 'unknown') inconclusive.push(`register ${key}: search budget exhausted after ${verdict.result.steps} steps (${verdict.ops} operations)`);
      if (verdict.result.ok === false) {
        anomalies.push({ workload: this.name, kind: 'not-linearizable', detail: `key ${key}: ${verdict.result.explanation.split('\n').slice(0, 2).join(' ')}\n${describeRegisterHistory(records)}`, records });
      }
    }
    anomalies.push(...unexpectedFailures(this.name, this.records.map((r) => r.note)));
    return { name: this.name, ops: tally(this.records), anomalies, inconclusive, stats: { keys: byKey.size, searchSteps: steps } };
  }

  private freshSlot(ctx: WorkloadContext): Slot {
    return { key: `${ctx.prefix}/register/${this.nextKey++}`, used: 0 };
  }

  /** A key to operate on; a spent key is replaced by a fresh one (its history is complete). */
  private takeKey(ctx: WorkloadContext, rng: Rng): string {
    const i = rng.int(this.slots.length);
    let slot = this.slots[i]!;
    if (slot.used >= this.options.opsPerKey) {
      slot = this.freshSlot(ctx);
      this.slots[i] = slot;
    }
    slot.used++;
    return slot.key;
  }

  private async client(ctx: WorkloadContext, client: number, rng: Rng): Promise<void> {
    const lastRead = new Map<string, { value: string | null; index: number }>();
    let seq = 0;
    while (!ctx.stopping()) {
      const key = this.takeKey(ctx, rng);
      const roll = rng.int(10);
      const value = `c${client}-${seq++}`;
      const seen = lastRead.get(key);
      const input: RegisterInput =
        roll < 4 ? { kind: 'read' } : roll < 7 ? { kind: 'write', value } : { kind: 'cas', expect: seen?.value ?? null, index: seen?.index ?? 0, value };
      const record = await this.invoke(ctx, rng, client, key, input);
      if (record.outcome === 'ok' && record.output?.kind === 'read') lastRead.set(key, { value: record.output.value, index: record.output.index });
      await think(rng, this.options.thinkMs);
    }
  }

  private async invoke(ctx: WorkloadContext, rng: Rng, client: number, key: string, input: RegisterInput): Promise<RegisterRecord> {
    const server = pickServer(ctx, rng);
    const call = ctx.timeline.now();
    const path = `/v1/kv/${key}`;
    let outcome: RegisterRecord['outcome'];
    let output: RegisterOutput | undefined;
    let note: string | undefined;
    if (input.kind === 'read') {
      const r = await request(server.url(`${path}?consistent`), { timeoutMs: OP_TIMEOUT_MS });
      if (r.kind === 'response' && r.status === 200) {
        const [entry] = JSON.parse(r.body) as { Value: string | null; ModifyIndex: number }[];
        outcome = 'ok';
        output = { kind: 'read', value: decodeValue(entry?.Value) ?? '', index: entry?.ModifyIndex ?? 0 };
      } else if (r.kind === 'response' && r.status === 404) {
        outcome = 'ok';
        output = { kind: 'read', value: null, index: 0 };
      } else {
        ({ outcome, note } = { outcome: r.kind === 'refused' ? 'fail' : 'unknown', note: describeResult(r) });
        if (r.kind === 'response' && r.status < 500) outcome = 'fail';
      }
    } else {
      const query = input.kind === 'cas' ? `?cas=${input.index}` : '';
      const r = await request(server.url(`${path}${query}`), { method: 'PUT', body: input.value, timeoutMs: OP_TIMEOUT_MS });
      ({ outcome, note } = writeOutcome(r));
      if (outcome === 'ok' && r.kind === 'response') output = input.kind === 'cas' ? { kind: 'cas', ok: r.body.trim() === 'true' } : { kind: 'write' };
    }
    const record: RegisterRecord = {
      id: this.nextId++, client, server: server.name, key, input, outcome, output, call, ret: ctx.timeline.now(),
      ...(note === undefined ? {} : { note }),
    };
    this.records.push(record);
    return record;
  }
}
