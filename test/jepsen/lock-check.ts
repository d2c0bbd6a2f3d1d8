// The lock workload's checks: exactly what Consul promises about locks, no more.
//
// 1. Mutual exclusion in the replicated state. A key's lock history — acquire, release, session
//    destroy, ?consistent reads of (Session, LockIndex) — must be linearizable against a lock
//    whose holder changes only by those operations or by its session's TTL expiry: acquire
//    succeeds only when the key is free or already held by the same session, release only by
//    the holder, and LockIndex (the fencing token) grows by one with each new holder. TTL expiry
//    is invisible to clients, so it enters as an operation of unknown outcome, invoked no
//    earlier than the last moment the session was known alive. The check runs first without
//    any expiry and, only if that fails, again with them.
// 2. Lock-delay: after a holder's session is destroyed, no other session acquires the key for
//    LockDelay. Every server records the delay when it applies the destroy (with its own
//    clock), so this holds across leader changes and partitions, but not across a restart of
//    the server that leads (the delays live in memory, as in Consul): it is checked for acquires
//    invoked after the destroy returned, in windows without process faults.
// 3. TTL: a session is never invalidated sooner than TTL after a renewal succeeded (the leader
//    arms TTL x 2). A stale leader that was paused can accept renewals it will not honour, as
//    Consul's can, so this is checked only in quiet windows (no fault, some settling time).
// 4. Client-side holds: a client believes it holds the lock from its acquire's answer until it
//    releases, destroys its session, or its lease (TTL from the last renewal it sent) lapses.
//    Two such beliefs never overlap in a quiet window; under faults Consul does not promise it
//    (that is what lock-delay and fencing with LockIndex are for), so it is not checked there.
import { checkLinearizable, formatHistory, type CheckResult, type Model, type Operation } from '../support/linearizability.ts';
import type { Recorded } from './history.ts';

export type LockInput =
  | { readonly kind: 'create' }
  | { readonly kind: 'acquire'; readonly session: string }
  | { readonly kind: 'release'; readonly session: string }
  | { readonly kind: 'destroy'; readonly session: string }
  | { readonly kind: 'renew'; readonly session: string }
  | { readonly kind: 'read' }
  /** Not sent by clients: the TTL expiry the checker may place. */
  | { readonly kind: 'expire'; readonly session: string };

export type LockOutput =
  | { readonly kind: 'create'; readonly session: string }
  | { readonly kind: 'acquire'; readonly ok: boolean }
  | { readonly kind: 'release'; readonly ok: boolean }
  | { readonly kind: 'destroy' }
  | { readonly kind: 'renew'; readonly found: boolean }
  | { readonly kind: 'read'; readonly holder: string | null; readonly lockIndex: number };

export type LockRecord = Recorded<LockInput, LockOutput> & { readonly key: string; readonly session: string };

/** A client's belief that it held the lock. */
export interface Hold {
  readonly key: string;
  readonly session: string;
  readonly client: number;
  readonly startMs: number;
  readonly endMs: number;
  readonly end: 'release' | 'destroy' | 'lease-lapsed';
}

export interface LockTimings {
  readonly ttlMs: number;
  readonly lockDelayMs: number;
}

/** Windows of the run without faults, from the nemesis's log (see nemesis.ts). */
export interface Quiet {
  /** Nothing was faulted in [fromMs, toMs] (settling time included). */
  quiet(fromMs: number, toMs: number): boolean;
  /** No server was killed, paused, restarted or replaced in [fromMs, toMs]. */
  processesUndisturbed(fromMs: number, toMs: number): boolean;
}

export interface LockFinding {
  readonly kind: 'not-linearizable' | 'lock-delay' | 'ttl' | 'holds-overlap';
  readonly detail: string;
}

/** Slack for the test's and the servers' timers firing late (same clock rate, one machine). */
export const TIMING_TOLERANCE_MS = 100;
/** Search steps per lock key history. */
export const LOCK_MAX_STEPS = 5_000_000;

interface LockState {
  readonly holder: string | null;
  readonly lockIndex: number;
}

const release = (s: LockState, session: string): LockState => (s.holder === session ? { holder: null, lockIndex: s.lockIndex } : s);

