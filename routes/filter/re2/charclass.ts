// Character classes for the RE2 engine: sorted code-point ranges (what Go's regexp/syntax
// keeps) plus Unicode-property terms, which stay symbolic (a \p{L} table is thousands of
// ranges; JS can test membership directly). Folding for (?i) happens at build time for
// ranges and at match time for properties.
import { foldableCodePoints, foldOrbit, MAX_FOLD, MIN_FOLD } from './fold.ts';

export const MAX_RUNE = 0x10ffff;

/** A Unicode property term such as \p{Greek} or \P{Lu}. */
interface PropertyTerm {
  readonly test: (cp: number) => boolean;
  readonly negated: boolean;
  /** Built under (?i): a code point matches if any member of its fold orbit does. */
  readonly fold: boolean;
}

const ASCII_LIMIT = 128;

export class CharClass {
  /** ASCII membership, precomputed because nearly every byte matched is ASCII. */
  private readonly ascii = new Uint8Array(ASCII_LIMIT);

  constructor(
    /** Sorted, disjoint, non-adjacent [lo, hi] pairs. */
    private readonly ranges: readonly number[],
    private readonly props: readonly PropertyTerm[],
    private readonly negated: boolean,
  ) {
    for (let cp = 0; cp < ASCII_LIMIT; cp++) this.ascii[cp] = this.compute(cp) ? 1 : 0;
  }

  has(cp: number): boolean {
    return cp < ASCII_LIMIT ? this.ascii[cp] === 1 : this.compute(cp);
  }

  /** The single code point this class matches, if that is all it matches. */
  singleCodePoint(): number | undefined {
    const [lo, hi] = this.ranges;
    if (this.negated || this.props.length > 0 || this.ranges.length !== 2 || lo !== hi) return undefined;
    return lo;
  }

  private compute(cp: number): boolean {
    return (this.inRanges(cp) || this.props.some((p) => propertyHas(p, cp))) !== this.negated;
  }

  private inRanges(cp: number): boolean {
    let lo = 0;
    let hi = this.ranges.length / 2 - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (cp < (this.ranges[2 * mid] ?? 0)) hi = mid - 1;
      else if (cp > (this.ranges[2 * mid + 1] ?? 0)) lo = mid + 1;
      else return true;
    }
    return false;
  }
}

function propertyHas(p: PropertyTerm, cp: number): boolean {
  const hit = p.fold ? (foldOrbit(cp) ?? [cp]).some(p.test) : p.test(cp);
  return hit !== p.negated;
}

/** Sorts and merges range pairs (Go's cleanClass). */
function clean(pairs: readonly number[]): number[] {
  const list: [number, number][] = [];
  for (let i = 0; i < pairs.length; i += 2) list.push([pairs[i] ?? 0, pairs[i + 1] ?? 0]);
  list.sort((a, b) => a[0] - b[0] || b[1] - a[1]);
  const out: number[] = [];
  for (const [lo, hi] of list) {
    const last = out.length - 1;
    if (last > 0 && lo <= (out[last] ?? 0) + 1) out[last] = Math.max(out[last] ?? 0, hi);
    else out.push(lo, hi);
  }
  return out;
}

/** The complement of clean ranges within [0, MAX_RUNE]. */
function negateRanges(ranges: readonly number[]): number[] {
  const out: number[] = [];
  let next = 0;
  for (let i = 0; i < ranges.length; i += 2) {
    const lo = ranges[i] ?? 0;
    if (next <= lo - 1) out.push(next, lo - 1);
    next = (ranges[i + 1] ?? 0) + 1;
  }
  if (next <= MAX_RUNE) out.push(next, MAX_RUNE);
  return out;
}

/** Accumulates one class (a bracket expression, an escape like \d, a literal, `.`). */
export class ClassBuilder {
  private pairs: number[] = [];
  private readonly props: PropertyTerm[] = [];

  addRange(lo: number, hi: number, fold: boolean): this {
    if (!fold) {
      this.pairs.push(lo, hi);
      return this;
    }
    // Go's appendFoldedRange: only [MIN_FOLD, MAX_FOLD] can gain members.
    this.pairs.push(lo, hi);
    const from = Math.max(lo, MIN_FOLD);
    const to = Math.min(hi, MAX_FOLD);
    if (from > to || (lo <= MIN_FOLD && hi >= MAX_FOLD)) return this;
    for (const cp of foldableCodePoints()) {
      if (cp < from) continue;
      if (cp > to) break;
      for (const member of foldOrbit(cp) ?? []) this.pairs.push(member, member);
    }
    return this;
  }

