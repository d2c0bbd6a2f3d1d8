// The grammar's output: tree shapes (precedence, associativity, `contains` as swapped `in`,
// `not not` collapsing), literal forms (Go strings, raw strings, numbers, bare words) and
// the canonical printer.
import { describe, expect, it } from 'vitest';
import type { FilterExpr } from '../../../routes/filter/index.ts';
import { parseFilter, printFilter } from '../../../routes/filter/index.ts';

function tree(input: string): FilterExpr {
  const r = parseFilter(input);
  if (!r.ok) throw new Error(r.error);
  return r.expr;
}

const m = (selector: string[], op: string, value?: string): FilterExpr =>
  (value === undefined ? { kind: 'match', selector, op } : { kind: 'match', selector, op, value }) as FilterExpr;

describe('tree shapes', () => {
  it('binds and tighter than or, not tighter than and', () => {
    expect(tree('a == 1 or b == 2 and c == 3')).toEqual({
      kind: 'or',
      left: m(['a'], 'equal', '1'),
      right: { kind: 'and', left: m(['b'], 'equal', '2'), right: m(['c'], 'equal', '3') },
    });
    expect(tree('not a == 1 and b == 2')).toEqual({
      kind: 'and',
      left: { kind: 'not', operand: m(['a'], 'equal', '1') },
      right: m(['b'], 'equal', '2'),
    });
  });

  it('groups chains to the right, as go-bexpr does', () => {
    expect(tree('a == 1 and b == 2 and c == 3')).toEqual({
      kind: 'and',
      left: m(['a'], 'equal', '1'),
      right: { kind: 'and', left: m(['b'], 'equal', '2'), right: m(['c'], 'equal', '3') },
    });
  });

  it('lets parentheses override precedence', () => {
    expect(tree('(a == 1 or b == 2) and c == 3')).toEqual({
      kind: 'and',
      left: { kind: 'or', left: m(['a'], 'equal', '1'), right: m(['b'], 'equal', '2') },
      right: m(['c'], 'equal', '3'),
    });
  });

  it('parses contains as in with the operands swapped', () => {
    expect(tree('Tags contains web')).toEqual(tree('web in Tags'));
    expect(tree('Tags not contains web')).toEqual(tree('web not in Tags'));
    expect(tree('web in Tags')).toEqual(m(['Tags'], 'in', 'web'));
  });

  it('collapses not not', () => {
    expect(tree('not not a == 1')).toEqual(m(['a'], 'equal', '1'));
    expect(tree('not (not a == 1)')).toEqual(m(['a'], 'equal', '1'));
    expect(tree('not not not a == 1')).toEqual({ kind: 'not', operand: m(['a'], 'equal', '1') });
  });

  it('produces every operator', () => {
    expect(tree('a != 1')).toEqual(m(['a'], 'notEqual', '1'));
    expect(tree('a is empty')).toEqual(m(['a'], 'isEmpty'));
    expect(tree('a is not empty')).toEqual(m(['a'], 'isNotEmpty'));
    expect(tree('a matches x')).toEqual(m(['a'], 'matches', 'x'));
    expect(tree('a not matches x')).toEqual(m(['a'], 'notMatches', 'x'));
  });
});

describe('selectors and values', () => {
  it('splits selectors on dots and string indexes', () => {
    expect(tree('Meta["a b"].c[`d`] == x')).toEqual(m(['Meta', 'a b', 'c', 'd'], 'equal', 'x'));
    expect(tree('Meta[ "k" ] == x')).toEqual(m(['Meta', 'k'], 'equal', 'x'));
  });

  it('keeps numbers and bare words verbatim; bare selectors join with dots', () => {
    expect(tree('a == -1.25')).toEqual(m(['a'], 'equal', '-1.25'));
    expect(tree('a == 0')).toEqual(m(['a'], 'equal', '0'));
    expect(tree('a == b.c["d e"]')).toEqual(m(['a'], 'equal', 'b.c.d e'));
    expect(tree('a == true')).toEqual(m(['a'], 'equal', 'true'));
  });

  it('accepts keywords as values and as selector names', () => {
    expect(tree('a == and')).toEqual(m(['a'], 'equal', 'and'));
    expect(tree('a == or or b == not')).toEqual({ kind: 'or', left: m(['a'], 'equal', 'or'), right: m(['b'], 'equal', 'not') });
    expect(tree('notable == 1')).toEqual(m(['notable'], 'equal', '1'));
    expect(tree('not == 1')).toEqual(m(['not'], 'equal', '1'));
  });

  it('unquotes Go string literals', () => {
    expect(tree(String.raw`a == "tab\there \x41\101\u00e9\U0001F600\\"`)).toEqual(m(['a'], 'equal', 'tab\there AAé😀\\'));
    expect(tree(String.raw`a == "\a\b\f\n\r\v"`)).toEqual(m(['a'], 'equal', '\x07\b\f\n\r\v'));
    expect(tree('a == "\\xe2\\x82\\xac"')).toEqual(m(['a'], 'equal', '€'));
  });

  it('keeps raw strings raw, dropping carriage returns like Go', () => {
    expect(tree('a == `x\\n"y"`')).toEqual(m(['a'], 'equal', 'x\\n"y"'));
    expect(tree('a == `line1\r\nline2`')).toEqual(m(['a'], 'equal', 'line1\nline2'));
  });

  it('ignores whitespace between tokens but needs it around keywords', () => {
    expect(tree('a==1')).toEqual(tree('a == 1'));
    expect(tree('\t( a\n!=\r1 )  ')).toEqual(tree('a != 1'));
    expect(parseFilter('a == 1and b == 2').ok).toBe(false);
    expect(parseFilter('a == 1 and(b == 2)').ok).toBe(false);
    expect(parseFilter('not(a == 1)').ok).toBe(false);
    expect(parseFilter('a isempty').ok).toBe(false);
  });
});

describe('printFilter', () => {
  it.each([
    'a == 1 or b == 2 and c == 3',
    '(a == 1 or b == 2) and not c == 3',
    'Meta["a b"] == `x"y`',
    String.raw`Node == "quote \x22 backslash \\ tab \t é"`,
    'x in Tags and Tags not contains y and Checks is not empty and Node not matches "^a$"',
  ])('prints %s so that it parses back to the same tree', (input) => {
    const original = tree(input);
    expect(tree(printFilter(original))).toEqual(original);
  });

  it('quotes every value and parenthesises every operand', () => {
    expect(printFilter(tree('a == 1 or not b in Tags'))).toBe('(a == "1") or (not ("b" in Tags))');
  });
});
