// HCL text → syntax tree, through the generated Peggy parser (hcl.peggy). Errors come back as
// values carrying hashicorp/hcl's message for the same mistake (without Consul's
// "Failed to parse ACL rules: " prefix, which parse.ts adds).

import { formatPos, type HclObjectList, type Pos } from './hcl-ast.ts';
import { goQuote } from './go-format.ts';
import { parse as parseGrammar, SyntaxError as GrammarSyntaxError } from './hcl-parser.generated.js';

export type TreeResult = { readonly ok: true; readonly list: HclObjectList } | { readonly ok: false; readonly message: string };

/** What the grammar reports through `options.fail` (see hcl.peggy). */
interface GrammarFailure {
  readonly kind: 'syntax' | 'scanner' | 'duplicate';
  readonly pos: Pos;
  /** The message, or for `duplicate` the key as written. */
  readonly message: string;
  /** Enclosing list elements, innermost last. */
  readonly wraps: readonly { readonly pos: Pos; readonly what: 'object' | 'list' }[];
}

class HclFailure extends Error {}

export function parseHcl(source: string): TreeResult {
  // hcl normalises line endings before scanning; positions are reported on the result.
  const text = source.replaceAll('\r\n', '\n');
  const nul = text.indexOf('\0');
  if (nul >= 0) return { ok: false, message: `At ${formatPos(positionOf(text, nul))}: unexpected null character (0x00)` };
  try {
    const list = parseGrammar(text, { fail: raise }) as HclObjectList;
    return { ok: true, list };
  } catch (error) {
    if (error instanceof HclFailure) return { ok: false, message: error.message };
    if (error instanceof GrammarSyntaxError) {
      // Unreachable while the grammar is total; kept so a grammar slip is still a clean 500.
      return { ok: false, message: `At ${formatPos(error.location.start)}: ${error.message}` };
    }
    // Pathological nesting can exhaust the stack; Go's parser has no such limit, so say so.
    if (error instanceof RangeError) return { ok: false, message: 'rules nest too deeply to parse' };
    throw error;
  }
}

function raise(failure: GrammarFailure): never {
  let message =
    failure.kind === 'duplicate'
      ? `The argument ${goQuote(failure.message)} at ${formatPos(failure.pos)} was already set. Each argument can only be defined once`
      : `At ${formatPos(failure.pos)}: ${failure.message}`;
  for (const wrap of [...failure.wraps].reverse()) {
    message = `At ${formatPos(wrap.pos)}: error while trying to parse ${wrap.what} within list: ${message}`;
  }
  throw new HclFailure(message);
}

function positionOf(text: string, offset: number): Pos {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { line, column: offset - before.lastIndexOf('\n') };
}