export const consulLock: Model<LockState, LockInput, LockOutput> = {
  init: { holder: null, lockIndex: 0 },
  step(state, input, output) {
    switch (input.kind) {
      case 'acquire': {
        const free = state.holder === null || state.holder === input.session;
        const acquired: LockState = { holder: input.session, lockIndex: state.holder === input.session ? state.lockIndex : state.lockIndex + 1 };
        if (output === undefined) return free ? acquired : state;
        if (output.kind !== 'acquire') return undefined;
        // A refusal is always possible (lock-delay); success only on a free key.
        if (!output.ok) return state;
        return free ? acquired : undefined;
      }
      case 'release':
        if (output === undefined) return release(state, input.session);
        if (output.kind !== 'release' || output.ok !== (state.holder === input.session)) return undefined;
        return release(state, input.session);
      case 'destroy':
      case 'expire':
        return release(state, input.session);
      case 'read':
        if (output === undefined) return state;
        return output.kind === 'read' && output.holder === state.holder && output.lockIndex === state.lockIndex ? state : undefined;
      case 'create':
      case 'renew':
        return state;
    }
  },
  key: (s) => `${s.holder ?? '∅'}#${s.lockIndex}`,
  describe(op) {
    const i = op.input;
    const o = op.output;
    const call = i.kind === 'read' || i.kind === 'create' ? `${i.kind}()` : `${i.kind}(${short(i.session)})`;
    if (o === undefined) return `${call} -> ?`;
    const result =
      o.kind === 'read' ? `${o.holder === null ? '∅' : short(o.holder)}#${o.lockIndex}`
      : o.kind === 'acquire' || o.kind === 'release' ? (o.ok ? 'ok' : 'refused')
      : o.kind === 'renew' ? (o.found ? 'ok' : 'not found')
      : o.kind === 'create' ? short(o.session)
      : 'ok';
    return `${call} -> ${result}`;
  },
};

const short = (session: string): string => session.slice(0, 8);

type Op = Operation<LockInput, LockOutput>;

/** Does an answered operation prove its session was alive when it took effect? */
function provesAlive(r: LockRecord): boolean {
  if (r.outcome !== 'ok' || r.output === undefined) return false;
  const o = r.output;
  return o.kind === 'create' || (o.kind === 'renew' && o.found) || (o.kind === 'acquire' && o.ok) || (o.kind === 'release' && o.ok);
}

/** The model's operations for one key: lock operations and reads, failed ones left out. */
export function lockOperations(records: readonly LockRecord[], withExpiry: boolean): Op[] {
  const ops: Op[] = [];
  for (const r of records) {
    const k = r.input.kind;
    if (k === 'create' || k === 'renew' || r.outcome === 'fail') continue;
    if (r.outcome === 'unknown' && k === 'read') continue;
    const known = r.outcome === 'ok';
    ops.push({ id: r.id, client: r.client, input: r.input, output: known ? r.output : undefined, call: r.call.pos, ret: known ? r.ret.pos : null });
  }
  if (!withExpiry) return ops;
  // One possible expiry per session that may have held the lock, invoked at the last call that
  // proved the session alive (it cannot have expired before that operation took effect).
  let id = -1;
  const sessions = new Set(records.filter((r) => r.input.kind === 'acquire' && r.outcome !== 'fail').map((r) => r.session));
  for (const session of sessions) {
    const alive = records.filter((r) => r.session === session && provesAlive(r));
    const from = alive.reduce((max, r) => Math.max(max, r.call.pos), 0);
    ops.push({ id: id--, client: -1, input: { kind: 'expire', session }, output: undefined, call: from, ret: null });
  }
  return ops;
}

export function checkLockKey(records: readonly LockRecord[], maxSteps = LOCK_MAX_STEPS): CheckResult {
  const strict = checkLinearizable(consulLock, lockOperations(records, false), { maxSteps });
  if (strict.ok === true) return strict;
  return checkLinearizable(consulLock, lockOperations(records, true), { maxSteps });
}

export function describeLockHistory(records: readonly LockRecord[]): string {
  return formatHistory(consulLock, lockOperations(records, true)).join('\n');
}

