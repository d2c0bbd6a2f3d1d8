// RE2 syntax (Go's regexp/syntax with the Perl flags regexp.Compile uses) → a small regex
// tree, rejecting what Go rejects with Go's error texts, e.g.
//   error parsing regexp: missing closing ): `(a`
// The structure follows Go's parser closely because the offending text in each error (the
// part between backquotes) depends on exactly how far Go had read.
import { ClassBuilder, MAX_RUNE, PERL_GROUPS, POSIX_GROUPS, unicodeTable, type CharClass } from './charclass.ts';
import { foldOrbit } from './fold.ts';

export type AssertKind = 'beginText' | 'endText' | 'beginLine' | 'endLine' | 'wordBoundary' | 'noWordBoundary';

export type Regex =
  | { readonly op: 'empty' }
  | { readonly op: 'char'; readonly cls: CharClass }
  | { readonly op: 'assert'; readonly kind: AssertKind }
  | { readonly op: 'concat'; readonly subs: readonly Regex[] }
  | { readonly op: 'alternate'; readonly subs: readonly Regex[] }
  /** max -1 = unbounded; `counted` marks x{n,m} (Go limits those, not * + ?). */
  | { readonly op: 'repeat'; readonly sub: Regex; readonly min: number; readonly max: number; readonly counted: boolean };

export type ErrorCode =
  | 'invalid character class range'
  | 'invalid escape sequence'
  | 'invalid named capture'
  | 'invalid or unsupported Perl syntax'
  | 'invalid nested repetition operator'
  | 'invalid repeat count'
  | 'missing closing ]'
  | 'missing closing )'
  | 'missing argument to repetition operator'
  | 'trailing backslash at end of expression'
  | 'unexpected )'
  | 'expression too large';

export class RegexSyntaxError extends Error {
  constructor(
    readonly code: ErrorCode,
    readonly expr: string,
  ) {
    super(`error parsing regexp: ${code}: \`${expr}\``);
  }
}

/** Go's maxRepeat: the largest count in x{n,m}, also for nested counts multiplied. */
const MAX_REPEAT = 1000;

interface Flags {
  readonly fold: boolean;
  readonly dotNL: boolean;
  /** ^ and $ match only at the ends of the text (cleared by (?m)). */
  readonly oneLine: boolean;
}

interface Frame {
  readonly alternatives: Regex[];
  items: Regex[];
  /** Flags to restore at the closing parenthesis. */
  readonly saved: Flags;
}

const EMPTY: Regex = { op: 'empty' };
const isAlnum = (c: string): boolean => /^[0-9A-Za-z]$/.test(c);
const isOctal = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '7';
const unhex = (c: string): number => (/^[0-9A-Fa-f]$/.test(c) ? parseInt(c, 16) : -1);
const CONTROL_ESCAPES: Readonly<Record<string, number>> = { a: 7, f: 12, n: 10, r: 13, t: 9, v: 11 };

function concat(items: readonly Regex[]): Regex {
  if (items.length === 0) return EMPTY;
  return items.length === 1 ? (items[0] ?? EMPTY) : { op: 'concat', subs: [...items] };
}

/** Go's repeatIsValid: nested counted repeats may not multiply past `n` copies. */
function repeatIsValid(re: Regex, n: number): boolean {
  if (re.op === 'repeat' && re.counted) {
    let m = re.max;
    if (m === 0) return true;
    if (m < 0) m = re.min;
    if (m > n) return false;
    if (m > 0) n = Math.trunc(n / m);
  }
  const subs = re.op === 'repeat' ? [re.sub] : re.op === 'concat' || re.op === 'alternate' ? re.subs : [];
  return subs.every((sub) => repeatIsValid(sub, n));
}

class Parser {
  private pos = 0;
  private flags: Flags = { fold: false, dotNL: false, oneLine: true };
  private readonly frames: Frame[] = [{ alternatives: [], items: [], saved: this.flags }];
  /** Where the previous token began if it was a repetition operator, else -1. */
  private lastRepeat = -1;

  constructor(private readonly src: string) {}

  parse(): Regex {
    while (this.pos < this.src.length) {
      const start = this.pos;
      const repeated = this.step();
      this.lastRepeat = repeated ? start : -1;
    }
    if (this.frames.length > 1) throw new RegexSyntaxError('missing closing )', this.src);
    return this.finishFrame(this.top());
  }

