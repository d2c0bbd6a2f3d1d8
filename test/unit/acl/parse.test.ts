// Rules texts → typed rules, and the texts Consul rejects with its error messages. Expected
// values follow hashicorp/hcl v1 and Consul's acl/policy.go (see storage/acl/DESIGN.md).

import { describe, expect, it } from 'vitest';
import { emptyRules, parsePolicyRules, type PolicyRules } from '../../../storage/acl/index.ts';

function rules(partial: Partial<PolicyRules>): PolicyRules {
  return { ...emptyRules(), ...partial };
}

function parsed(text: string): PolicyRules {
  const result = parsePolicyRules(text);
  if (!result.ok) throw new Error(`expected ${JSON.stringify(text)} to parse, got: ${result.message}`);
  return result.rules;
}

function failure(text: string): string {
  const result = parsePolicyRules(text);
  if (result.ok) throw new Error(`expected ${JSON.stringify(text)} to fail, got ${JSON.stringify(result.rules)}`);
  return result.message;
}

const EVERY_RESOURCE_HCL = `
acl = "read"
keyring = "write"
operator = "deny"
mesh = "read"
peering = "write"
agent "a1" { policy = "read" }
agent_prefix "a" { policy = "write" }
event "e1" { policy = "deny" }
event_prefix "" { policy = "read" }
key "k/exact" { policy = "list" }
key_prefix "k/" { policy = "write" }
node "n1" { policy = "write" }
node_prefix "" { policy = "read" }
query "q1" { policy = "read" }
query_prefix "q" { policy = "deny" }
service "web" {
  policy = "write"
  intentions = "read"
}
service_prefix "" { policy = "read" }
session "s1" { policy = "write" }
session_prefix "" { policy = "deny" }
`;

const EVERY_RESOURCE_JSON = JSON.stringify({
  acl: 'read',
  keyring: 'write',
  operator: 'deny',
  mesh: 'read',
  peering: 'write',
  agent: { a1: { policy: 'read' } },
  agent_prefix: { a: { policy: 'write' } },
  event: { e1: { policy: 'deny' } },
  event_prefix: { '': { policy: 'read' } },
  key: { 'k/exact': { policy: 'list' } },
  key_prefix: { 'k/': { policy: 'write' } },
  node: { n1: { policy: 'write' } },
  node_prefix: { '': { policy: 'read' } },
  query: { q1: { policy: 'read' } },
  query_prefix: { q: { policy: 'deny' } },
  service: { web: { policy: 'write', intentions: 'read' } },
  service_prefix: { '': { policy: 'read' } },
  session: { s1: { policy: 'write' } },
  session_prefix: { '': { policy: 'deny' } },
});

const EVERY_RESOURCE = rules({
  acl: { policy: 'read' },
  keyring: { policy: 'write' },
  operator: { policy: 'deny' },
  mesh: { policy: 'read' },
  peering: { policy: 'write' },
  agent: [{ segment: 'a1', policy: 'read' }],
  agent_prefix: [{ segment: 'a', policy: 'write' }],
  event: [{ segment: 'e1', policy: 'deny' }],
  event_prefix: [{ segment: '', policy: 'read' }],
  key: [{ segment: 'k/exact', policy: 'list' }],
  key_prefix: [{ segment: 'k/', policy: 'write' }],
  node: [{ segment: 'n1', policy: 'write' }],
  node_prefix: [{ segment: '', policy: 'read' }],
  query: [{ segment: 'q1', policy: 'read' }],
  query_prefix: [{ segment: 'q', policy: 'deny' }],
  service: [{ segment: 'web', policy: 'write', intentions: { policy: 'read' } }],
  service_prefix: [{ segment: '', policy: 'read' }],
  session: [{ segment: 's1', policy: 'write' }],
  session_prefix: [{ segment: '', policy: 'deny' }],
});

