// Build step for the filter parser: grammar.peggy → parser.generated.js (+ its .d.ts).
// Run `npx tsx routes/filter/generate-parser.ts` after editing the grammar; the unit test
// test/unit/filter/generated-parser.test.ts fails when the committed files drift from it.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import peggy from 'peggy';

const HEADER = '// Generated from grammar.peggy by generate-parser.ts. Do not edit.\n';

/** The declaration file: the one entry point parse.ts uses, typed with our AST. */
const DECLARATIONS = `${HEADER}import type { FilterExpr } from './ast.ts';

export interface ParseProblem {
  /** UTF-16 offset into the expression. */
  readonly offset: number;
  /** go-bexpr's display name of the rule that reported it. */
  readonly rule: string;
  readonly message: string;
}

export interface ParserOptions {
  /** Collects go-bexpr's semantic parse errors; the parse continues, as pigeon's does. */
  readonly problems: ParseProblem[];
  /** Go's strconv.Unquote of a whole string literal, or undefined when Go rejects it. */
  readonly unquote: (literal: string) => string | undefined;
}

export interface PeggyExpectation {
  readonly type: 'literal' | 'class' | 'any' | 'end' | 'other';
  readonly text?: string;
  readonly parts?: ReadonlyArray<string | readonly [string, string]>;
  readonly inverted?: boolean;
  readonly description?: string;
}

export declare class SyntaxError extends Error {
  readonly expected: readonly PeggyExpectation[] | null;
  readonly found: string | null;
  readonly location: { readonly start: { readonly offset: number } };
}

export declare function parse(input: string, options: ParserOptions): FilterExpr;
`;

export interface GeneratedParser {
  readonly source: string;
  readonly declarations: string;
}

export function generateParser(grammar: string): GeneratedParser {
  const source = peggy.generate(grammar, { output: 'source', format: 'es', grammarSource: 'grammar.peggy' });
  return { source: `${HEADER}${source}`, declarations: DECLARATIONS };
}

export const GRAMMAR_FILE = new URL('./grammar.peggy', import.meta.url);
export const PARSER_FILE = new URL('./parser.generated.js', import.meta.url);
export const DECLARATIONS_FILE = new URL('./parser.generated.d.ts', import.meta.url);

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const generated = generateParser(readFileSync(GRAMMAR_FILE, 'utf8'));
  writeFileSync(PARSER_FILE, generated.source);
  writeFileSync(DECLARATIONS_FILE, generated.declarations);
  console.log(`wrote ${fileURLToPath(PARSER_FILE)} and ${fileURLToPath(DECLARATIONS_FILE)}`);
}
