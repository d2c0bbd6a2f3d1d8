// JSON the way Consul's Go server reads and writes it.
//
// Reading: Go's json.Decoder reads the first value and ignores whatever follows; an empty body
// is "EOF"; syntax errors have Go's texts (clients show them to people). Integers beyond 2^53
// (uint64 Flags up to 2^64-1) come back as bigint so no digit is lost; other numbers are
// numbers. Objects have no prototype, so a "__proto__" key is just a key.
//
// Writing: bigint is emitted as a bare integer, undefined members are omitted (Go's
// omitempty), `<`, `>`, `&`, U+2028 and U+2029 are escaped as Go does, and ?pretty is Go's
// MarshalIndent with four spaces plus a trailing newline.

export type GoJsonValue = null | boolean | number | bigint | string | GoJsonValue[] | { [key: string]: GoJsonValue };
export type GoJsonResult = { readonly ok: true; readonly value: GoJsonValue } | { readonly ok: false; readonly error: string };

/** Nesting bound: Go's decoder refuses depth > 10000; a request body never needs more than a few. */
const MAX_DEPTH = 10_000;

class SyntaxFailure extends Error {}

type GoObject = { [key: string]: GoJsonValue };
/** A container still open while parsing: an array, or an object and the key being filled. */
type Frame = { readonly kind: 'array'; readonly out: GoJsonValue[] } | { readonly kind: 'object'; readonly out: GoObject; key: string };

/** Go's quoteChar for scanner errors: 'x', '\'', '"', '\n', '\x00'. */
function quoteChar(ch: string): string {
  if (ch === "'") return "'\\''";
  if (ch === '"') return "'\"'";
  const quoted = JSON.stringify(ch);
  return `'${quoted.slice(1, -1).replace(/\\u00([0-9a-f]{2})/g, '\\x$1')}'`;
}

class Parser {
  private i = 0;
  constructor(private readonly s: string) {}

  private fail(context: string): never {
    const ch = this.s[this.i];
    if (ch === undefined) throw new SyntaxFailure('unexpected EOF');
    throw new SyntaxFailure(`invalid character ${quoteChar(ch)} ${context}`);
  }

  private skipSpace(): void {
    while (this.i < this.s.length) {
      const ch = this.s[this.i];
      if (ch !== ' ' && ch !== '\t' && ch !== '\n' && ch !== '\r') break;
      this.i++;
    }
  }

  /** True when nothing but whitespace is left (Go reports io.EOF for an empty stream). */
  atEnd(): boolean {
    this.skipSpace();
    return this.i >= this.s.length;
  }

  /**
   * One value, containers included. Iterative, with the open containers on an explicit stack:
   * nesting up to Go's limit must not overflow the JavaScript call stack (a recursive descent
   * does at a few thousand levels).
   */
  value(): GoJsonValue {
    const open: Frame[] = [];
    // Bounded: every pass consumes at least one character of the finite input, or fails.
    for (;;) {
      this.skipSpace();
      const ch = this.s[this.i];
      let v: GoJsonValue;
      if (ch === '{' || ch === '[') {
        // Go counts every opened container, empty ones too; the one past the limit fails.
        if (open.length >= MAX_DEPTH) this.fail('exceeded max depth');
        this.i++;
        this.skipSpace();
        const close = ch === '{' ? '}' : ']';
        if (this.s[this.i] !== close) {
          open.push(ch === '{' ? { kind: 'object', out: Object.create(null) as GoObject, key: this.objectKey() } : { kind: 'array', out: [] });
          continue;
        }
        this.i++;
        v = ch === '{' ? (Object.create(null) as GoObject) : [];
      } else {
        v = this.scalar(ch);
      }
      const done = this.attach(open, v);
      if (done !== undefined) return done.value;
    }
  }

  /**
   * Puts a finished value into the innermost open container, closing every container that ends
   * right after it. Returns the whole value once the outermost one closed (or there was none).
   */
  private attach(open: Frame[], finished: GoJsonValue): { value: GoJsonValue } | undefined {
    let v = finished;
    // Bounded by the number of open containers.
    for (let top = open.at(-1); top !== undefined; top = open.at(-1)) {
      this.skipSpace();
      const next = this.s[this.i];
      if (top.kind === 'array') {
        top.out.push(v);
        if (next === ',') {
          this.i++;
          return undefined;
        }
        if (next !== ']') this.fail('after array element');
      } else {
        top.out[top.key] = v;
        if (next === ',') {
          this.i++;
          top.key = this.objectKey();
          return undefined;
        }
        if (next !== '}') this.fail('after object key:value pair');
      }
      this.i++;
      open.pop();
      v = top.out;
    }
    return { value: v };
  }

  /** An object key and its colon. */
  private objectKey(): string {
    this.skipSpace();
    if (this.s[this.i] !== '"') this.fail('looking for beginning of object key string');
    const key = this.string();
    this.skipSpace();
    if (this.s[this.i] !== ':') this.fail('after object key');
    this.i++;
    return key;
  }

  private scalar(ch: string | undefined): GoJsonValue {
    if (ch === '"') return this.string();
    if (ch === '-' || (ch !== undefined && ch >= '0' && ch <= '9')) return this.number();
    if (ch === 't') return this.literal('true', true);
    if (ch === 'f') return this.literal('false', false);
    if (ch === 'n') return this.literal('null', null);
    return this.fail('looking for beginning of value');
  }