describe('parsePolicyRules: accepted texts', () => {
  it('reads every resource type from HCL and from JSON into the same structure', () => {
    expect(parsed(EVERY_RESOURCE_HCL)).toEqual(EVERY_RESOURCE);
    expect(parsed(EVERY_RESOURCE_JSON)).toEqual(EVERY_RESOURCE);
  });

  const cases: readonly { name: string; text: string; expected: PolicyRules }[] = [
    { name: 'empty text (Consul hot path)', text: '', expected: emptyRules() },
    { name: 'only whitespace and comments', text: ' \n# nothing\n// here\n/* at\nall */\n', expected: emptyRules() },
    { name: 'empty JSON object', text: ' \n {}', expected: emptyRules() },
    {
      name: 'all three comment styles around and inside blocks',
      text: '# hash\nkey "a" { // line\n  /* block */ policy = "read" # trailing\n}\n/* multi\n line */ acl = "write"',
      expected: rules({ acl: { policy: 'write' }, key: [{ segment: 'a', policy: 'read' }] }),
    },
    {
      name: 'string escapes in segments',
      text: 'key "a\\"b\\\\c\\n\\t\\u00e9\\x41\\101\\U0001F600" { policy = "read" }',
      expected: rules({ key: [{ segment: 'a"b\\c\n\téAA\u{1F600}', policy: 'read' }] }),
    },
    {
      name: 'interpolation text kept verbatim',
      text: 'key "${node.name}/x" { policy = "read" }',
      expected: rules({ key: [{ segment: '${node.name}/x', policy: 'read' }] }),
    },
    {
      name: 'keywords and attributes match case-insensitively; levels keep their spelling',
      text: 'KEY "a" { Policy = "READ" }\nAcl = "Write"',
      expected: rules({ acl: { policy: 'write', spelling: 'Write' }, key: [{ segment: 'a', policy: 'read', spelling: 'READ' }] }),
    },
    {
      name: 'identifier and quoted keys, commas between items',
      text: '"key" a { "policy" = "read", }, key_prefix b { policy = "write" },',
      expected: rules({ key: [{ segment: 'a', policy: 'read' }], key_prefix: [{ segment: 'b', policy: 'write' }] }),
    },
    {
      name: 'assignment form `key = { name = { … } }`',
      text: 'key = { a = { policy = "read" }, "b/c" = { policy = "deny" } }',
      expected: rules({ key: [{ segment: 'a', policy: 'read' }, { segment: 'b/c', policy: 'deny' }] }),
    },
    {
      name: 'block rules come before assignment-form rules of the same resource',
      text: 'key = { z = { policy = "read" } }\nkey "a" { policy = "write" }',
      expected: rules({ key: [{ segment: 'a', policy: 'write' }, { segment: 'z', policy: 'read' }] }),
    },
    {
      name: 'three labels: the first is the segment (hcl decodes it so)',
      text: 'key "a" "b" "c" { policy = "read" }',
      expected: rules({ key: [{ segment: 'a', policy: 'read' }] }),
    },
    {
      name: 'repeated blocks for one segment are all kept (the merger combines them)',
      text: 'key "a" { policy = "read" }\nkey "a" { policy = "deny" }',
      expected: rules({ key: [{ segment: 'a', policy: 'read' }, { segment: 'a', policy: 'deny' }] }),
    },
    {
      name: 'differently spelled attributes are not duplicates; the last one wins',
      text: 'key "a" {\n  policy = "read"\n  POLICY = "write"\n}',
      expected: rules({ key: [{ segment: 'a', policy: 'write' }] }),
    },
    {
      name: 'empty top-level levels and intentions mean unset',
      text: 'acl = ""\noperator = ""\nservice "web" { policy = "read" intentions = "" }',
      expected: rules({ service: [{ segment: 'web', policy: 'read' }] }),
    },
    {
      name: 'a missing value at the very end is dropped, as hcl does',
      text: 'acl = "read"\noperator =',
      expected: rules({ acl: { policy: 'read' } }),
    },
    {
      name: 'CRLF line endings',
      text: 'key "a" {\r\n  policy = "read"\r\n}\r\n',
      expected: rules({ key: [{ segment: 'a', policy: 'read' }] }),
    },
    {
      name: 'JSON: a list of objects per resource',
      text: '{"key_prefix": [{"a/": {"policy": "read"}}, {"b/": {"policy": "write"}}]}',
      expected: rules({ key_prefix: [{ segment: 'a/', policy: 'read' }, { segment: 'b/', policy: 'write' }] }),
    },
    {
      name: 'JSON: a list of rule bodies under a segment',
      text: '{"service": {"web": [{"policy": "write", "intentions": "deny"}]}}',
      expected: rules({ service: [{ segment: 'web', policy: 'write', intentions: { policy: 'deny' } }] }),
    },
    {
      name: 'JSON: null reads as an empty string',
      text: '{"acl": null, "key": {"a": {"policy": "read"}}}',
      expected: rules({ key: [{ segment: 'a', policy: 'read' }] }),
    },
  ];
  for (const { name, text, expected } of cases) {
    it(name, () => {
      expect(parsed(text)).toEqual(expected);
    });
  }

  it('ignores unknown top-level keys, as Consul does, and reports them', () => {
    const result = parsePolicyRules('namespace "x" { acl = "write" }\nbogus = "y"\nkey "a" { policy = "read" }');
    expect(result).toEqual({ ok: true, rules: rules({ key: [{ segment: 'a', policy: 'read' }] }), ignored: ['namespace', 'bogus'] });
  });
});

