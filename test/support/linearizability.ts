// A linearizability checker for client histories: the Wing–Gong search with Lowe's
// memoization ("WGL", as in porcupine and Knossos' linear mode), over a sequential model.
//
// A history is a list of operations, each with the position of its invocation and, when the
// client learned the outcome, of its response (positions come from one counter, so "a returned
// before b was invoked" is `a.ret < b.call`). An operation whose outcome is unknown (a timeout,
// a lost leader) has no response: it may take effect at any point after its invocation, or
// never. Definitely-failed operations must be left out by the caller (they had no effect).
//
// The search walks the history in time order, tentatively linearizing any invoked operation
// the model accepts, and backtracks when it meets the response of an operation not yet
// linearized. States already explored (the set of linearized operations plus the model state)
// are cached, which keeps the search near-linear for histories with little concurrency.
// Histories of independent objects (registers under different keys) should be checked one
// object at a time (linearizability is compositional), which keeps each search small.

export interface Operation<I, O> {
  readonly id: number;
  /** Who issued it (for printing). */
  readonly client: number;
  readonly input: I;
  /** The observed result; undefined when the outcome is unknown. */
  readonly output: O | undefined;
  /** Invocation position. */
  readonly call: number;
  /** Response position; null when the outcome is unknown (it may still take effect). */
  readonly ret: number | null;
}

export interface Model<S, I, O> {
  readonly init: S;
  /**
   * Applies `input` to `state`. With an output, returns the next state if the output is what
   * the object would answer in `state`, else undefined. Without one (unknown outcome), returns
   * the state the operation would leave had it taken effect.
   */
  step(state: S, input: I, output: O | undefined): S | undefined;
  /** A canonical string of a state, for the cache. */
  key(state: S): string;
  describe(op: Operation<I, O>): string;
}

export type CheckResult =
  | { readonly ok: true; readonly steps: number }
  | { readonly ok: false; readonly steps: number; readonly explanation: string }
  /** The search hit its work bound: neither proven nor refuted. */
  | { readonly ok: 'unknown'; readonly steps: number };

/** Default bound on search steps per history (each step is one try or one backtrack). */
export const DEFAULT_MAX_STEPS = 2_000_000;

interface Entry<I, O> {
  readonly op: Operation<I, O>;
  readonly isCall: boolean;
  /** The call's matching return entry, if any. */
  match: Entry<I, O> | null;
  prev: Entry<I, O> | null;
  next: Entry<I, O> | null;
  readonly bit: number;
}

export function checkLinearizable<S, I, O>(
  model: Model<S, I, O>,
  history: readonly Operation<I, O>[],
  options: { readonly maxSteps?: number } = {},
): CheckResult {
  const maxSteps = options.maxSteps ?? DEFAULT_MAX_STEPS;
  const head = buildList(history);
  let returnsLeft = history.filter((o) => o.ret !== null).length;
  const linearized = new Bitset(history.length);
  const cache = new Set<string>();
  const stack: { entry: Entry<I, O>; state: S }[] = [];
  let state = model.init;
  let entry = head.next;
  let steps = 0;
  let deepest = 0;
  // Bounded by maxSteps.
  while (returnsLeft > 0) {
    if (++steps > maxSteps) return { ok: 'unknown', steps };
    if (entry !== null && entry.isCall) {
      const next = model.step(state, entry.op.input, entry.op.output);
      if (next !== undefined) {
        linearized.set(entry.bit);
        const key = `${linearized.key()}|${model.key(next)}`;
        if (!cache.has(key)) {
          cache.add(key);
          stack.push({ entry, state });
          deepest = Math.max(deepest, stack.length);
          state = next;
          lift(entry);
          if (entry.match !== null) returnsLeft--;
          entry = head.next;
          continue;
        }
        linearized.clear(entry.bit);
      }
      entry = entry.next;
      continue;
    }
    // A response of an operation not yet linearized (or the end): undo the last choice.
    const top = stack.pop();
    if (top === undefined) return { ok: false, steps, explanation: explain(model, history, entry, deepest) };
    state = top.state;
    linearized.clear(top.entry.bit);
    unlift(top.entry);
    if (top.entry.match !== null) returnsLeft++;
    entry = top.entry.next;
  }
  return { ok: true, steps };
}

function buildList<I, O>(history: readonly Operation<I, O>[]): Entry<I, O> {
  const events: { at: number; entry: Entry<I, O> }[] = [];
  history.forEach((op, bit) => {
    const call: Entry<I, O> = { op, isCall: true, match: null, prev: null, next: null, bit };
    events.push({ at: op.call, entry: call });
    if (op.ret !== null) {
      if (op.ret <= op.call) throw new Error(`operation ${op.id} returns (${op.ret}) before it is invoked (${op.call})`);
      const ret: Entry<I, O> = { op, isCall: false, match: null, prev: null, next: null, bit };
      call.match = ret;
      events.push({ at: op.ret, entry: ret });
    }
  });
  events.sort((a, b) => a.at - b.at);
  const head: Entry<I, O> = { op: undefined as unknown as Operation<I, O>, isCall: false, match: null, prev: null, next: null, bit: -1 };
  let tail = head;
  for (const { entry } of events) {
    tail.next = entry;
    entry.prev = tail;
    tail = entry;
  }
  return head;
}

/** Removes a call (and its return) from the list; unlift restores them in reverse order. */
function lift<I, O>(call: Entry<I, O>): void {
  call.prev!.next = call.next;
  if (call.next !== null) call.next.prev = call.prev;
  const ret = call.match;
  if (ret !== null) {
    ret.prev!.next = ret.next;
    if (ret.next !== null) ret.next.prev = ret.prev;
  }
}

