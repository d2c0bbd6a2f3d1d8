// Runs a Program: "does it match anywhere?" in time linear in the input, whatever the
// pattern (RE2's guarantee; a backtracking engine such as JS RegExp can be made to take
// exponential time by a hostile ?filter=). The NFA simulation is memoised as a lazy DFA,
// as RE2 does: each set of live NFA states becomes a DFA state whose transitions on ASCII
// characters are computed once and cached, so steady-state matching is one table lookup per
// character.
import type { AssertKind } from './parser.ts';
import type { Program } from './program.ts';

/**
 * DFA states kept per pattern. Past this the cache starts over (RE2 does the same), so
 * memory stays bounded even for patterns whose DFA would be exponentially large.
 */
export const MAX_DFA_STATES = 500;

/** Characters with cached transitions: ASCII, which is nearly every character filtered. */
const CACHED_CHARS = 128;

const NEWLINE = 0x0a;
const isWordChar = (cp: number): boolean =>
  (cp >= 0x30 && cp <= 0x39) || (cp >= 0x41 && cp <= 0x5a) || (cp >= 0x61 && cp <= 0x7a) || cp === 0x5f;

/** Go's empty-width assertions; prev/next are -1 at the ends of the text. */
function holds(kind: AssertKind, prev: number, next: number): boolean {
  switch (kind) {
    case 'beginText':
      return prev === -1;
    case 'endText':
      return next === -1;
    case 'beginLine':
      return prev === -1 || prev === NEWLINE;
    case 'endLine':
      return next === -1 || next === NEWLINE;
    case 'wordBoundary':
      return isWordChar(prev) !== isWordChar(next);
    case 'noWordBoundary':
      return isWordChar(prev) === isWordChar(next);
  }
}

/** All an assertion can observe of the next character: end, newline, word, other. */
const CONTEXTS = 4;
const contextOf = (cp: number): number => (cp === -1 ? 0 : cp === NEWLINE ? 1 : isWordChar(cp) ? 2 : 3);

/** A set of instruction indices with O(1) insert, membership and clear (Russ Cox's sparse set). */
class StateList {
  readonly dense: Int32Array;
  readonly sparse: Int32Array;
  size = 0;

  constructor(capacity: number) {
    this.dense = new Int32Array(capacity);
    this.sparse = new Int32Array(capacity);
  }

  has(pc: number): boolean {
    const i = this.sparse[pc] ?? 0;
    return i < this.size && this.dense[i] === pc;
  }

  add(pc: number): void {
    this.sparse[pc] = this.size;
    this.dense[this.size++] = pc;
  }
}

/** The character instructions waiting for the next character, with cached successors. */
interface DState {
  readonly pcs: Int32Array;
  readonly next: Array<DState | undefined>;
}

/** The result of a step that reached the match instruction. */
const MATCHED: DState = { pcs: new Int32Array(0), next: [] };

export class Matcher {
  private readonly contexts: number;
  private states = new Map<string, DState>();
  private initial: Array<DState | undefined> = [];
  private readonly visited: StateList;
  private readonly list: StateList;
  private readonly stack: Int32Array;

  constructor(private readonly prog: Program) {
    const n = prog.insts.length;
    // Without assertions the next character cannot change a closure: one context suffices.
    this.contexts = prog.insts.some((i) => i.op === 'assert') ? CONTEXTS : 1;
    this.visited = new StateList(n);
    this.list = new StateList(n);
    this.stack = new Int32Array(n);
  }

  /** Whether the pattern matches anywhere in input (Go's regexp.MatchString). */
  matches(input: string): boolean {
    let cur = input.length > 0 ? (input.codePointAt(0) ?? -1) : -1;
    let state = this.start(cur);
    if (state === MATCHED) return true;
    for (let i = 0; cur !== -1; ) {
      i += cur > 0xffff ? 2 : 1;
      const next = i < input.length ? (input.codePointAt(i) ?? -1) : -1;
      state = this.transition(state, cur, next);
      if (state === MATCHED) return true;
      // Anchored at the start and no thread left: nothing later can match.
      if (this.prog.anchored && state.pcs.length === 0) return false;
      cur = next;
    }
    return false;
  }

  private start(first: number): DState {
    const slot = this.contexts === 1 ? 0 : contextOf(first);
    let state = this.initial[slot];
    if (state === undefined) {
      this.list.size = 0;
      this.visited.size = 0;
      state = this.addClosure(this.prog.start, -1, first) ? MATCHED : this.intern();
      this.initial[slot] = state;
    }
    return state;
  }

  private transition(state: DState, c: number, next: number): DState {
    const slot = c < CACHED_CHARS ? c * this.contexts + (this.contexts === 1 ? 0 : contextOf(next)) : -1;
    const cached = slot < 0 ? undefined : state.next[slot];
    if (cached !== undefined) return cached;
    const result = this.step(state, c, next);
    if (slot >= 0) state.next[slot] = result;
    return result;
  }

  /** One NFA step on c (with next as lookahead for assertions), then the unanchored restart. */
  private step(state: DState, c: number, next: number): DState {
    const { insts, start, anchored } = this.prog;
    this.list.size = 0;
    this.visited.size = 0;
    for (const pc of state.pcs) {
      const inst = insts[pc];
      if (inst?.cls?.has(c) === true && this.addClosure(inst.out, c, next)) return MATCHED;
    }
    if (!anchored && this.addClosure(start, c, next)) return MATCHED;
    return this.intern();
  }

  /** Follows empty transitions from pc into the list; true as soon as Match is reachable. */
  private addClosure(pc: number, prev: number, next: number): boolean {
    const { insts } = this.prog;
    let top = 0;
    this.stack[top++] = pc;
    while (top > 0) {
      const at = this.stack[--top] ?? 0;
      if (this.visited.has(at)) continue;
      this.visited.add(at);
      const inst = insts[at];
      if (inst === undefined || inst.op === 'match') return inst !== undefined;
      if (inst.op === 'char') this.list.add(at);
      else if (inst.op === 'split') {
        this.stack[top++] = inst.out1;
        this.stack[top++] = inst.out;
      } else if (inst.assert !== undefined && holds(inst.assert, prev, next)) this.stack[top++] = inst.out;
    }
    return false;
  }

  /** The DFA state for the current list, shared with any earlier identical set. */
  private intern(): DState {
    const pcs = this.list.dense.slice(0, this.list.size).sort();
    const key = pcs.join(',');
    const known = this.states.get(key);
    if (known !== undefined) return known;
    if (this.states.size >= MAX_DFA_STATES) {
      this.states = new Map();
      this.initial = [];
    }
    const state: DState = { pcs, next: new Array<DState | undefined>(CACHED_CHARS * this.contexts).fill(undefined) };
    this.states.set(key, state);
    return state;
  }
}
