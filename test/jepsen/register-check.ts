// The register workload's check: each key's history must be linearizable against a register
// with Consul's operations — a ?consistent read, a plain PUT (answers only true) and a PUT with
// ?cas=<ModifyIndex> (true or false). Every written value is unique, so a value names the write
// that produced it and its ModifyIndex: "cas with the index read alongside value v" succeeds
// exactly when the register holds v (cas=0: when the key is absent). That turns Consul's
// index-based CAS into a value-based one the model can follow without knowing indexes.
import { checkLinearizable, formatHistory, type CheckResult, type Model, type Operation } from '../support/linearizability.ts';
import type { Recorded } from './history.ts';

export type RegisterInput =
  | { readonly kind: 'read' }
  | { readonly kind: 'write'; readonly value: string }
  | { readonly kind: 'cas'; readonly expect: string | null; readonly index: number; readonly value: string };

export type RegisterOutput =
  | { readonly kind: 'read'; readonly value: string | null; readonly index: number }
  | { readonly kind: 'write' }
  | { readonly kind: 'cas'; readonly ok: boolean };

export type RegisterRecord = Recorded<RegisterInput, RegisterOutput> & { readonly key: string };
type Op = Operation<RegisterInput, RegisterOutput>;

/** Search steps per key; a key's history is kept short enough to finish well within this. */
export const REGISTER_MAX_STEPS = 5_000_000;

export const consulRegister: Model<string | null, RegisterInput, RegisterOutput> = {
  init: null,
  step(state, input, output) {
    switch (input.kind) {
      case 'read':
        if (output === undefined) return state;
        return output.kind === 'read' && output.value === state ? state : undefined;
      case 'write':
        return input.value;
      case 'cas': {
        const ok = state === input.expect;
        if (output !== undefined && (output.kind !== 'cas' || output.ok !== ok)) return undefined;
        return ok ? input.value : state;
      }
    }
  },
  key: (state) => (state === null ? '∅' : `=${state}`),
  describe(op) {
    const i = op.input;
    const o = op.output;
    const call = i.kind === 'read' ? 'read()' : i.kind === 'write' ? `write(${i.value})` : `cas(${i.expect ?? '∅'}@${i.index} -> ${i.value})`;
    if (o === undefined) return `${call} -> ?`;
    const result = o.kind === 'read' ? `${o.value ?? '∅'}@${o.index}` : o.kind === 'write' ? 'ok' : o.ok ? 'ok' : 'failed';
    return `${call} -> ${result}`;
  },
};

/** The checker's operations: failed ones left out (no effect), unknown reads left out (no effect, no information). */
export function toOperations(records: readonly RegisterRecord[]): Op[] {
  const ops: Op[] = [];
  for (const r of records) {
    if (r.outcome === 'fail') continue;
    if (r.outcome === 'unknown' && r.input.kind === 'read') continue;
    const known = r.outcome === 'ok';
    ops.push({ id: r.id, client: r.client, input: r.input, output: known ? r.output : undefined, call: r.call.pos, ret: known ? r.ret.pos : null });
  }
  return pruneUnobserved(ops);
}

/**
 * Drops unknown writes nothing can depend on, each of which would double the search: a write
 * whose value nothing observed (no read returned it, no CAS expected it) and that no failed CAS
 * answered after its call. Consul answers a CAS with true/false only, so a failed CAS observes
 * that the value changed without saying to what: an unseen write (overwritten before any read)
 * may be the reason, and must stay. Otherwise the argument of pruneUnobservedWrites in
 * linearizability.ts holds: nothing linearized after such a write can tell it happened.
 */
export function pruneUnobserved(ops: readonly Op[]): Op[] {
  const seen = new Set<string>();
  let lastFailedCasReturn = -Infinity;
  for (const o of ops) {
    if (o.output?.kind === 'read' && o.output.value !== null) seen.add(o.output.value);
    if (o.input.kind === 'cas' && o.input.expect !== null) seen.add(o.input.expect);
    if (o.output?.kind === 'cas' && !o.output.ok && o.ret !== null) lastFailedCasReturn = Math.max(lastFailedCasReturn, o.ret);
  }
  return ops.filter((o) => o.ret !== null || o.input.kind === 'read' || seen.has(o.input.value) || o.call < lastFailedCasReturn);
}

export interface KeyVerdict {
  readonly key: string;
  readonly ops: number;
  readonly result: CheckResult;
}

export function checkRegisterKey(key: string, records: readonly RegisterRecord[], maxSteps = REGISTER_MAX_STEPS): KeyVerdict {
  const ops = toOperations(records);
  return { key, ops: ops.length, result: checkLinearizable(consulRegister, ops, { maxSteps }) };
}

/** A failing key's history, one operation a line, with the server each went through. */
export function describeRegisterHistory(records: readonly RegisterRecord[]): string {
  const servers = new Map(records.map((r) => [r.id, r.server]));
  const ops = toOperations(records);
  return formatHistory(consulRegister, ops)
    .map((line, i) => `${line}  via ${servers.get([...ops].sort((a, b) => a.call - b.call)[i]!.id) ?? '?'}`)
    .join('\n');
}

/** The register check run again on the raw histories anomalies kept (a saved report's). */
export function recheckAnomalies(anomalies: readonly { readonly records?: readonly RegisterRecord[] }[]): KeyVerdict[] {
  return anomalies.flatMap((a) => (a.records === undefined || a.records.length === 0 ? [] : [checkRegisterKey(a.records[0]!.key, a.records)]));
}