function unlift<I, O>(call: Entry<I, O>): void {
  const ret = call.match;
  if (ret !== null) {
    ret.prev!.next = ret;
    if (ret.next !== null) ret.next.prev = ret;
  }
  call.prev!.next = call;
  if (call.next !== null) call.next.prev = call;
}

/**
 * The set of linearized operations as a 64-bit Zobrist hash (two 32-bit lanes, updated in
 * O(1) per change). A collision could only prune a branch wrongly with odds near 2^-64 per
 * pair of states, far below anything a test run reaches.
 */
class Bitset {
  private lo = 0;
  private hi = 0;

  constructor(private readonly bits: number) {}

  set(bit: number): void {
    this.flip(bit);
  }

  clear(bit: number): void {
    this.flip(bit);
  }

  key(): string {
    return `${this.lo.toString(36)}.${this.hi.toString(36)}`;
  }

  private flip(bit: number): void {
    if (bit < 0 || bit >= this.bits) throw new RangeError(`bit ${bit} out of range`);
    this.lo = (this.lo ^ mix32(bit * 2 + 1)) >>> 0;
    this.hi = (this.hi ^ mix32(bit * 2 + 2)) >>> 0;
  }
}

/** A fixed 32-bit integer hash (the murmur3 finalizer). */
function mix32(x: number): number {
  let h = x >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

/** The history around where the search failed, one operation a line. */
function explain<S, I, O>(model: Model<S, I, O>, history: readonly Operation<I, O>[], stuck: Entry<I, O> | null, deepest: number): string {
  const lines = [`not linearizable: at most ${deepest} of ${history.length} operations could be linearized`];
  if (stuck !== null && stuck.op !== undefined) lines.push(`no linearization survives the response of: ${model.describe(stuck.op)}`);
  lines.push('history (call..return, client, operation):');
  lines.push(...formatHistory(model, history));
  return lines.join('\n');
}

export function formatHistory<S, I, O>(model: Model<S, I, O>, history: readonly Operation<I, O>[]): string[] {
  return [...history]
    .sort((a, b) => a.call - b.call)
    .map((o) => `  [${String(o.call).padStart(6)}..${o.ret === null ? '     ?' : String(o.ret).padStart(6)}] c${o.client} ${model.describe(o)}`);
}

// ---- a register with put, compare-and-set and get -------------------------------------------

export type RegisterInput =
  | { readonly kind: 'put'; readonly value: string }
  | { readonly kind: 'cas'; readonly expect: string | null; readonly value: string }
  | { readonly kind: 'get' };

export type RegisterOutput =
  /** put answers the value it replaced. */
  | { readonly kind: 'put'; readonly prev: string | null }
  | { readonly kind: 'cas'; readonly ok: boolean; readonly prev: string | null }
  | { readonly kind: 'get'; readonly value: string | null };

export type RegisterOp = Operation<RegisterInput, RegisterOutput>;

/**
 * Drops the unknown-outcome writes nothing can depend on: a put or CAS with no response whose
 * value no operation ever observed (as a read value or a prev) and no CAS ever expected.
 * Sound for registers with unique written values: take any linearization that includes such a
 * write w. Every operation linearized after w, until a write overwrites w's value, must be an
 * unknown one — a known one would have observed the value — and none of them can be a CAS that
 * succeeded on it (none expects it); the failed CASes changed nothing. Removing w and those
 * failed unknown CASes leaves every later state, hence every observation, unchanged. So the
 * history is linearizable exactly when the pruned one is. Each such write otherwise doubles
 * the states the search may have to visit.
 */
export function pruneUnobservedWrites(history: readonly RegisterOp[]): RegisterOp[] {
  const seen = new Set<string>();
  for (const o of history) {
    const out = o.output;
    if (out !== undefined) {
      if (out.kind === 'get' && out.value !== null) seen.add(out.value);
      if (out.kind !== 'get' && out.prev !== null) seen.add(out.prev);
    }
    if (o.input.kind === 'cas' && o.input.expect !== null) seen.add(o.input.expect);
  }
  return history.filter((o) => o.ret !== null || o.input.kind === 'get' || seen.has(o.input.value));
}

/** A register that starts empty (null). Values should be unique per write for a sharp check. */
export const registerModel: Model<string | null, RegisterInput, RegisterOutput> = {
  init: null,
  step(state, input, output) {
    switch (input.kind) {
      case 'put':
        if (output !== undefined && (output.kind !== 'put' || output.prev !== state)) return undefined;
        return input.value;
      case 'cas': {
        const ok = state === input.expect;
        if (output !== undefined && (output.kind !== 'cas' || output.ok !== ok || output.prev !== state)) return undefined;
        return ok ? input.value : state;
      }
      case 'get':
        if (output === undefined) return state;
        return output.kind === 'get' && output.value === state ? state : undefined;
    }
  },
  key: (state) => (state === null ? '∅' : `=${state}`),
  describe(op) {
    const i = op.input;
    const o = op.output;
    const call = i.kind === 'put' ? `put(${i.value})` : i.kind === 'cas' ? `cas(${i.expect ?? '∅'} -> ${i.value})` : 'get()';
    if (o === undefined) return `${call} -> ?`;
    const result = o.kind === 'put' ? `prev=${o.prev ?? '∅'}` : o.kind === 'cas' ? `${o.ok ? 'ok' : 'failed'} prev=${o.prev ?? '∅'}` : `${o.value ?? '∅'}`;
    return `${call} -> ${result}`;
  },
};
