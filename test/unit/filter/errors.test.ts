// Invalid expressions and their exact error texts (what follows Consul's
// "Failed to create boolean expression evaluator: " prefix in the 500 body).
import { describe, expect, it } from 'vitest';
import {
  agentServiceSchema,
  checkServiceNodeSchema,
  compileFilter,
  FILTER_ERROR_PREFIX,
  healthCheckSchema,
  memberSchema,
  nodeSchema,
  serviceNodeSchema,
  type FilterSchema,
} from '../../../routes/filter/index.ts';
import { kitchenSchema } from './fixtures.ts';

type Row = readonly [expression: string, error: string];

function check(schema: FilterSchema, rows: readonly Row[]): void {
  it.each(rows)('%s', (expression, error) => {
    expect(compileFilter(expression, schema)).toEqual({ ok: false, error });
  });
}

const SPACE = '[ \\t\\r\\n]';

describe('parse errors (pigeon positions: line:column (byte offset))', () => {
  check(nodeSchema, [
    ['Node == web-1', `1:12 (11): no match found, expected: ".", "[", ${SPACE}, [a-zA-Z0-9_] or EOF`],
    ['Node == host-name', `1:13 (12): no match found, expected: ".", "[", ${SPACE}, [a-zA-Z0-9_] or EOF`],
    ['Node == host:port', `1:13 (12): no match found, expected: ".", "[", ${SPACE}, [a-zA-Z0-9_] or EOF`],
    ['Node == web.1', '1:13 (12): no match found, expected: [a-zA-Z]'],
    ['Node == "web', '1:13 (12): rule string: Unterminated string literal'],
    ['Node == `web', '1:13 (12): rule string: Unterminated string literal'],
    [String.raw`Node == "a\qb"`, '1:9 (8): rule string: invalid syntax'],
    [String.raw`Node == "a\'b"`, '1:9 (8): rule string: invalid syntax'],
    [String.raw`Node == "a\x4"`, '1:9 (8): rule string: invalid syntax'],
    [String.raw`Node == "\uD800"`, '1:9 (8): rule string: invalid syntax'],
    [String.raw`Node == "\400"`, '1:9 (8): rule string: invalid syntax'],
    [String.raw`Node == "a\"`, '1:9 (8): rule string: invalid syntax'],
    ['(Node == x', '1:11 (10): rule grouping: Unmatched parentheses'],
    ['Meta[env] == x', '1:6 (5): rule index: Invalid index'],
    ['Meta["env" == x', '1:12 (11): rule index: Unclosed index expression'],
    ['x in "y"', '1:6 (5): rule match: Invalid selector'],
    ['Node == 01', '1:10 (9): rule number: Invalid number literal'],
    ['Node == 1e5', '1:10 (9): rule number: Invalid number literal'],
    ['Node == 1.', '1:10 (9): rule number: Invalid number literal'],
    ['Node = x', `1:6 (5): no match found, expected: "!=", "==", "contains", "in", "is", "matches", "not" or ${SPACE}`],
    ['not(Node == x)', `1:4 (3): no match found, expected: "!=", ".", "==", "[", ${SPACE} or [a-zA-Z0-9_]`],
    ['Node == x and(Node == y)', `1:14 (13): no match found, expected: ${SPACE}`],
    ['Node == x or', `1:13 (12): no match found, expected: ${SPACE}`],
    ['Node == "x" "y"', `1:13 (12): no match found, expected: "and", "or", ${SPACE} or EOF`],
    [' ', `1:2 (1): no match found, expected: "(", "-", "0", "\\"", "\`", "not", ${SPACE}, [1-9] or [a-zA-Z]`],
    ['Node == x\nand Node = y', `2:10 (19): no match found, expected: "!=", "==", "contains", "in", "is", "matches", "not" or ${SPACE}`],
    ['Node == "é" and', `1:16 (16): no match found, expected: ${SPACE}`],
  ]);
  check(healthCheckSchema, [['Interval == 10s', '1:15 (14): rule number: Invalid number literal']]);

  const TOO_DEEP = { ok: false, error: 'expression nests too deeply (more than 500 levels)' };
  const nested = (levels: number): string => `${'not (Node == x and '.repeat(levels)}Node == y${')'.repeat(levels)}`;

  it('bounds the nesting of and/or/not (each level here is a not and an and)', () => {
    expect(compileFilter(nested(300), nodeSchema)).toEqual(TOO_DEEP);
    // Node == "x": each level flips the inner result, starting from `Node == y` (false).
    for (const levels of [100, 101]) {
      const fine = compileFilter(nested(levels), nodeSchema);
      expect(fine.ok && fine.matches({ Node: 'x' })).toBe(levels % 2 === 1);
    }
  });

  it('turns a stack overflow on absurd parenthesis nesting into an error', () => {
    expect(compileFilter(`${'('.repeat(20_000)}Node == x${')'.repeat(20_000)}`, nodeSchema)).toEqual(TOO_DEEP);
    expect(compileFilter(`${'('.repeat(300)}Node == x${')'.repeat(300)}`, nodeSchema).ok).toBe(true);
  });

  it('counts a long or-chain as one level', () => {
    const names = Array.from({ length: 800 }, (_, i) => `Node == n${i}`).join(' or ');
    const filter = compileFilter(names, nodeSchema);
    if (!filter.ok) throw new Error(filter.error);
    expect(filter.matches({ Node: 'n799' })).toBe(true);
    expect(filter.matches({ Node: 'n800' })).toBe(false);
  });
});

