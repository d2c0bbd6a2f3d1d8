// Go regexp (RE2) for `matches` / `not matches`: parse with Go's rules and error texts,
// then match with a linear-time NFA. Literal patterns, the common case, skip the NFA.
import { parseRegex, RegexSyntaxError, type Regex } from './parser.ts';
import { Matcher } from './match.ts';
import { compileProgram } from './program.ts';

export type CompiledRegex =
  | { readonly ok: true; readonly test: (input: string) => boolean }
  | { readonly ok: false; readonly error: string };

interface LiteralShape {
  readonly text: string;
  /** Anchored by \A or ^ (without (?m)) / by \z or $. */
  readonly start: boolean;
  readonly end: boolean;
}

/** The shape of a pattern made only of plain characters and end anchors, if it is one. */
function literalShape(re: Regex): LiteralShape | undefined {
  if (re.op === 'empty') return { text: '', start: false, end: false };
  const parts = re.op === 'concat' ? [...re.subs] : [re];
  const first = parts[0];
  const start = first?.op === 'assert' && first.kind === 'beginText';
  if (start) parts.shift();
  const last = parts[parts.length - 1];
  const end = last?.op === 'assert' && last.kind === 'endText';
  if (end) parts.pop();
  let text = '';
  for (const part of parts) {
    const cp = part.op === 'char' ? part.cls.singleCodePoint() : undefined;
    if (cp === undefined) return undefined;
    text += String.fromCodePoint(cp);
  }
  return { text, start, end };
}

function literalTest(shape: LiteralShape): (input: string) => boolean {
  const { text, start, end } = shape;
  if (start && end) return (input) => input === text;
  if (start) return (input) => input.startsWith(text);
  if (end) return (input) => input.endsWith(text);
  return (input) => input.includes(text);
}

/** Compiles a Go regexp once; `test` is then safe to call for every filtered object. */
export function compileRegex(pattern: string): CompiledRegex {
  try {
    const re = parseRegex(pattern);
    const shape = literalShape(re);
    if (shape !== undefined) return { ok: true, test: literalTest(shape) };
    const matcher = new Matcher(compileProgram(re, pattern));
    return { ok: true, test: (input) => matcher.matches(input) };
  } catch (err) {
    if (err instanceof RegexSyntaxError) return { ok: false, error: err.message };
    throw err;
  }
}