  /** Consumes one token; reports whether it was a repetition operator. */
  private step(): boolean {
    const c = this.src[this.pos] ?? '';
    switch (c) {
      case '(':
        this.openGroup();
        return false;
      case '|':
        this.top().alternatives.push(concat(this.top().items));
        this.top().items = [];
        this.pos++;
        return false;
      case ')':
        this.closeGroup();
        return false;
      case '^':
      case '$':
        this.push({ op: 'assert', kind: this.anchorKind(c) });
        this.pos++;
        return false;
      case '.':
        this.push({ op: 'char', cls: this.dotClass() });
        this.pos++;
        return false;
      case '[':
        this.parseClass();
        return false;
      case '*':
      case '+':
      case '?':
        this.repeat(c === '+' ? 1 : 0, c === '?' ? 1 : -1, false, this.pos + 1);
        return true;
      case '{':
        return this.braces();
      case '\\':
        this.escape();
        return false;
      default:
        this.literal(this.readCodePoint());
        return false;
    }
  }

  private top(): Frame {
    const frame = this.frames[this.frames.length - 1];
    if (frame === undefined) throw new Error('regex parser lost its root frame');
    return frame;
  }

  private push(re: Regex): void {
    this.top().items.push(re);
  }

  private readCodePoint(): number {
    const cp = this.src.codePointAt(this.pos) ?? 0;
    this.pos += cp > 0xffff ? 2 : 1;
    return cp;
  }

  private anchorKind(c: '^' | '$'): AssertKind {
    if (c === '^') return this.flags.oneLine ? 'beginText' : 'beginLine';
    return this.flags.oneLine ? 'endText' : 'endLine';
  }

  private dotClass(): CharClass {
    const builder = new ClassBuilder();
    if (this.flags.dotNL) return builder.addRange(0, MAX_RUNE, false).build(false);
    return builder.addRange(0x0a, 0x0a, false).build(true);
  }

  private literal(cp: number): void {
    const builder = new ClassBuilder();
    const orbit = this.flags.fold ? foldOrbit(cp) : undefined;
    for (const member of orbit ?? [cp]) builder.addRange(member, member, false);
    this.push({ op: 'char', cls: builder.build(false) });
  }

  private finishFrame(frame: Frame): Regex {
    const alternatives = [...frame.alternatives, concat(frame.items)];
    return alternatives.length === 1 ? (alternatives[0] ?? EMPTY) : { op: 'alternate', subs: alternatives };
  }

  private closeGroup(): void {
    const frame = this.frames.pop();
    if (frame === undefined || this.frames.length === 0) throw new RegexSyntaxError('unexpected )', this.src);
    this.flags = frame.saved;
    this.push(this.finishFrame(frame));
    this.pos++;
  }

  /** `(`, `(?:`, `(?flags)`, `(?flags:`, `(?P<name>`, `(?<name>` (Go's parsePerlFlags). */
  private openGroup(): void {
    const s = this.pos;
    if (this.src[s + 1] !== '?') {
      this.frames.push({ alternatives: [], items: [], saved: this.flags });
      this.pos = s + 1;
      return;
    }
    const rest = this.src.length - s;
    const startsWithP = rest > 4 && this.src[s + 2] === 'P' && this.src[s + 3] === '<';
    if (startsWithP || (rest > 3 && this.src[s + 2] === '<')) {
      this.namedGroup(s, startsWithP ? s + 4 : s + 3);
      return;
    }
    this.flagGroup(s);
  }

  private namedGroup(s: number, nameStart: number): void {
    const end = this.src.indexOf('>', s);
    if (end < 0) throw new RegexSyntaxError('invalid named capture', this.src.slice(s));
    if (!/^[A-Za-z0-9_]+$/.test(this.src.slice(nameStart, end))) {
      throw new RegexSyntaxError('invalid named capture', this.src.slice(s, end + 1));
    }
    this.frames.push({ alternatives: [], items: [], saved: this.flags });
    this.pos = end + 1;
  }

  private flagGroup(s: number): void {
    let t = s + 2;
    let flags = { ...this.flags };
    let negated = false;
    let sawFlag = false;
    while (t < this.src.length) {
      const c = String.fromCodePoint(this.src.codePointAt(t) ?? 0);
      t += c.length;
      if (c === 'i' || c === 's' || c === 'm' || c === 'U') {
        if (c === 'i') flags = { ...flags, fold: !negated };
        if (c === 's') flags = { ...flags, dotNL: !negated };
        if (c === 'm') flags = { ...flags, oneLine: negated };
        sawFlag = true;
      } else if (c === '-' && !negated) {
        negated = true;
        sawFlag = false;
      } else if ((c === ':' || c === ')') && (!negated || sawFlag)) {
        if (c === ':') this.frames.push({ alternatives: [], items: [], saved: this.flags });
        this.flags = flags;
        this.pos = t;
        return;
      } else {
        break;
      }
    }
    throw new RegexSyntaxError('invalid or unsupported Perl syntax', this.src.slice(s, t));
  }