describe('parsePolicyRules: rejected levels (Consul Validate)', () => {
  const invalid: readonly [string, string][] = [
    ['acl = "nope"', 'Invalid acl policy: "nope"'],
    ['acl = "list"', 'Invalid acl policy: "list"'],
    ['keyring = "nope"', 'Invalid keyring policy: "nope"'],
    ['operator = "list"', 'Invalid operator policy: "list"'],
    ['mesh = "nope"', 'Invalid mesh policy: "nope"'],
    ['peering = "nope"', 'Invalid peering policy: "nope"'],
    ['acl = 1', 'Invalid acl policy: "1"'],
    ['agent "a" { policy = "nope" }', 'Invalid agent policy: &acl.AgentRule{Node:"a", Policy:"nope"}'],
    ['agent_prefix "a" { policy = "list" }', 'Invalid agent_prefix policy: &acl.AgentRule{Node:"a", Policy:"list"}'],
    ['event "e" { policy = "list" }', 'Invalid event policy: &acl.EventRule{Event:"e", Policy:"list"}'],
    ['event_prefix "" { policy = "x" }', 'Invalid event_prefix policy: &acl.EventRule{Event:"", Policy:"x"}'],
    ['key "k" { policy = "nope" }', 'Invalid key policy: &acl.KeyRule{Prefix:"k", Policy:"nope", EnterpriseRule:acl.EnterpriseRule{}}'],
    ['key_prefix "k" { }', 'Invalid key_prefix policy: &acl.KeyRule{Prefix:"k", Policy:"", EnterpriseRule:acl.EnterpriseRule{}}'],
    ['node "n" { policy = "list" }', 'Invalid node policy: &acl.NodeRule{Name:"n", Policy:"list", EnterpriseRule:acl.EnterpriseRule{}}'],
    ['node_prefix "" { policy = "all" }', 'Invalid node_prefix policy: &acl.NodeRule{Name:"", Policy:"all", EnterpriseRule:acl.EnterpriseRule{}}'],
    ['query "q" { policy = "list" }', 'Invalid query policy: &acl.PreparedQueryRule{Prefix:"q", Policy:"list"}'],
    ['query_prefix "q" { policy = "x" }', 'Invalid query_prefix policy: &acl.PreparedQueryRule{Prefix:"q", Policy:"x"}'],
    [
      'service "s" { policy = "list" }',
      'Invalid service policy: &acl.ServiceRule{Name:"s", Policy:"list", Intentions:"", EnterpriseRule:acl.EnterpriseRule{}}',
    ],
    [
      'service "s" { policy = "read" intentions = "list" }',
      'Invalid service intentions policy: &acl.ServiceRule{Name:"s", Policy:"read", Intentions:"list", EnterpriseRule:acl.EnterpriseRule{}}',
    ],
    [
      'service_prefix "" { policy = "read" intentions = "nope" }',
      'Invalid service_prefix intentions policy: &acl.ServiceRule{Name:"", Policy:"read", Intentions:"nope", EnterpriseRule:acl.EnterpriseRule{}}',
    ],
    ['session "s" { policy = "list" }', 'Invalid session policy: &acl.SessionRule{Node:"s", Policy:"list"}'],
    ['session_prefix "" { policy = "x" }', 'Invalid session_prefix policy: &acl.SessionRule{Node:"", Policy:"x"}'],
    ['key "k\\"\\n" { policy = "r\\tw" }', 'Invalid key policy: &acl.KeyRule{Prefix:"k\\"\\n", Policy:"r\\tw", EnterpriseRule:acl.EnterpriseRule{}}'],
    // Validation follows the struct's field order, not the text's.
    ['operator = "bad"\nacl = "worse"', 'Invalid acl policy: "worse"'],
    ['{"service": {"s": {"policy": "write", "intentions": "x"}}}', 'Invalid service intentions policy: &acl.ServiceRule{Name:"s", Policy:"write", Intentions:"x", EnterpriseRule:acl.EnterpriseRule{}}'],
    ['{"key_prefix": {"": {"policy": "nope"}}}', 'Invalid key_prefix policy: &acl.KeyRule{Prefix:"", Policy:"nope", EnterpriseRule:acl.EnterpriseRule{}}'],
    ['{"mesh": "list"}', 'Invalid mesh policy: "list"'],
    // An object with two labels hides the attributes one level down (hcl expandObject).
    ['key "a" "b" { policy = "read" }', 'Invalid key policy: &acl.KeyRule{Prefix:"a", Policy:"", EnterpriseRule:acl.EnterpriseRule{}}'],
  ];
  for (const [text, message] of invalid) {
    it(JSON.stringify(text), () => {
      expect(failure(text)).toBe(message);
    });
  }

  it('accepts list on keys and every level in any case', () => {
    expect(parsed('key_prefix "" { policy = "LiSt" }').key_prefix).toEqual([{ segment: '', policy: 'list', spelling: 'LiSt' }]);
    expect(parsed('acl = "DENY"').acl).toEqual({ policy: 'deny', spelling: 'DENY' });
  });
});

