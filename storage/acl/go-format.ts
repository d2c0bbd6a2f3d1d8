// Go's fmt verbs that Consul's ACL error texts are built with (%q and %#v), so our messages are
// byte-for-byte the ones a Consul user already knows.

const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;

const SHORT_ESCAPES: Readonly<Record<string, string>> = {
  '\x07': '\\a',
  '\b': '\\b',
  '\f': '\\f',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\v': '\\v',
  '\\': '\\\\',
  '"': '\\"',
};

/** strconv.Quote: a double-quoted Go string literal (what %q and %#v print for a string). */
export function goQuote(value: string): string {
  let out = '"';
  for (const char of value) {
    const short = SHORT_ESCAPES[char];
    if (short !== undefined) {
      out += short;
      continue;
    }
    if (PRINTABLE.test(char)) {
      out += char;
      continue;
    }
    const code = char.codePointAt(0) ?? 0xfffd;
    if (code < 0x80) out += `\\x${hex(code, 2)}`;
    else if (code < 0x10000) out += `\\u${hex(code, 4)}`;
    else out += `\\U${hex(code, 8)}`;
  }
  return `${out}"`;
}

function hex(code: number, width: number): string {
  return code.toString(16).padStart(width, '0');
}

/** A struct field for goStructPointer: a string value, or a nested literal printed as is. */
export type GoField = readonly [name: string, value: string | { readonly raw: string }];

/** %#v of a pointer to a struct: `&acl.KeyRule{Prefix:"a", Policy:"b", …}`. */
export function goStructPointer(typeName: string, fields: readonly GoField[]): string {
  const body = fields
    .map(([name, value]) => `${name}:${typeof value === 'string' ? goQuote(value) : value.raw}`)
    .join(', ');
  return `&${typeName}{${body}}`;
}
