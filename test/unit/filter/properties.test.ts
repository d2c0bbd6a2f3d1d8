// Algebraic properties of compiled filters over random expressions and random (also
// malformed) objects, and print → parse round trips over random trees.
import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import {
  compileFilter,
  goType as t,
  parseFilter,
  printFilter,
  type FilterExpr,
  type MatchExpr,
} from '../../../routes/filter/index.ts';

const schema = t.struct({
  Name: t.string,
  Port: t.int,
  On: t.bool,
  Tags: t.list(t.string),
  Meta: t.map(t.string),
  Items: t.list(t.struct({ K: t.string, N: t.int })),
});

const word = fc.constantFrom('a', 'b', 'ab', '', 'web-1', 'é');
const int = fc.integer({ min: -2, max: 3 });
const regex = fc.constantFrom('^a', 'b$', 'a|c', '', '^$', '(?i)A', '[0-9]');

/** Valid match expressions over `schema`, as text. */
const atom: fc.Arbitrary<string> = fc.oneof(
  fc.tuple(fc.constantFrom('==', '!='), word).map(([op, v]) => `Name ${op} ${JSON.stringify(v)}`),
  fc.tuple(fc.constantFrom('in', 'not in'), word).map(([op, v]) => `${JSON.stringify(v)} ${op} Name`),
  fc.tuple(fc.constantFrom('matches', 'not matches'), regex).map(([op, r]) => `Name ${op} ${JSON.stringify(r)}`),
  fc.tuple(fc.constantFrom('==', '!='), int).map(([op, n]) => `Port ${op} ${n}`),
  fc.constantFrom('On == true', 'On != true', 'On == 0'),
  fc.tuple(fc.constantFrom('in', 'not in'), word).map(([op, v]) => `${JSON.stringify(v)} ${op} Tags`),
  fc.constantFrom('Tags is empty', 'Tags is not empty', 'Meta is empty', 'Items is not empty'),
  fc.tuple(fc.constantFrom('a', 'b', 'c'), fc.constantFrom('==', '!=', 'matches', 'not matches', 'contains'), word).map(
    ([k, op, v]) => `Meta.${k} ${op} ${JSON.stringify(v)}`,
  ),
  fc.tuple(fc.constantFrom('a', 'b'), fc.constantFrom('in', 'not in')).map(([k, op]) => `${k} ${op} Meta`),
  fc.tuple(fc.constantFrom('==', '!='), word).map(([op, v]) => `Items.K ${op} ${JSON.stringify(v)}`),
  fc.tuple(fc.constantFrom('==', '!='), int).map(([op, n]) => `Items.N ${op} ${n}`),
);

const expression: fc.Arbitrary<string> = fc.letrec<{ e: string }>((tie) => ({
  e: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    atom,
    tie('e').map((e) => `not (${e})`),
    fc.tuple(tie('e'), fc.constantFrom('and', 'or'), tie('e')).map(([l, op, r]) => `(${l}) ${op} (${r})`),
  ),
})).e;

const maybe = <T>(arb: fc.Arbitrary<T>): fc.Arbitrary<T | null | undefined> => fc.option(arb, { nil: undefined }).chain((v) => fc.constantFrom(v, null));

/** Objects of the schema's shape, with fields absent or null as Consul's JSON may have them. */
const sample = fc.record(
  {
    Name: maybe(word),
    Port: maybe(int),
    On: maybe(fc.boolean()),
    Tags: maybe(fc.array(word, { maxLength: 3 })),
    Meta: maybe(fc.dictionary(fc.constantFrom('a', 'b', 'c'), word, { maxKeys: 3 })),
    Items: maybe(fc.array(fc.record({ K: maybe(word), N: maybe(int) }, { requiredKeys: [] }), { maxLength: 3 })),
  },
  { requiredKeys: [] },
);

/** Anything at all where the fields are: wrong types must not throw, only not match. */
const junk = fc.dictionary(fc.constantFrom('Name', 'Port', 'On', 'Tags', 'Meta', 'Items'), fc.jsonValue(), { maxKeys: 6 });

function predicate(expression: string): (value: unknown) => boolean {
  const filter = compileFilter(expression, schema);
  if (!filter.ok) throw new Error(`${expression}: ${filter.error}`);
  return filter.matches;
}

describe('boolean algebra', () => {
  test.prop([expression, fc.array(sample, { minLength: 1, maxLength: 5 })])('not (E) is the negation of E', (e, objects) => {
    const p = predicate(e);
    const notP = predicate(`not (${e})`);
    for (const o of objects) expect(notP(o)).toBe(!p(o));
  });

  test.prop([expression, expression, fc.array(sample, { minLength: 1, maxLength: 5 })])('A and B, A or B', (a, b, objects) => {
    const [pa, pb] = [predicate(a), predicate(b)];
    const and = predicate(`(${a}) and (${b})`);
    const or = predicate(`(${a}) or (${b})`);
    for (const o of objects) {
      expect(and(o)).toBe(pa(o) && pb(o));
      expect(or(o)).toBe(pa(o) || pb(o));
    }
  });

  test.prop([expression, expression, sample])('De Morgan: not (A and B) equals not A or not B', (a, b, o) => {
    expect(predicate(`not ((${a}) and (${b}))`)(o)).toBe(predicate(`(not (${a})) or (not (${b}))`)(o));
  });

  test.prop([expression, fc.array(junk, { maxLength: 5 })])('never throws on malformed objects', (e, objects) => {
    const p = predicate(e);
    for (const o of [...objects, null, 'x', 3, [], undefined]) expect(typeof p(o)).toBe('boolean');
  });
});

// Random trees: any text as values and index parts, identifiers as first selector parts.
const identifier = fc.stringMatching(/^[A-Za-z][A-Za-z0-9_]{0,6}$/);
const text = fc.string({
  unit: fc.oneof(fc.constantFrom('"', '\\', '`', '\n', '\r', '\t', '\x00', '\x7f', ' ', '.', '[', 'é', '😀'), fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 })),
  maxLength: 8,
});
const matchTree: fc.Arbitrary<MatchExpr> = fc
  .tuple(identifier, fc.array(fc.oneof(identifier, text), { maxLength: 3 }), fc.constantFrom('equal', 'notEqual', 'in', 'notIn', 'isEmpty', 'isNotEmpty', 'matches', 'notMatches'), text)
  .map(([first, rest, op, value]) =>
    op === 'isEmpty' || op === 'isNotEmpty' ? { kind: 'match', selector: [first, ...rest], op } : { kind: 'match', selector: [first, ...rest], op, value },
  );
const tree: fc.Arbitrary<FilterExpr> = fc.letrec<{ e: FilterExpr }>((tie) => ({
  e: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    matchTree,
    // The grammar collapses `not not E`, so a tree never holds a not directly under a not.
    tie('e').map((operand): FilterExpr => (operand.kind === 'not' ? operand : { kind: 'not', operand })),
    fc.tuple(fc.constantFrom('and' as const, 'or' as const), tie('e'), tie('e')).map(([kind, left, right]): FilterExpr => ({ kind, left, right })),
  ),
})).e;

describe('printFilter', () => {
  test.prop([tree], { numRuns: 300 })('parse(print(tree)) is the tree', (expr) => {
    const printed = printFilter(expr);
    const parsed = parseFilter(printed);
    expect(parsed).toEqual({ ok: true, expr });
  });
});
