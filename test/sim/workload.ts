// Clients and their history. Each client runs one operation at a time on a few keys — put and
// CAS with values unique to the whole run, get through the log, and local reads after a
// ReadIndex or lease read barrier — against the server it believes leads. A server that is
// not the leader (or not running) refuses before anything is appended, so the client retries
// elsewhere within the same operation. Every operation is recorded as invoke → ok / fail /
// unknown: timeouts, lost leadership and crashes mid-call leave a write's outcome unknown.
import { NotLeaderError, RejectedError } from '../../consensus/host/errors.ts';
import type { RaftHost } from '../../consensus/host/raft-host.ts';
import type { Rng } from '../../consensus/raft/index.ts';
import type { RegisterInput, RegisterOp, RegisterOutput } from '../support/linearizability.ts';
import { encodeCommand, type KvCommand, type KvFsm, type KvResult } from './kv-fsm.ts';
import type { OpKind, WorkloadProfile } from './profile.ts';
import type { Scheduler } from './sim-clock.ts';
import { NotRunningError, type SimNode } from './sim-node.ts';

/** Servers one operation may try before it counts as failed (nothing was appended). */
const MAX_ATTEMPTS = 5;

export type OpStatus = 'pending' | 'ok' | 'fail' | 'unknown';

export interface OpRecord {
  readonly id: number;
  readonly client: number;
  readonly key: string;
  readonly kind: OpKind;
  readonly input: RegisterInput;
  readonly call: number;
  output: RegisterOutput | undefined;
  ret: number | null;
  status: OpStatus;
  node: number;
  /** Log position of an acknowledged proposal. */
  index?: number;
  term?: number;
  error?: string;
}

export class History {
  private position = 0;
  readonly ops: OpRecord[] = [];
  /** The highest log index of an acknowledged proposal, and how many there are. */
  maxAcked = 0;
  ackedCount = 0;

  invoke(client: number, key: string, kind: OpKind, input: RegisterInput, node: number): OpRecord {
    const rec: OpRecord = { id: this.ops.length, client, key, kind, input, call: ++this.position, output: undefined, ret: null, status: 'pending', node };
    this.ops.push(rec);
    return rec;
  }

  complete(rec: OpRecord, status: Exclude<OpStatus, 'pending'>, output?: RegisterOutput, error?: string): void {
    if (rec.status !== 'pending') return;
    rec.status = status;
    if (status === 'ok') {
      rec.output = output;
      rec.ret = ++this.position;
      if (rec.index !== undefined) {
        this.maxAcked = Math.max(this.maxAcked, rec.index);
        this.ackedCount++;
      }
    }
    if (error !== undefined) rec.error = error;
  }

  /** Per key, the operations the checker must explain: completed ones and unknown writes. */
  byKey(): Map<string, RegisterOp[]> {
    const out = new Map<string, RegisterOp[]>();
    for (const r of this.ops) {
      const unknownWrite = (r.status === 'unknown' || r.status === 'pending') && r.input.kind !== 'get';
      if (r.status !== 'ok' && !unknownWrite) continue;
      const op: RegisterOp = { id: r.id, client: r.client, input: r.input, output: r.status === 'ok' ? r.output : undefined, call: r.call, ret: r.status === 'ok' ? r.ret : null };
      const list = out.get(r.key) ?? [];
      list.push(op);
      out.set(r.key, list);
    }
    return out;
  }

  /** Proposals a leader acknowledged, with their log positions. */
  acknowledged(): OpRecord[] {
    return this.ops.filter((r) => r.status === 'ok' && r.index !== undefined);
  }

  pending(): number {
    return this.ops.filter((r) => r.status === 'pending').length;
  }

  counts(): Record<OpStatus, number> {
    const c: Record<OpStatus, number> = { pending: 0, ok: 0, fail: 0, unknown: 0 };
    for (const r of this.ops) c[r.status]++;
    return c;
  }
}

export interface WorkloadEnv {
  readonly sched: Scheduler;
  readonly nodes: readonly SimNode[];
  readonly history: History;
  note(text: string): void;
}

