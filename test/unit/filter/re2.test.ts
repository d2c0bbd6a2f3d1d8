// The RE2 engine behind `matches`: Go's syntax and semantics (which differ from JS RegExp in
// `$`, `\s`, `.` on astral characters, folding, flags), Go's error texts, linear-time matching,
// and a differential property test against JS RegExp on the syntax both read the same way.
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { compileRegex } from '../../../routes/filter/re2/index.ts';

function matcher(pattern: string): (input: string) => boolean {
  const re = compileRegex(pattern);
  if (!re.ok) throw new Error(re.error);
  return re.test;
}

describe('Go semantics', () => {
  it.each([
    ['web', 'web-1', true],
    ['^web-[0-9]+$', 'web-12', true],
    ['^web-[0-9]+$', 'web-1\n', false],
    ['a$', 'a\n', false],
    ['(?m)a$', 'a\nb', true],
    ['(?m)^b', 'a\nb', true],
    ['^b', 'a\nb', false],
    ['\\Aab\\z', 'ab', true],
    ['a.c', 'a\nc', false],
    ['(?s)a.c', 'a\nc', true],
    ['(?s:.)x', '\nx', true],
    ['^.$', '😀', true],
    ['^..$', '😀', false],
    ['\\x{1F600}', 'a😀', true],
    ['\\s', '\v', false],
    ['[[:space:]]', '\v', true],
    ['\\w', 'é', false],
    ['\\pL', 'é', true],
    ['\\PL', 'é', false],
    ['\\p{Greek}', 'α', true],
    ['\\p{^Greek}', 'α', false],
    ['[[:^alpha:]]', 'a', false],
    ['[[:^alpha:]]', '1', true],
    ['[\\d\\s]', ' ', true],
    ['\\Qa.b\\E', 'axb', false],
    ['\\Qa.b\\E', 'a.b', true],
    ['x{0}y', 'y', true],
    ['^x{2,}$', 'x', false],
    ['^x{2,}$', 'xxx', true],
    ['^x{1,2}$', 'xxx', false],
    ['a{', 'a{', true],
    ['a{,2}', 'a{,2}', true],
    ['(?P<n>a)(?<m>b)', 'ab', true],
    ['a|', 'zzz', true],
    ['[]a]', ']', true],
    ['[^]a]', ']', false],
    ['[^]a]', 'b', true],
    ['[a-]', '-', true],
    ['\\101\\0', 'A\0', true],
    ['\\_\\-\\#', '_-#', true],
    ['\\bfoo\\b', 'a foo b', true],
    ['\\bfoo\\b', 'afoo', false],
    ['\\Bfoo', 'afoo', true],
    ['(a*)*b', 'aab', true],
    ['(?U)a+?', 'aaa', true],
  ] as const)('%s on %j → %s', (pattern, input, expected) => {
    expect(matcher(pattern)(input)).toBe(expected);
  });
});

describe('case folding (?i), by Unicode simple folding orbits', () => {
  it.each([
    ['(?i)WEB', 'wEb', true],
    ['(?i)k', '\u212a', true],
    ['(?i)[k]', '\u212a', true],
    ['(?i)[^k]', '\u212a', false],
    ['(?i)[^k]', 'K', false],
    ['(?i)[a-c]', 'B', true],
    ['(?i)s', 'ſ', true],
    ['(?i)i', 'ı', false],
    ['(?i)I', 'i', true],
    ['(?i)straße', 'STRAẞE', true],
    ['(?i)straße', 'STRASSE', false],
    ['(?i)σ', 'ς', true],
    ['(?i)\\p{Lu}', 'a', true],
    ['(?i)\\P{Lu}', 'a', false],
    ['(?i:a)b', 'AB', false],
    ['(?i:a)b', 'Ab', true],
    ['(?i)a(?-i)b', 'AB', false],
    ['(?i)a(?-i)b', 'Ab', true],
  ] as const)('%s on %j → %s', (pattern, input, expected) => {
    expect(matcher(pattern)(input)).toBe(expected);
  });
});