describe('parsePolicyRules: malformed texts', () => {
  const malformed: readonly [string, string][] = [
    // Duplicate attributes in one block or at the top level (hcl.DecodeErrorOnDuplicates).
    ['key "a" { policy = "read" policy = "write" }', 'The argument "policy" at 1:27 was already set. Each argument can only be defined once'],
    ['acl = "read"\nacl = "write"', 'The argument "acl" at 2:1 was already set. Each argument can only be defined once'],
    ['"acl" = "read"\n  "acl" = "write"', 'The argument "\\"acl\\"" at 2:3 was already set. Each argument can only be defined once'],
    // Scanner errors.
    ['key "a { policy = "read" }', 'At 1:27: literal not terminated'],
    ['key "a\nb" { }', 'At 1:7: literal not terminated'],
    ['key "a\\q" { policy = "read" }', 'At 1:8: illegal char escape'],
    ['key "\\x4g" { policy = "read" }', 'At 1:9: illegal char escape'],
    ['acl = "read" @', 'At 1:14: illegal char'],
    ['acl = "read" /* open', 'At 1:21: comment not terminated'],
    ['acl = "read" / x', "At 1:14: expected '/' for comment"],
    ['acl = "read"\0', 'At 1:13: unexpected null character (0x00)'],
    ['acl = <<EOF\nread\nEOF\n', 'At 1:7: heredoc strings are not supported in ACL rules'],
    // Parser errors.
    ['acl = read', 'At 1:7: Unknown token: 1:7 IDENT read'],
    ['key "a" { policy = }', 'At 1:20: Unknown token: 1:20 RBRACE }'],
    ['key "a" "b" = "x"', 'At 1:13: nested object expected: LBRACE got: ASSIGN'],
    ['= "x"', 'At 1:1: no object keys found!'],
    ['acl = "read"\n{', 'At 2:1: expected: IDENT | STRING got: LBRACE'],
    ['key "a" {', 'At 1:10: object expected closing RBRACE got: EOF'],
    ['key "a"', "At 1:8: key 'key \"a\"' expected start of object ('{') or assignment ('=')"],
    ['key "a" { policy }', "At 1:18: key 'policy' expected start of object ('{') or assignment ('=')"],
    ['key "a" { policy = "read"', 'At 1:26: object expected closing RBRACE got: EOF'],
    ['key "a" { policy = "read" } }', 'At 1:29: expected: IDENT | STRING | ASSIGN | LBRACE got: RBRACE'],
    ['key 5 { }', 'At 1:5: expected: IDENT | STRING | ASSIGN | LBRACE got: NUMBER'],
    ['acl = "read",, operator = "read"', 'At 1:14: expected: IDENT | STRING | ASSIGN | LBRACE got: COMMA'],
    ['x = [1 2]', 'At 1:8: error parsing list, expected comma or list end, got: NUMBER'],
    ['x = [1, {y}]', "At 1:9: error while trying to parse object within list: At 1:11: key 'y' expected start of object ('{') or assignment ('=')"],
    // Decoding errors: the shape does not fit Consul's struct.
    ['acl = true', 'At 1:7: root.acl: unknown type for string *ast.LiteralType'],
    ['acl = 1.5', 'At 1:7: root.acl: unknown type for string *ast.LiteralType'],
    ['acl "x" { }', 'At 1:5: root.acl: unknown type for string *ast.ObjectList'],
    ['acl = { }', 'At -: root.acl: unknown type for string *ast.ObjectList'],
    ['acl = ["read"]', 'At 1:7: root.acl: unknown type for string *ast.ListType'],
    ['key = "x"', 'At 1:7: unknown slice type: *ast.LiteralType'],
    ['key = [{ a = { policy = "read" } }]', "At 1:10: root.key[0]: Prefix asked for 'key', impossible"],
    ['key "a" { policy = true }', 'At 1:20: root.key[0].Policy: unknown type for string *ast.LiteralType'],
    ['key "a" { policy = ["read"] }', 'At 1:20: root.key[0].Policy: unknown type for string *ast.ListType'],
    ['service "a" { policy = "read" intentions "x" { } }', 'At 1:42: root.service[0].Intentions: unknown type for string *ast.ObjectList'],
    ['{"acl": true}', 'At -: root.acl: unknown type for string *ast.LiteralType'],
    ['{"key": ["a"]}', 'At -: root.key[0]: not an object type for struct (*ast.LiteralType)'],
  ];
  for (const [text, message] of malformed) {
    it(JSON.stringify(text), () => {
      expect(failure(text)).toBe(`Failed to parse ACL rules: ${message}`);
    });
  }

  it('reports malformed JSON with the JSON reader message', () => {
    expect(failure('{"acl": "read",}')).toMatch(/^Failed to parse ACL rules: .+/);
  });

  it('reports pathological nesting instead of crashing', () => {
    expect(failure(`x = ${'['.repeat(100_000)}`)).toBe('Failed to parse ACL rules: rules nest too deeply to parse');
    expect(failure(`{"x": ${'['.repeat(100_000)}${']'.repeat(100_000)}}`)).toBe('Failed to parse ACL rules: rules nest too deeply to parse');
  });
});