describe('unknown and excluded selectors', () => {
  check(nodeSchema, [
    ['Foo == bar', 'Selector "Foo" is not valid'],
    ['Meta.env.x == y', 'Selector "Meta.env.x" is not valid'],
    ['CreateIndex == 1', 'Selector "CreateIndex" is not valid'],
    ['ModifyIndex != 1', 'Selector "ModifyIndex" is not valid'],
    ['RaftIndex.CreateIndex == 1', 'Selector "RaftIndex" is not valid'],
    ['Locality.Region == x', 'Selector "Locality" is not valid'],
    ['node == x', 'Selector "node" is not valid'],
    ['Meta["é"].x == 1', 'Selector "Meta.é.x" is not valid'],
  ]);
  check(checkServiceNodeSchema, [
    ['Checks.Definition.HTTP == x', 'Selector "Checks.Definition" is not valid'],
    ['Checks.CreateIndex == 1', 'Selector "Checks.CreateIndex" is not valid'],
    ['Service.Proxy.Config.foo == x', 'Selector "Service.Proxy.Config" is not valid'],
    ['Service.Connect.SidecarService.Port == 1', 'Selector "Service.Connect.SidecarService" is not valid'],
    ['Service.Locality.Zone == a', 'Selector "Service.Locality" is not valid'],
    ['Node.Locality.Zone == a', 'Selector "Node.Locality" is not valid'],
  ]);
  check(agentServiceSchema, [
    ['Datacenter == dc1', 'Selector "Datacenter" is not valid'],
    ['ContentHash == x', 'Selector "ContentHash" is not valid'],
    ['Namespace == default', 'Selector "Namespace" is not valid'],
  ]);
  check(serviceNodeSchema, [
    ['ServiceTags.x == y', 'Selector "ServiceTags.x" is not valid'],
    ['ServiceLocality.Region == x', 'Selector "ServiceLocality" is not valid'],
  ]);
  check(healthCheckSchema, [['Node.Node == x', 'Selector "Node.Node" is not valid']]);
});