describe('patterns Go rejects, with its texts', () => {
  it.each([
    ['(', 'missing closing ): `(`'],
    ['(?i:a', 'missing closing ): `(?i:a`'],
    [')', 'unexpected ): `)`'],
    ['a)b', 'unexpected ): `a)b`'],
    ['*', 'missing argument to repetition operator: `*`'],
    ['{1}', 'missing argument to repetition operator: `{1}`'],
    ['a|*', 'missing argument to repetition operator: `*`'],
    ['(*)', 'missing argument to repetition operator: `*`'],
    ['a**', 'invalid nested repetition operator: `**`'],
    ['a++', 'invalid nested repetition operator: `++`'],
    ['a*?*', 'invalid nested repetition operator: `*?*`'],
    ['x{2}{3}', 'invalid nested repetition operator: `{2}{3}`'],
    ['a{1001}', 'invalid repeat count: `{1001}`'],
    ['a{2,1}', 'invalid repeat count: `{2,1}`'],
    ['(a{2}){501}', 'invalid repeat count: `{501}`'],
    ['\\1', 'invalid escape sequence: `\\1`'],
    ['\\8', 'invalid escape sequence: `\\8`'],
    ['\\q', 'invalid escape sequence: `\\q`'],
    ['\\é', 'invalid escape sequence: `\\é`'],
    ['\\C', 'invalid escape sequence: `\\C`'],
    ['\\x', 'invalid escape sequence: `\\x`'],
    ['\\xG1', 'invalid escape sequence: `\\xG1`'],
    ['\\x{}', 'invalid escape sequence: `\\x{}`'],
    ['\\x{12', 'invalid escape sequence: `\\x{12`'],
    ['\\x{110000}', 'invalid escape sequence: `\\x{110000`'],
    ['[\\b]', 'invalid escape sequence: `\\b`'],
    ['abc\\', 'trailing backslash at end of expression: ``'],
    ['[abc', 'missing closing ]: `[abc`'],
    ['[]', 'missing closing ]: `[]`'],
    ['[a-', 'missing closing ]: `[a-`'],
    ['x[z-a]', 'invalid character class range: `z-a`'],
    ['[[:foo:]]', 'invalid character class range: `[:foo:]`'],
    ['\\p{Foo}', 'invalid character class range: `\\p{Foo}`'],
    ['\\pX', 'invalid character class range: `\\pX`'],
    ['\\p', 'invalid character class range: `\\p`'],
    ['\\p{Greek', 'invalid character class range: `\\p{Greek`'],
    ['(?=x)', 'invalid or unsupported Perl syntax: `(?=`'],
    ['(?!x)', 'invalid or unsupported Perl syntax: `(?!`'],
    ['(?<=x)', 'invalid named capture: `(?<=x)`'],
    ['(?P=n)', 'invalid or unsupported Perl syntax: `(?P`'],
    ['(?i', 'invalid or unsupported Perl syntax: `(?i`'],
    ['(?-)', 'invalid or unsupported Perl syntax: `(?-)`'],
    ['(?z)', 'invalid or unsupported Perl syntax: `(?z`'],
    ['(?P<>a)', 'invalid named capture: `(?P<>`'],
    ['(?<a-b>x)', 'invalid named capture: `(?<a-b>`'],
    ['(?P<a', 'invalid named capture: `(?P<a`'],
  ] as const)('%s', (pattern, error) => {
    expect(compileRegex(pattern)).toEqual({ ok: false, error: `error parsing regexp: ${error}` });
  });

  it('bounds the compiled program (Go allows more; matching cost grows with it)', () => {
    const pattern = '(?:abcdefghij){1000}';
    expect(compileRegex(pattern)).toEqual({ ok: false, error: `error parsing regexp: expression too large: \`${pattern}\`` });
    expect(compileRegex('(?:abcdefghij){100}').ok).toBe(true);
  });
});

describe('linear time', () => {
  // Each of these takes exponential or high-polynomial time in a backtracking engine.
  it.each([
    ['(a+)+$', false],
    ['(a|a)*$', true], // the empty match at the end of the text
    ['(a*)*b', false],
    ['(x+x+)+y', false],
    ['^(a|aa)+$', false],
    ['.*.*.*.*.*=.*', false],
  ] as const)('%s on a hostile input → %s', (pattern, expected) => {
    expect(matcher(pattern)(`${'a'.repeat(20_000)}!`)).toBe(expected);
  });
});

describe('lazy DFA cache', () => {
  // The DFA for "the 13th character from the end is an a" has 2^13 states, far past
  // MAX_DFA_STATES: the cache must start over and keep giving the right answers.
  test.prop([fc.array(fc.string({ unit: fc.constantFrom('a', 'b'), minLength: 200, maxLength: 2_000 }), { minLength: 1, maxLength: 4 })], {
    numRuns: 20,
  })('stays correct when it overflows', (inputs) => {
    const pattern = '^(?:a|b)*a(?:a|b){12}$';
    const ours = matcher(pattern);
    for (const input of inputs) expect(ours(input)).toBe(input.length > 12 && input[input.length - 13] === 'a');
  });
});

// Differential test: on literals over a small alphabet, classes, `.`, groups, alternation,
// the * + ? {n,m} operators and ^ $ anchors, Go and JS RegExp agree (no \n inside classes,
// no flags), so the engine must give JS's answer.
const atom = fc.oneof(
  fc.constantFrom('a', 'b', 'c', '.', '[ab]', '[^a]', '[a-c]', '\\d', '1'),
  fc.constantFrom('(?:a|b)', '(a)', '(?:ab|c)'),
);
const piece = fc.tuple(atom, fc.constantFrom('', '*', '+', '?', '{2}', '{1,3}', '{0,}', '*?')).map(([a, q]) => a + q);
const branch = fc.array(piece, { minLength: 0, maxLength: 5 }).map((ps) => ps.join(''));
const pattern = fc
  .tuple(fc.boolean(), fc.array(branch, { minLength: 1, maxLength: 3 }), fc.boolean())
  .map(([start, branches, end]) => `${start ? '^' : ''}(?:${branches.join('|')})${end ? '$' : ''}`);
const subject = fc.string({ unit: fc.constantFrom('a', 'b', 'c', '1', '\n', 'é'), maxLength: 12 });

describe('agrees with JS RegExp where the syntaxes coincide', () => {
  test.prop([pattern, fc.array(subject, { minLength: 1, maxLength: 8 })], { numRuns: 400 })('%s', (p, inputs) => {
    const ours = matcher(p);
    const js = new RegExp(p, 'u');
    for (const input of inputs) expect(ours(input)).toBe(js.test(input));
  });
});