  /** Adds clean ranges, optionally negated first (\D, [:^alpha:]), folding them under (?i). */
  addRanges(ranges: readonly number[], negate: boolean, fold: boolean): this {
    let source = ranges;
    if (fold) {
      const folded = new ClassBuilder();
      for (let i = 0; i < ranges.length; i += 2) folded.addRange(ranges[i] ?? 0, ranges[i + 1] ?? 0, true);
      source = clean(folded.pairs);
    }
    const add = negate ? negateRanges(clean(source)) : source;
    this.pairs.push(...add);
    return this;
  }

  addProperty(test: (cp: number) => boolean, negated: boolean, fold: boolean): this {
    this.props.push({ test, negated, fold });
    return this;
  }

  build(negate: boolean): CharClass {
    return new CharClass(clean(this.pairs), [...this.props], negate);
  }
}

/** Perl classes (\d \s \w, upper case negates), ASCII-only as in RE2. */
export const PERL_GROUPS: Readonly<Record<string, readonly number[]>> = {
  d: [0x30, 0x39],
  s: [0x09, 0x0a, 0x0c, 0x0d, 0x20, 0x20],
  w: [0x30, 0x39, 0x41, 0x5a, 0x5f, 0x5f, 0x61, 0x7a],
};

/** POSIX classes valid inside brackets ([[:alpha:]], [[:^alpha:]]). */
export const POSIX_GROUPS: Readonly<Record<string, readonly number[]>> = {
  alnum: [0x30, 0x39, 0x41, 0x5a, 0x61, 0x7a],
  alpha: [0x41, 0x5a, 0x61, 0x7a],
  ascii: [0x00, 0x7f],
  blank: [0x09, 0x09, 0x20, 0x20],
  cntrl: [0x00, 0x1f, 0x7f, 0x7f],
  digit: [0x30, 0x39],
  graph: [0x21, 0x7e],
  lower: [0x61, 0x7a],
  print: [0x20, 0x7e],
  punct: [0x21, 0x2f, 0x3a, 0x40, 0x5b, 0x60, 0x7b, 0x7e],
  space: [0x09, 0x0d, 0x20, 0x20],
  upper: [0x41, 0x5a],
  word: [0x30, 0x39, 0x41, 0x5a, 0x5f, 0x5f, 0x61, 0x7a],
  xdigit: [0x30, 0x39, 0x41, 0x46, 0x61, 0x66],
};

/** Go's unicode.Categories keys (Go's "C" excludes unassigned code points, unlike JS's). */
const CATEGORIES: Readonly<Record<string, string>> = {
  C: '\\p{Cc}\\p{Cf}\\p{Co}\\p{Cs}',
  ...Object.fromEntries(
    ['Cc', 'Cf', 'Co', 'Cs', 'L', 'Ll', 'Lm', 'Lo', 'Lt', 'Lu', 'M', 'Mc', 'Me', 'Mn', 'N', 'Nd', 'Nl', 'No', 'P', 'Pc', 'Pd', 'Pe', 'Pf', 'Pi', 'Po', 'Ps', 'S', 'Sc', 'Sk', 'Sm', 'So', 'Z', 'Zl', 'Zp', 'Zs'].map((c) => [c, `\\p{${c}}`]),
  ),
};

/** Only known names are cached, so the cache is bounded by the Unicode tables themselves. */
const propertyCache = new Map<string, (cp: number) => boolean>();

/**
 * Membership test for a Go Unicode table name (\p{Greek}, \pL, \p{Any}), or undefined for an
 * unknown name. Scripts are whatever the JS engine knows by that name (Go's tables come from
 * the same Unicode data; JS also accepts 4-letter script aliases, which Go does not).
 */
export function unicodeTable(name: string): ((cp: number) => boolean) | undefined {
  if (name === 'Any') return () => true;
  const cached = propertyCache.get(name);
  if (cached !== undefined) return cached;
  const body = CATEGORIES[name] ?? (/^[A-Za-z_]+$/.test(name) ? `\\p{Script=${name}}` : undefined);
  if (body === undefined) return undefined;
  let re: RegExp;
  try {
    re = new RegExp(`^[${body}]$`, 'u');
  } catch {
    return undefined;
  }
  const test = (cp: number): boolean => re.test(String.fromCodePoint(cp));
  propertyCache.set(name, test);
  return test;
}