const KINDS: readonly OpKind[] = ['put', 'cas', 'get', 'readIndex', 'lease'];

export class Workload {
  private readonly clients: Client[];
  running = false;

  constructor(env: WorkloadEnv, profile: WorkloadProfile, rng: Rng) {
    this.clients = Array.from({ length: profile.clients }, (_, k) => new Client(k, env, profile, rng.fork(`client-${k}`), () => this.running));
  }

  start(): void {
    this.running = true;
    for (const c of this.clients) c.schedule();
  }

  stop(): void {
    this.running = false;
  }

  busy(): boolean {
    return this.clients.some((c) => c.busy);
  }
}

class Client {
  busy = false;
  private seq = 0;
  private hint = 0;
  private readonly lastSeen = new Map<string, string | null>();
  private readonly written: string[] = [];

  constructor(
    private readonly k: number,
    private readonly env: WorkloadEnv,
    private readonly p: WorkloadProfile,
    private readonly rng: Rng,
    private readonly running: () => boolean,
  ) {
    this.hint = rng.int(env.nodes.length);
  }

  schedule(): void {
    if (!this.running()) return;
    const [lo, hi] = this.p.thinkMs;
    const think = (lo + this.rng.int(hi - lo + 1)) * 1000 + this.rng.int(1000);
    this.env.sched.at(this.env.sched.now() + think, -1, 'client', () => `c${this.k}`, () => this.invoke());
  }

  private invoke(): void {
    if (!this.running()) return;
    const kind = this.pickKind();
    const key = `k${this.rng.int(this.p.keys)}`;
    const input = this.makeInput(kind, key);
    const node = this.rng.chance(1, 5) ? this.rng.int(this.env.nodes.length) : this.hint;
    const rec = this.env.history.invoke(this.k, key, kind, input, node);
    this.busy = true;
    this.env.note(`c${this.k} #${rec.id} ${kind} ${key} ${describeInput(input)} @n${node}`);
    const backstop = this.env.sched.at(this.env.sched.now() + this.p.clientTimeoutMs * 1000, -1, 'client', () => `c${this.k} #${rec.id} gives up`, () =>
      this.finish(rec, input.kind === 'get' ? 'fail' : 'unknown', undefined, 'client timeout'),
    );
    this.attempt(rec, node, MAX_ATTEMPTS, () => (backstop.cancelled = true));
  }

  private attempt(rec: OpRecord, node: number, left: number, done: () => void): void {
    rec.node = node;
    this.env.nodes[node]!.call((host, fsm) => perform(rec, host, fsm)).then(
      (r) => {
        if (r.index !== undefined && r.term !== undefined) {
          rec.index = r.index;
          rec.term = r.term;
        }
        this.hint = node;
        done();
        this.finish(rec, 'ok', r.output);
      },
      (err: unknown) => {
        if (rec.status !== 'pending') return;
        if ((err instanceof NotLeaderError || err instanceof NotRunningError) && left > 1) {
          const leader = err instanceof NotLeaderError && err.leaderId !== undefined ? Number(err.leaderId.slice(1)) : undefined;
          const others = this.env.nodes.length - 1;
          const next = leader ?? (others === 0 ? node : (node + 1 + this.rng.int(others)) % this.env.nodes.length);
          this.hint = next;
          return this.attempt(rec, next, left - 1, done);
        }
        done();
        this.finish(rec, failureStatus(rec, err), undefined, err instanceof Error ? err.name : 'Error');
      },
    );
  }

  private finish(rec: OpRecord, status: Exclude<OpStatus, 'pending'>, output?: RegisterOutput, error?: string): void {
    if (rec.status !== 'pending') return;
    this.env.history.complete(rec, status, output, error);
    this.env.note(`c${this.k} #${rec.id} ${status}${output === undefined ? '' : ` ${describeOutput(output)}`}${error === undefined ? '' : ` (${error})`}`);
    if (output !== undefined) this.lastSeen.set(rec.key, output.kind === 'get' ? output.value : output.kind === 'cas' && output.ok && rec.input.kind === 'cas' ? rec.input.value : output.prev);
    this.busy = false;
    this.schedule();
  }