  /** Applies * + ? {n,m} to the previous item (Go's parser.repeat). */
  private repeat(min: number, max: number, counted: boolean, after: number): void {
    const before = this.pos;
    let end = after;
    if (this.src[end] === '?') end++; // non-greedy: irrelevant to whether there is a match
    if (this.lastRepeat >= 0) throw new RegexSyntaxError('invalid nested repetition operator', this.src.slice(this.lastRepeat, end));
    const items = this.top().items;
    const sub = items.pop();
    if (sub === undefined) throw new RegexSyntaxError('missing argument to repetition operator', this.src.slice(before, end));
    const re: Regex = { op: 'repeat', sub, min, max, counted };
    if (counted && (min >= 2 || max >= 2) && !repeatIsValid(re, MAX_REPEAT)) {
      throw new RegexSyntaxError('invalid repeat count', this.src.slice(before, end));
    }
    items.push(re);
    this.pos = end;
  }

  /** `{n}`, `{n,}`, `{n,m}` — or a literal `{` when it is not one of those. */
  private braces(): boolean {
    const m = /^\{(0|[1-9][0-9]*)(?:(,)(0|[1-9][0-9]*)?)?\}/.exec(this.src.slice(this.pos));
    if (m === null) {
      this.literal(this.readCodePoint());
      return false;
    }
    const [text, minText = '', comma, maxText] = m;
    // Go's parseInt gives up above 1e8; anything that large is out of range anyway.
    const min = minText.length > 9 ? Infinity : Number(minText);
    const max = comma === undefined ? min : maxText === undefined ? -1 : maxText.length > 9 ? Infinity : Number(maxText);
    const after = this.pos + text.length;
    if (min > MAX_REPEAT || max > MAX_REPEAT || (max >= 0 && min > max)) {
      throw new RegexSyntaxError('invalid repeat count', this.src.slice(this.pos, after));
    }
    this.repeat(min, max, true, after);
    return true;
  }

  private escape(): void {
    const s = this.pos;
    const next = this.src[s + 1];
    const asserts: Readonly<Record<string, AssertKind>> = { A: 'beginText', b: 'wordBoundary', B: 'noWordBoundary', z: 'endText' };
    const kind = next === undefined ? undefined : asserts[next];
    if (kind !== undefined) {
      this.push({ op: 'assert', kind });
      this.pos = s + 2;
      return;
    }
    if (next === 'C') throw new RegexSyntaxError('invalid escape sequence', '\\C');
    if (next === 'Q') {
      const end = this.src.indexOf('\\E', s + 2);
      const quoted = this.src.slice(s + 2, end < 0 ? undefined : end);
      for (const ch of quoted) this.literal(ch.codePointAt(0) ?? 0);
      this.pos = end < 0 ? this.src.length : end + 2;
      return;
    }
    const builder = new ClassBuilder();
    const after = this.classEscape(s, builder);
    if (after !== undefined) {
      this.push({ op: 'char', cls: builder.build(false) });
      this.pos = after;
      return;
    }
    const [cp, end] = this.parseEscape(s);
    this.pos = end;
    this.literal(cp);
  }

  /** \pN, \p{Name}, \PN, \d, \W, … at s into builder; the index after it, or undefined. */
  private classEscape(s: number, builder: ClassBuilder): number | undefined {
    const letter = this.src[s + 1];
    if (letter === 'p' || letter === 'P') return this.unicodeClass(s, builder);
    const group = letter === undefined ? undefined : PERL_GROUPS[letter.toLowerCase()];
    if (group === undefined) return undefined;
    builder.addRanges(group, letter !== letter?.toLowerCase(), this.flags.fold);
    return s + 2;
  }

  private unicodeClass(s: number, builder: ClassBuilder): number {
    let negated = this.src[s + 1] === 'P';
    const t = s + 2;
    const c = t < this.src.length ? String.fromCodePoint(this.src.codePointAt(t) ?? 0) : '';
    let seq: string;
    let name: string;
    let after: number;
    if (c !== '{') {
      [seq, name, after] = [this.src.slice(s, t + c.length), c, t + c.length];
    } else {
      const end = this.src.indexOf('}', s);
      if (end < 0) throw new RegexSyntaxError('invalid character class range', this.src.slice(s));
      [seq, name, after] = [this.src.slice(s, end + 1), this.src.slice(s + 3, end), end + 1];
    }
    if (name.startsWith('^')) {
      negated = !negated;
      name = name.slice(1);
    }
    const test = unicodeTable(name);
    if (test === undefined) throw new RegexSyntaxError('invalid character class range', seq);
    builder.addProperty(test, negated, this.flags.fold);
    return after;
  }

