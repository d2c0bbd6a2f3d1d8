// The parsed form of a filter expression, and a printer whose output parses back to the
// same tree (the property tests rely on it; it is also handy in logs).

export type MatchOp = 'equal' | 'notEqual' | 'in' | 'notIn' | 'isEmpty' | 'isNotEmpty' | 'matches' | 'notMatches';

/** go-bexpr's MatchOperator.String(), which its error texts quote. */
export const GO_OPERATOR_NAMES: Readonly<Record<MatchOp, string>> = {
  equal: 'Equal',
  notEqual: 'Not Equal',
  in: 'In',
  notIn: 'Not In',
  isEmpty: 'Is Empty',
  isNotEmpty: 'Is Not Empty',
  matches: 'Matches',
  notMatches: 'Not Matches',
};

/**
 * One comparison. `selector` holds the path parts (`Meta["a b"]` → ["Meta", "a b"]); `value`
 * is the literal's text after unquoting (bare words and numbers verbatim) and is absent
 * exactly for `is empty` / `is not empty`. `contains` parses to `in` (operands swapped).
 */
export interface MatchExpr {
  readonly kind: 'match';
  readonly selector: readonly string[];
  readonly op: MatchOp;
  readonly value?: string;
}

export interface NotExpr {
  readonly kind: 'not';
  readonly operand: FilterExpr;
}

export interface BinaryExpr {
  readonly kind: 'and' | 'or';
  readonly left: FilterExpr;
  readonly right: FilterExpr;
}

export type FilterExpr = MatchExpr | NotExpr | BinaryExpr;

/** go-bexpr's Selector.String(): the parts joined with ".". */
export const selectorText = (selector: readonly string[]): string => selector.join('.');

const IDENTIFIER = /^[A-Za-z][A-Za-z0-9_]*$/;

/** A Go interpreted string literal that go-bexpr's grammar accepts (it has no `\"`). */
export function quoteValue(value: string): string {
  let out = '"';
  for (const ch of value) {
    const cp = ch.codePointAt(0) ?? 0;
    if (ch === '"') out += '\\x22';
    else if (ch === '\\') out += '\\\\';
    else if (cp < 0x20 || cp === 0x7f) out += `\\x${cp.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

function printSelector(selector: readonly string[]): string {
  return selector
    .map((part, i) => (i === 0 ? part : IDENTIFIER.test(part) ? `.${part}` : `[${quoteValue(part)}]`))
    .join('');
}

function printMatch(m: MatchExpr): string {
  const sel = printSelector(m.selector);
  const value = m.value === undefined ? '' : quoteValue(m.value);
  switch (m.op) {
    case 'equal':
      return `${sel} == ${value}`;
    case 'notEqual':
      return `${sel} != ${value}`;
    case 'in':
      return `${value} in ${sel}`;
    case 'notIn':
      return `${value} not in ${sel}`;
    case 'isEmpty':
      return `${sel} is empty`;
    case 'isNotEmpty':
      return `${sel} is not empty`;
    case 'matches':
      return `${sel} matches ${value}`;
    case 'notMatches':
      return `${sel} not matches ${value}`;
  }
}

/**
 * Canonical text for an expression: every value quoted, every operand of `and`/`or`/`not`
 * parenthesised, so precedence never depends on the reader. A selector's first part must be
 * an identifier (the grammar cannot express anything else).
 */
export function printFilter(expr: FilterExpr): string {
  switch (expr.kind) {
    case 'match':
      return printMatch(expr);
    case 'not':
      return `not (${printFilter(expr.operand)})`;
    case 'and':
    case 'or':
      return `(${printFilter(expr.left)}) ${expr.kind} (${printFilter(expr.right)})`;
  }
}