  private literal<T extends GoJsonValue>(word: string, result: T): T {
    for (let k = 0; k < word.length; k++, this.i++) {
      if (this.s[this.i] !== word[k]) this.fail(`in literal ${word} (expecting ${quoteChar(word[k] as string)})`);
    }
    return result;
  }

  private string(): string {
    const start = ++this.i;
    let simple = true;
    for (;;) {
      const ch = this.s[this.i];
      if (ch === undefined) this.fail('in string literal');
      if (ch === '"') break;
      if (ch < ' ') this.fail('in string literal');
      if (ch === '\\') {
        simple = false;
        this.escape();
        continue;
      }
      this.i++;
    }
    const raw = this.s.slice(start, this.i);
    this.i++;
    return simple ? raw : (JSON.parse(`"${raw}"`) as string);
  }

  private escape(): void {
    this.i++;
    const ch = this.s[this.i];
    if (ch === 'u') {
      for (let k = 1; k <= 4; k++) {
        this.i++;
        if (!/[0-9a-fA-F]/.test(this.s[this.i] ?? '')) this.fail('in \\u hexadecimal character escape');
      }
      this.i++;
      return;
    }
    if (ch === undefined || !'"\\/bfnrt'.includes(ch)) this.fail('in string escape code');
    this.i++;
  }

  private digits(context: string): void {
    if (!/[0-9]/.test(this.s[this.i] ?? '')) this.fail(context);
    while (/[0-9]/.test(this.s[this.i] ?? '')) this.i++;
  }

  private number(): number | bigint {
    const start = this.i;
    let integer = true;
    if (this.s[this.i] === '-') this.i++;
    if (this.s[this.i] === '0') this.i++;
    else this.digits('in numeric literal');
    if (this.s[this.i] === '.') {
      integer = false;
      this.i++;
      this.digits('after decimal point in numeric literal');
    }
    if (this.s[this.i] === 'e' || this.s[this.i] === 'E') {
      integer = false;
      this.i++;
      if (this.s[this.i] === '+' || this.s[this.i] === '-') this.i++;
      this.digits('in exponent of numeric literal');
    }
    const text = this.s.slice(start, this.i);
    const asNumber = Number(text);
    return integer && !Number.isSafeInteger(asNumber) ? BigInt(text) : asNumber;
  }
}

/** Decodes the first JSON value of a request body like Go's json.Decoder.Decode. */
export function parseGoJson(text: string): GoJsonResult {
  const parser = new Parser(text);
  if (parser.atEnd()) return { ok: false, error: 'EOF' };
  try {
    return { ok: true, value: parser.value() };
  } catch (err) {
    if (err instanceof SyntaxFailure) return { ok: false, error: err.message };
    throw err;
  }
}

const GO_ESCAPES: Readonly<Record<string, string>> = {
  '<': '\\u003c', '>': '\\u003e', '&': '\\u0026', '\u2028': '\\u2028', '\u2029': '\\u2029',
};

const encodeString = (s: string): string => JSON.stringify(s).replace(/[<>&\u2028\u2029]/g, (ch) => GO_ESCAPES[ch] ?? ch);

/** Encodes JSON values plus bigint; undefined members are omitted; anything else is a bug. */
function encodeInto(v: unknown, indent: string, step: string, out: string[]): void {
  if (v === null || v === undefined) {
    out.push('null');
  } else if (typeof v === 'string') {
    out.push(encodeString(v));
  } else if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new Error(`json: unsupported value: ${v}`);
    out.push(String(v));
  } else if (typeof v === 'bigint' || typeof v === 'boolean') {
    out.push(String(v));
  } else if (Array.isArray(v)) {
    encodeArray(v, indent, step, out);
  } else if (typeof v === 'object') {
    encodeObject(v as { readonly [key: string]: unknown }, indent, step, out);
  } else {
    throw new Error(`json: unsupported type: ${typeof v}`);
  }
}

function encodeArray(v: readonly unknown[], indent: string, step: string, out: string[]): void {
  if (v.length === 0) {
    out.push('[]');
    return;
  }
  const inner = indent + step;
  out.push('[');
  v.forEach((item, n) => {
    if (n > 0) out.push(',');
    if (step !== '') out.push('\n', inner);
    encodeInto(item, inner, step, out);
  });
  if (step !== '') out.push('\n', indent);
  out.push(']');
}

function encodeObject(v: { readonly [key: string]: unknown }, indent: string, step: string, out: string[]): void {
  const entries = Object.entries(v).filter(([, item]) => item !== undefined);
  if (entries.length === 0) {
    out.push('{}');
    return;
  }
  const inner = indent + step;
  out.push('{');
  entries.forEach(([key, item], n) => {
    if (n > 0) out.push(',');
    if (step !== '') out.push('\n', inner);
    out.push(encodeString(key), step === '' ? ':' : ': ');
    encodeInto(item, inner, step, out);
  });
  if (step !== '') out.push('\n', indent);
  out.push('}');
}

/** Go's json.Marshal, or MarshalIndent("", "    ") + "\n" when pretty. */
export function encodeGoJson(value: unknown, pretty = false): string {
  const out: string[] = [];
  encodeInto(value, '', pretty ? '    ' : '', out);
  if (pretty) out.push('\n');
  return out.join('');
}
