// The parsed regex as a Thompson NFA (Russ Cox, "Regular Expression Matching Can Be Simple
// And Fast"): character, split, empty-width assertion and match instructions. match.ts runs it.
import type { CharClass } from './charclass.ts';
import { RegexSyntaxError, type AssertKind, type Regex } from './parser.ts';

/**
 * Largest program accepted. Go allows millions of instructions, but matching costs
 * instructions × input length per object filtered; a ?filter= regex needs far fewer.
 */
export const MAX_PROGRAM_SIZE = 10_000;

export type Op = 'char' | 'split' | 'assert' | 'match';

export interface Inst {
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