describe('operators a field type does not allow', () => {
  check(serviceNodeSchema, [
    ['ServicePort matches "80"', 'Invalid match operator "Matches" for selector "ServicePort"'],
    ['ServicePort not matches "80"', 'Invalid match operator "Not Matches" for selector "ServicePort"'],
    ['80 in ServicePort', 'Invalid match operator "In" for selector "ServicePort"'],
    ['ServicePort contains 80', 'Invalid match operator "In" for selector "ServicePort"'],
    ['ServicePort not contains 80', 'Invalid match operator "Not In" for selector "ServicePort"'],
    ['ServicePort is empty', 'Invalid match operator "Is Empty" for selector "ServicePort"'],
    ['ServiceTags == v1', 'Invalid match operator "Equal" for selector "ServiceTags"'],
    ['ServiceTags != v1', 'Invalid match operator "Not Equal" for selector "ServiceTags"'],
    ['ServiceTags matches v', 'Invalid match operator "Matches" for selector "ServiceTags"'],
    ['ServiceEnableTagOverride matches t', 'Invalid match operator "Matches" for selector "ServiceEnableTagOverride"'],
    ['true in ServiceEnableTagOverride', 'Invalid match operator "In" for selector "ServiceEnableTagOverride"'],
    ['ServiceWeights == 1', 'Invalid match operator "Equal" for selector "ServiceWeights"'],
    ['ServiceWeights is empty', 'Invalid match operator "Is Empty" for selector "ServiceWeights"'],
    ['ServiceTaggedAddresses.lan == x', 'Invalid match operator "Equal" for selector "ServiceTaggedAddresses.lan"'],
    ['ServiceMeta == x', 'Invalid match operator "Equal" for selector "ServiceMeta"'],
    ['ServiceMeta matches x', 'Invalid match operator "Matches" for selector "ServiceMeta"'],
  ]);
  check(nodeSchema, [
    ['Node is empty', 'Invalid match operator "Is Empty" for selector "Node"'],
    ['Node is not empty', 'Invalid match operator "Is Not Empty" for selector "Node"'],
    ['Meta.missing is empty', 'Invalid match operator "Is Empty" for selector "Meta.missing"'],
  ]);
  check(checkServiceNodeSchema, [
    ['Checks == x', 'Invalid match operator "Equal" for selector "Checks"'],
    ['x in Checks', 'Invalid match operator "In" for selector "Checks"'],
    ['Node is empty', 'Invalid match operator "Is Empty" for selector "Node"'],
  ]);
});

describe('values that do not coerce to the field type', () => {
  check(serviceNodeSchema, [
    ['ServiceEnableTagOverride != yes', 'Failed to coerce value "yes" for selector "ServiceEnableTagOverride": strconv.ParseBool: parsing "yes": invalid syntax'],
    ['ServicePort == 8080.0', 'Failed to coerce value "8080.0" for selector "ServicePort": strconv.ParseInt: parsing "8080.0": invalid syntax'],
    ['ServicePort == "99999999999999999999"', 'Failed to coerce value "99999999999999999999" for selector "ServicePort": strconv.ParseInt: parsing "99999999999999999999": value out of range'],
    ['ServicePort == "9223372036854775808"', 'Failed to coerce value "9223372036854775808" for selector "ServicePort": strconv.ParseInt: parsing "9223372036854775808": value out of range'],
    ['ServicePort == ""', 'Failed to coerce value "" for selector "ServicePort": strconv.ParseInt: parsing "": invalid syntax'],
    ['ServicePort == "1__0"', 'Failed to coerce value "1__0" for selector "ServicePort": strconv.ParseInt: parsing "1__0": invalid syntax'],
    ['ServicePort == "0x"', 'Failed to coerce value "0x" for selector "ServicePort": strconv.ParseInt: parsing "0x": invalid syntax'],
    ['ServicePort == "08"', 'Failed to coerce value "08" for selector "ServicePort": strconv.ParseInt: parsing "08": invalid syntax'],
    [String.raw`ServicePort == "a\tb"`, String.raw`Failed to coerce value "a\tb" for selector "ServicePort": strconv.ParseInt: parsing "a\tb": invalid syntax`],
    ['ServiceWeights.Passing == ten', 'Failed to coerce value "ten" for selector "ServiceWeights.Passing": strconv.ParseInt: parsing "ten": invalid syntax'],
  ]);
  check(memberSchema, [
    ['Port == -1', 'Failed to coerce value "-1" for selector "Port": strconv.ParseUint: parsing "-1": invalid syntax'],
    ['Port == 65536', 'Failed to coerce value "65536" for selector "Port": strconv.ParseUint: parsing "65536": value out of range'],
    ['256 in Addr', 'Failed to coerce value "256" for selector "Addr": strconv.ParseUint: parsing "256": value out of range'],
    ['Status == alive', 'Failed to coerce value "alive" for selector "Status": strconv.ParseInt: parsing "alive": invalid syntax'],
  ]);
  check(kitchenSchema, [
    ['F64 == abc', 'Failed to coerce value "abc" for selector "F64": strconv.ParseFloat: parsing "abc": invalid syntax'],
    ['F32 == "1e39"', 'Failed to coerce value "1e39" for selector "F32": strconv.ParseFloat: parsing "1e39": value out of range'],
    ['F64 == "1e400"', 'Failed to coerce value "1e400" for selector "F64": strconv.ParseFloat: parsing "1e400": value out of range'],
    ['I8 == 128', 'Failed to coerce value "128" for selector "I8": strconv.ParseInt: parsing "128": value out of range'],
    ['x in Ints', 'Failed to coerce value "x" for selector "Ints": strconv.ParseInt: parsing "x": invalid syntax'],
    ['maybe in Bools', 'Failed to coerce value "maybe" for selector "Bools": strconv.ParseBool: parsing "maybe": invalid syntax'],
  ]);
});

