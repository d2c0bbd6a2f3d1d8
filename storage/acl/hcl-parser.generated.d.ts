// Hand-written types for the parser Peggy generates from hcl.peggy (its own --dts output does
// not pass our lint rules). Only what hcl-parse.ts uses.

export interface GrammarLocation {
  readonly line: number;
  readonly column: number;
  readonly offset: number;
}

export declare class SyntaxError extends globalThis.SyntaxError {
  readonly location: { readonly start: GrammarLocation; readonly end: GrammarLocation };
}

export interface GrammarOptions {
  /** Called with every error the grammar reports; must throw. */
  readonly fail: (failure: never) => never;
}

/** Returns the syntax tree (hcl-ast.ts HclObjectList); reports errors through `options.fail`. */
export declare function parse(input: string, options: GrammarOptions): unknown;