/** Check 2: acquires inside another session's lock-delay. */
export function checkLockDelay(records: readonly LockRecord[], timings: LockTimings, quiet: Quiet): LockFinding[] {
  const findings: LockFinding[] = [];
  for (const destroy of records) {
    if (destroy.input.kind !== 'destroy' || destroy.outcome !== 'ok') continue;
    const held = heldAt(records, destroy, timings);
    if (held === undefined) continue;
    for (const a of records) {
      if (a.input.kind !== 'acquire' || a.session === destroy.session || a.output?.kind !== 'acquire' || !a.output.ok) continue;
      if (a.call.ms <= destroy.ret.ms || a.ret.ms >= destroy.call.ms + timings.lockDelayMs - TIMING_TOLERANCE_MS) continue;
      if (!quiet.processesUndisturbed(held.renewedMs, a.ret.ms)) continue;
      findings.push({
        kind: 'lock-delay',
        detail: `${a.key}: session ${short(a.session)} acquired at ${fmt(a.ret.ms)}, ${Math.round(a.ret.ms - destroy.call.ms)} ms after the holder ${short(destroy.session)} was destroyed at ${fmt(destroy.call.ms)} (lock-delay ${timings.lockDelayMs} ms)`,
      });
    }
  }
  return findings;
}

/**
 * Whether `destroy`'s session certainly held the key when destroyed: its acquire succeeded, no
 * release of it may have happened since, and the destroy was sent within TTL of the last
 * renewal sent that succeeded (the leader's timer runs TTL x 2 from when it saw that renewal,
 * so it cannot have fired first, even counting a stale leader's TTL of slack).
 */
function heldAt(records: readonly LockRecord[], destroy: LockRecord, timings: LockTimings): { renewedMs: number } | undefined {
  const own = records.filter((r) => r.session === destroy.session && r.call.pos < destroy.call.pos);
  const lastAcquire = [...own].reverse().find((r) => r.input.kind === 'acquire' && r.output?.kind === 'acquire' && r.output.ok);
  if (lastAcquire === undefined) return undefined;
  if (own.some((r) => r.input.kind === 'release' && r.call.pos > lastAcquire.call.pos && r.outcome !== 'fail')) return undefined;
  const renewedMs = lastRenewal(own)?.call.ms;
  if (renewedMs === undefined || destroy.call.ms >= renewedMs + timings.ttlMs) return undefined;
  return { renewedMs };
}

/** The last create or renewal of a session that succeeded (what its TTL timer counts from). */
function lastRenewal(own: readonly LockRecord[]): LockRecord | undefined {
  return own.filter((r) => provesAlive(r) && (r.input.kind === 'renew' || r.input.kind === 'create')).at(-1);
}

/** Check 3: a session found invalid sooner than TTL after a renewal succeeded. */
export function checkTtl(records: readonly LockRecord[], timings: LockTimings, quiet: Quiet): LockFinding[] {
  const findings: LockFinding[] = [];
  for (const x of records) {
    const invalid = (x.output?.kind === 'renew' && !x.output.found) || (x.input.kind === 'acquire' && x.outcome === 'fail' && /invalid session/.test(x.note ?? ''));
    if (!invalid) continue;
    const own = records.filter((r) => r.session === x.session && r.call.pos < x.call.pos);
    if (own.some((r) => r.input.kind === 'destroy')) continue;
    const last = lastRenewal(own);
    if (last === undefined || x.ret.ms >= last.call.ms + timings.ttlMs - TIMING_TOLERANCE_MS) continue;
    if (!quiet.quiet(last.call.ms, x.ret.ms)) continue;
    findings.push({
      kind: 'ttl',
      detail: `session ${short(x.session)} was gone at ${fmt(x.ret.ms)}, ${Math.round(x.ret.ms - last.call.ms)} ms after a renewal sent at ${fmt(last.call.ms)} succeeded (TTL ${timings.ttlMs} ms)`,
    });
  }
  return findings;
}

/** Check 4: overlapping client-side holds of one key in a quiet window. */
export function checkHolds(holds: readonly Hold[], quiet: Quiet): LockFinding[] {
  const findings: LockFinding[] = [];
  const sorted = [...holds].sort((a, b) => a.startMs - b.startMs);
  for (let i = 0; i < sorted.length; i++) {
    const a = sorted[i]!;
    // Bounded: holds of one key are few per second; stop at the first that starts after a ends.
    for (let j = i + 1; j < sorted.length && sorted[j]!.startMs < a.endMs; j++) {
      const b = sorted[j]!;
      if (b.key !== a.key || b.session === a.session) continue;
      if (!quiet.quiet(a.startMs, Math.max(a.endMs, b.endMs))) continue;
      findings.push({
        kind: 'holds-overlap',
        detail: `${a.key}: client ${a.client} held ${fmt(a.startMs)}..${fmt(a.endMs)} (${a.end}) while client ${b.client} held from ${fmt(b.startMs)}`,
      });
    }
  }
  return findings;
}

const fmt = (ms: number): string => `${(ms / 1000).toFixed(3)}s`;
