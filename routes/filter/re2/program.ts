// A Thompson NFA for the parsed regex, and a simulation that answers "does it match
// anywhere?" in time linear in the input (RE2's guarantee: a hostile ?filter= pattern cannot
// make the server backtrack exponentially, which JS RegExp would).
import type { CharClass } from './charclass.ts';
import { RegexSyntaxError, type AssertKind, type Regex } from './parser.ts';

/**
 * Largest program accepted. Go allows millions of instructions, but matching costs
 * instructions × input length per object filtered; a ?filter= regex needs far fewer.
 */
export const MAX_PROGRAM_SIZE = 10_000;

type Op = 'char' | 'split' | 'assert' | 'match';

interface Inst {
  readonly op: Op;
  out: number;
  out1: number;
  readonly cls?: CharClass;
  readonly assert?: AssertKind;
}

export interface Program {
  readonly insts: readonly Inst[];
  readonly start: number;
  /** Every match must begin at offset 0 (the pattern starts with \A or ^ without (?m)). */
  readonly anchored: boolean;
}

class Compiler {
  readonly insts: Inst[] = [];

  constructor(private readonly pattern: string) {}

  emit(inst: Inst): number {
    if (this.insts.length >= MAX_PROGRAM_SIZE) throw new RegexSyntaxError('expression too large', this.pattern);
    this.insts.push(inst);
    return this.insts.length - 1;
  }

  split(out: number, out1: number): number {
    return this.emit({ op: 'split', out, out1 });
  }

  /** Emits re so that it continues at `next`; returns its entry point. */
  compile(re: Regex, next: number): number {
    switch (re.op) {
      case 'empty':
        return next;
      case 'char':
        return this.emit({ op: 'char', out: next, out1: -1, cls: re.cls });
      case 'assert':
        return this.emit({ op: 'assert', out: next, out1: -1, assert: re.kind });
      case 'concat':
        return re.subs.reduceRight((acc, sub) => this.compile(sub, acc), next);
      case 'alternate': {
        const starts = re.subs.map((sub) => this.compile(sub, next));
        return starts.reduceRight((rest, s) => this.split(s, rest));
      }
      case 'repeat':
        return this.repeat(re.sub, re.min, re.max, next);
    }
  }

  /** x{min,max} expanded as Go's simplify does: x…x then (x(x(x)?)?)? or x+. */
  private repeat(sub: Regex, min: number, max: number, next: number): number {
    let entry: number;
    let copies: number;
    if (max === -1) {
      const loop = this.split(-1, next);
      const body = this.compile(sub, loop);
      const inst = this.insts[loop];
      if (inst !== undefined) inst.out = body;
      entry = min === 0 ? loop : body;
      copies = Math.max(0, min - 1);
    } else {
      entry = next;
      for (let i = 0; i < max - min; i++) entry = this.split(this.compile(sub, entry), next);
      copies = min;
    }
    for (let i = 0; i < copies; i++) entry = this.compile(sub, entry);
    return entry;
  }
}

function startsAnchored(re: Regex): boolean {
  if (re.op === 'assert') return re.kind === 'beginText';
  if (re.op === 'concat') return re.subs[0] !== undefined && startsAnchored(re.subs[0]);
  return false;
}

export function compileProgram(re: Regex, pattern: string): Program {
  const compiler = new Compiler(pattern);
  const match = compiler.emit({ op: 'match', out: -1, out1: -1 });
  const start = compiler.compile(re, match);
  return { insts: compiler.insts, start, anchored: startsAnchored(re) };
}

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

/** A reusable matcher: the state lists are allocated once per compiled pattern. */
export class Matcher {
  private readonly visited: StateList;
  private clist: StateList;
  private nlist: StateList;
  private readonly stack: Int32Array;

  constructor(private readonly prog: Program) {
    const n = prog.insts.length;
    this.visited = new StateList(n);
    this.clist = new StateList(n);
    this.nlist = new StateList(n);
    this.stack = new Int32Array(n);
  }

  /** Follows empty transitions from pc into list; true as soon as Match is reachable. */
  private addClosure(list: StateList, pc: number, prev: number, next: number): boolean {
    const { insts } = this.prog;
    let top = 0;
    this.stack[top++] = pc;
    while (top > 0) {
      const at = this.stack[--top] ?? 0;
      if (this.visited.has(at)) continue;
      this.visited.add(at);
      const inst = insts[at];
      if (inst === undefined) continue;
      if (inst.op === 'match') return true;
      if (inst.op === 'char') list.add(at);
      else if (inst.op === 'split') {
        this.stack[top++] = inst.out1;
        this.stack[top++] = inst.out;
      } else if (inst.assert !== undefined && holds(inst.assert, prev, next)) this.stack[top++] = inst.out;
    }
    return false;
  }

  /** Whether the pattern matches anywhere in input (Go's regexp.MatchString). */
  matches(input: string): boolean {
    const { insts, start, anchored } = this.prog;
    let i = 0;
    let cur = input.length > 0 ? (input.codePointAt(0) ?? -1) : -1;
    this.clist.size = 0;
    this.visited.size = 0;
    if (this.addClosure(this.clist, start, -1, cur)) return true;
    while (cur !== -1) {
      i += cur > 0xffff ? 2 : 1;
      const next = i < input.length ? (input.codePointAt(i) ?? -1) : -1;
      this.nlist.size = 0;
      this.visited.size = 0;
      for (let k = 0; k < this.clist.size; k++) {
        const inst = insts[this.clist.dense[k] ?? 0];
        if (inst?.cls?.has(cur) === true && this.addClosure(this.nlist, inst.out, cur, next)) return true;
      }
      if (!anchored && this.addClosure(this.nlist, start, cur, next)) return true;
      if (anchored && this.nlist.size === 0) return false;
      [this.clist, this.nlist] = [this.nlist, this.clist];
      cur = next;
    }
    return false;
  }
}
