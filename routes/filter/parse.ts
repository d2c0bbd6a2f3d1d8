// Text → AST, with go-bexpr's (pigeon's) error texts:
//   "1:13 (12): no match found, expected: \".\", \"[\", [ \\t\\r\\n], [a-zA-Z0-9_] or EOF"
//   "1:11 (10): rule grouping: Unmatched parentheses"
// Positions are pigeon's: 1-based line, 1-based column in code points, 0-based byte offset.
import { goQuote } from '../lib/go-strconv.ts';
import type { FilterExpr } from './ast.ts';
import { parse as peggyParse, SyntaxError as PeggySyntaxError } from './parser.generated.js';
import type { ParseProblem, PeggyExpectation } from './parser.generated.js';
import { goUnquote } from './strconv.ts';

/**
 * Deepest nesting accepted, counting a chain of `and`s (or of `or`s) as one level. Go's
 * parser has no limit; ours recurses on the JS stack, so a bound turns a stack overflow on a
 * hostile query string into an ordinary error long before the engine's limit.
 */
export const MAX_NESTING_DEPTH = 500;

export type ParseResult = { readonly ok: true; readonly expr: FilterExpr } | { readonly ok: false; readonly error: string };

const encoder = new TextEncoder();
const utf8Length = (s: string): number => encoder.encode(s).length;

/** pigeon's "line:col (offset)" for a UTF-16 offset into the input. */
function pigeonPosition(input: string, offset: number): string {
  const before = input.slice(0, offset);
  const lineStart = before.lastIndexOf('\n') + 1;
  let line = 1;
  for (const ch of before) if (ch === '\n') line++;
  let column = [...before.slice(lineStart)].length + 1;
  // pigeon counts a newline as the first rune (column 0) of the line it ends.
  if (input[offset] === '\n') {
    line++;
    column = 0;
  }
  return `${line}:${column} (${utf8Length(before)})`;
}

const CLASS_ESCAPES: Readonly<Record<string, string>> = { '\t': '\\t', '\r': '\\r', '\n': '\\n' };
const classChar = (c: string): string => CLASS_ESCAPES[c] ?? c;

/** How pigeon names what it expected: Go-quoted literals, classes as written in the grammar. */
function describe(e: PeggyExpectation): string {
  switch (e.type) {
    case 'literal':
      return goQuote(e.text ?? '');
    case 'class': {
      const parts = (e.parts ?? []).map((p) => (typeof p === 'string' ? classChar(p) : `${classChar(p[0])}-${classChar(p[1])}`));
      return `[${e.inverted === true ? '^' : ''}${parts.join('')}]`;
    }
    case 'any':
      return '.';
    case 'end':
      return 'EOF';
    case 'other':
      return e.description ?? '';
  }
}

function noMatch(input: string, err: PeggySyntaxError): string {
  const names = [...new Set((err.expected ?? []).map(describe))];
  const sawEnd = names.includes('EOF');
  const sorted = names.filter((n) => n !== 'EOF').sort();
  if (sawEnd) sorted.push('EOF');
  const list = sorted.length < 2 ? sorted.join('') : `${sorted.slice(0, -1).join(', ')} or ${sorted[sorted.length - 1]}`;
  return `${pigeonPosition(input, err.location.start.offset)}: no match found, expected: ${list}`;
}

function problemsText(input: string, problems: readonly ParseProblem[]): string {
  const lines = problems.map((p) => `${pigeonPosition(input, p.offset)}: rule ${p.rule}: ${p.message}`);
  return [...new Set(lines)].join('\n');
}

function nestingDepth(expr: FilterExpr, parentKind?: FilterExpr['kind']): number {
  switch (expr.kind) {
    case 'match':
      return 1;
    case 'not':
      return 1 + nestingDepth(expr.operand, 'not');
    case 'and':
    case 'or': {
      const own = expr.kind === parentKind ? 0 : 1;
      return own + Math.max(nestingDepth(expr.left, expr.kind), nestingDepth(expr.right, expr.kind));
    }
  }
}

const TOO_DEEP = `expression nests too deeply (more than ${MAX_NESTING_DEPTH} levels)`;

/** Parses a filter expression; the error text is go-bexpr's, without any prefix. */
export function parseFilter(input: string): ParseResult {
  const problems: ParseProblem[] = [];
  let expr: FilterExpr | undefined;
  let syntaxError: PeggySyntaxError | undefined;
  try {
    expr = peggyParse(input, { problems, unquote: goUnquote });
  } catch (err) {
    if (err instanceof RangeError) return { ok: false, error: TOO_DEEP };
    if (!(err instanceof PeggySyntaxError)) throw err;
    syntaxError = err;
  }
  // Like pigeon: recorded problems win over (and replace) the generic "no match" message.
  if (problems.length > 0) return { ok: false, error: problemsText(input, problems) };
  if (syntaxError !== undefined) return { ok: false, error: noMatch(input, syntaxError) };
  if (expr === undefined) throw new Error('peggy returned without a result or an error');
  try {
    if (nestingDepth(expr) > MAX_NESTING_DEPTH) return { ok: false, error: TOO_DEEP };
  } catch (err) {
    if (err instanceof RangeError) return { ok: false, error: TOO_DEEP };
    throw err;
  }
  return { ok: true, expr };
}