  /** One escaped character at s (the backslash): [code point, index after it]. */
  private parseEscape(s: number): [number, number] {
    let t = s + 1;
    if (t >= this.src.length) throw new RegexSyntaxError('trailing backslash at end of expression', '');
    const c = String.fromCodePoint(this.src.codePointAt(t) ?? 0);
    t += c.length;
    const bad = (): RegexSyntaxError => new RegexSyntaxError('invalid escape sequence', this.src.slice(s, t));
    if (c < '\x80' && !isAlnum(c)) return [c.charCodeAt(0), t];
    if (c >= '1' && c <= '7' && !isOctal(this.src[t])) throw bad(); // \1-\7 alone: a backreference
    if (c >= '0' && c <= '7') {
      let r = c.charCodeAt(0) - 48;
      for (let i = 1; i < 3 && isOctal(this.src[t]); i++, t++) r = r * 8 + (this.src.charCodeAt(t) - 48);
      return [r, t];
    }
    const control = CONTROL_ESCAPES[c];
    if (control !== undefined) return [control, t];
    if (c !== 'x' || t >= this.src.length) throw bad();
    const first = String.fromCodePoint(this.src.codePointAt(t) ?? 0);
    t += first.length;
    if (first === '{') return this.braceHex(s, t);
    const x = unhex(first);
    const second = t < this.src.length ? String.fromCodePoint(this.src.codePointAt(t) ?? 0) : '';
    t += second.length;
    if (x < 0 || second === '' || unhex(second) < 0) throw bad();
    return [x * 16 + unhex(second), t];
  }

  /** \x{…}: at least one hex digit, at most MAX_RUNE. */
  private braceHex(s: number, t: number): [number, number] {
    let r = 0;
    let digits = 0;
    for (;;) {
      if (t >= this.src.length) throw new RegexSyntaxError('invalid escape sequence', this.src.slice(s, t));
      const c = String.fromCodePoint(this.src.codePointAt(t) ?? 0);
      t += c.length;
      if (c === '}') break;
      const v = unhex(c);
      r = r * 16 + v;
      if (v < 0 || r > MAX_RUNE) throw new RegexSyntaxError('invalid escape sequence', this.src.slice(s, t));
      digits++;
    }
    if (digits === 0) throw new RegexSyntaxError('invalid escape sequence', this.src.slice(s, t));
    return [r, t];
  }

  /** A bracket expression `[…]` or `[^…]` (Go's parseClass, Perl flavour). */
  private parseClass(): void {
    const s = this.pos;
    let t = s + 1;
    const negate = this.src[t] === '^';
    if (negate) t++;
    const builder = new ClassBuilder();
    for (let first = true; t >= this.src.length || this.src[t] !== ']' || first; first = false) {
      const named = this.namedClass(t, builder);
      if (named !== undefined) {
        t = named;
        continue;
      }
      if (this.src[t] === '\\') {
        const after = this.classEscape(t, builder);
        if (after !== undefined) {
          t = after;
          continue;
        }
      }
      t = this.classRange(s, t, builder);
    }
    this.push({ op: 'char', cls: builder.build(negate) });
    this.pos = t + 1;
  }

  /** [:alpha:] or [:^alpha:] at t; the index after it, or undefined when there is none. */
  private namedClass(t: number, builder: ClassBuilder): number | undefined {
    if (this.src.length - t <= 2 || this.src[t] !== '[' || this.src[t + 1] !== ':') return undefined;
    const close = this.src.indexOf(':]', t + 2);
    if (close < 0) return undefined;
    const name = this.src.slice(t, close + 2);
    const negate = name[2] === '^';
    const key = name.slice(negate ? 3 : 2, -2);
    if (!Object.hasOwn(POSIX_GROUPS, key)) throw new RegexSyntaxError('invalid character class range', name);
    builder.addRanges(POSIX_GROUPS[key] ?? [], negate, this.flags.fold);
    return close + 2;
  }

  /** A single character or a range `a-z` inside a class; the index after it. */
  private classRange(s: number, t: number, builder: ClassBuilder): number {
    const rangeStart = t;
    let lo: number;
    [lo, t] = this.classChar(s, t);
    let hi = lo;
    if (this.src.length - t >= 2 && this.src[t] === '-' && this.src[t + 1] !== ']') {
      [hi, t] = this.classChar(s, t + 1);
      if (hi < lo) throw new RegexSyntaxError('invalid character class range', this.src.slice(rangeStart, t));
    }
    builder.addRange(lo, hi, this.flags.fold);
    return t;
  }

  private classChar(s: number, t: number): [number, number] {
    if (t >= this.src.length) throw new RegexSyntaxError('missing closing ]', this.src.slice(s));
    if (this.src[t] === '\\') return this.parseEscape(t);
    const cp = this.src.codePointAt(t) ?? 0;
    return [cp, t + (cp > 0xffff ? 2 : 1)];
  }
}

/** Parses an RE2 pattern; throws RegexSyntaxError with Go's text when Go would refuse it. */
export function parseRegex(pattern: string): Regex {
  return new Parser(pattern).parse();
}
