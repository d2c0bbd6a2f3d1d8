// Generated from grammar.peggy by generate-parser.ts. Do not edit.
import type { FilterExpr } from './ast.ts';

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