describe('regular expressions Go rejects', () => {
  check(nodeSchema, [
    ['Node matches "a(b"', 'Failed to compile regular expression "a(b": error parsing regexp: missing closing ): `a(b`'],
    ['Node matches "*"', 'Failed to compile regular expression "*": error parsing regexp: missing argument to repetition operator: `*`'],
    ['Node not matches "(?=x)"', 'Failed to compile regular expression "(?=x)": error parsing regexp: invalid or unsupported Perl syntax: `(?=`'],
    [String.raw`Meta.env matches "\\1"`, 'Failed to compile regular expression "\\\\1": error parsing regexp: invalid escape sequence: `\\1`'],
    ['Meta.missing matches "[z-a]"', 'Failed to compile regular expression "[z-a]": error parsing regexp: invalid character class range: `z-a`'],
  ]);
});

describe('value length and validation order', () => {
  check(nodeSchema, [
    [`Node == "${'a'.repeat(513)}"`, 'Value in expression with length 513 for selector "Node" exceeds maximum length of 512'],
    [`Node == "${'é'.repeat(257)}"`, 'Value in expression with length 514 for selector "Node" exceeds maximum length of 512'],
    [`Foo == "${'a'.repeat(513)}"`, 'Value in expression with length 513 for selector "Foo" exceeds maximum length of 512'],
    ['Foo == x and Node matches "("', 'Selector "Foo" is not valid'],
    ['Node matches "(" and Foo == x', 'Failed to compile regular expression "(": error parsing regexp: missing closing ): `(`'],
    ['Node == x or Port == 1', 'Selector "Port" is not valid'],
    ['not (Node == x and Meta is empty and Bad == 1)', 'Selector "Bad" is not valid'],
  ]);

  it('accepts a value of exactly 512 bytes', () => {
    expect(compileFilter(`Node == "${'a'.repeat(512)}"`, nodeSchema).ok).toBe(true);
  });

  it('treats an empty expression as no filter, as Consul does', () => {
    const filter = compileFilter('', nodeSchema);
    expect(filter.ok && filter.matches({})).toBe(true);
  });

  it('exports the prefix the HTTP layer puts before the error', () => {
    expect(FILTER_ERROR_PREFIX).toBe('Failed to create boolean expression evaluator: ');
  });
});