  private pickKind(): OpKind {
    const total = KINDS.reduce((s, k) => s + this.p.mix[k], 0);
    let x = this.rng.int(Math.max(1, total));
    for (const k of KINDS) {
      x -= this.p.mix[k];
      if (x < 0) return k;
    }
    return 'put';
  }

  private makeInput(kind: OpKind, key: string): RegisterInput {
    if (kind !== 'put' && kind !== 'cas') return { kind: 'get' };
    const value = `c${this.k}.${++this.seq}`;
    this.written.push(value);
    if (kind === 'put') return { kind: 'put', value };
    const seen = this.lastSeen.get(key);
    const expect = seen !== undefined && this.rng.chance(3, 4) ? seen : this.written.length > 1 && this.rng.chance(1, 2) ? this.rng.pick(this.written) : null;
    return { kind: 'cas', expect, value };
  }
}

/** Refused before anything was appended: no effect. Otherwise a write may still commit. */
function failureStatus(rec: OpRecord, err: unknown): 'fail' | 'unknown' {
  const definite = err instanceof NotLeaderError || err instanceof NotRunningError || err instanceof RejectedError;
  return definite || rec.input.kind === 'get' ? 'fail' : 'unknown';
}

/**
 * One operation issued by a test script on a chosen server, without retries; recorded in the
 * history like any client's. Resolves with the record once it completed.
 */
export function scriptedOp(env: WorkloadEnv, client: number, node: number, kind: OpKind, key: string, input: RegisterInput): Promise<OpRecord> {
  const rec = env.history.invoke(client, key, kind, input, node);
  env.note(`script c${client} #${rec.id} ${kind} ${key} ${describeInput(input)} @n${node}`);
  const finish = (status: Exclude<OpStatus, 'pending'>, output?: RegisterOutput, error?: string): OpRecord => {
    env.history.complete(rec, status, output, error);
    env.note(`script c${client} #${rec.id} ${status}${output === undefined ? '' : ` ${describeOutput(output)}`}${error === undefined ? '' : ` (${error})`}`);
    return rec;
  };
  return env.nodes[node]!.call((host, fsm) => perform(rec, host, fsm)).then(
    (r) => {
      if (r.index !== undefined && r.term !== undefined) {
        rec.index = r.index;
        rec.term = r.term;
      }
      return finish('ok', r.output);
    },
    (err: unknown) => finish(failureStatus(rec, err), undefined, err instanceof Error ? err.name : 'Error'),
  );
}

interface Performed {
  readonly output: RegisterOutput;
  readonly index?: number;
  readonly term?: number;
}

async function perform(rec: OpRecord, host: RaftHost, fsm: KvFsm): Promise<Performed> {
  const i = rec.input;
  if (rec.kind === 'readIndex' || rec.kind === 'lease') {
    await host.readBarrier(rec.kind);
    return { output: { kind: 'get', value: fsm.get(rec.key) } };
  }
  const cmd: KvCommand = i.kind === 'put' ? { op: 'put', key: rec.key, value: i.value } : i.kind === 'cas' ? { op: 'cas', key: rec.key, expect: i.expect, value: i.value } : { op: 'get', key: rec.key };
  const applied = await host.propose(encodeCommand(cmd));
  return { output: toOutput(applied.result as KvResult), index: applied.index, term: applied.term };
}

function toOutput(r: KvResult): RegisterOutput {
  switch (r.op) {
    case 'put':
      return { kind: 'put', prev: r.prev };
    case 'cas':
      return { kind: 'cas', ok: r.ok, prev: r.prev };
    case 'get':
      return { kind: 'get', value: r.value };
  }
}

function describeInput(i: RegisterInput): string {
  return i.kind === 'put' ? i.value : i.kind === 'cas' ? `${i.expect ?? '∅'}->${i.value}` : '';
}

function describeOutput(o: RegisterOutput): string {
  return o.kind === 'get' ? `=${o.value ?? '∅'}` : o.kind === 'cas' ? `${o.ok ? 'ok' : 'no'} prev=${o.prev ?? '∅'}` : `prev=${o.prev ?? '∅'}`;
}
