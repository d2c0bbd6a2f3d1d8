// Unicode simple case folding, as Go's unicode.SimpleFold orbits: the set of code points
// that `(?i)` treats as equal to a given one (k, K and the Kelvin sign U+212A form one orbit).
// JS has no SimpleFold, so the orbits are derived once from toUpperCase/toLowerCase: two
// code points fold together when upper-then-lower casing maps them to the same code point.

/** The range Go's regexp folds over (regexp/syntax minFold, maxFold for Unicode 15). */
export const MIN_FOLD = 0x41;
export const MAX_FOLD = 0x1e943;

/**
 * Code points whose simple case mapping is not a case folding: dotless ı upper-cases to I,
 * but CaseFolding.txt gives it no simple fold, so in Go `(?i)i` does not match ı.
 */
const NOT_FOLDED = new Set([0x131]);

let orbits: ReadonlyMap<number, readonly number[]> | undefined;
let foldable: readonly number[] | undefined;

const single = (s: string): number | undefined => {
  const cp = s.codePointAt(0);
  return cp !== undefined && String.fromCodePoint(cp).length === s.length ? cp : undefined;
};

function foldKey(cp: number): number {
  if (NOT_FOLDED.has(cp)) return cp;
  const upper = single(String.fromCodePoint(cp).toUpperCase()) ?? cp;
  if (NOT_FOLDED.has(upper)) return cp;
  return single(String.fromCodePoint(upper).toLowerCase()) ?? upper;
}

/** Follows keys to a fixed point so that chains (x → y → z) land in one orbit. */
function rootKey(cp: number): number {
  let key = foldKey(cp);
  // Casing chains are at most two steps long; four is a generous bound.
  for (let step = 0; step < 4; step++) {
    const next = foldKey(key);
    if (next === key) return key;
    key = next;
  }
  return key;
}

/** Code points that change under some case mapping; only these can share an orbit. */
function casedCodePoints(): number[] {
  const found: number[] = [];
  const CHUNK = 4096; // code points per String.fromCodePoint call (argument-count bound)
  for (let lo = MIN_FOLD; lo <= MAX_FOLD; lo += CHUNK) {
    const chunk: number[] = [];
    for (let cp = lo; cp < lo + CHUNK && cp <= MAX_FOLD; cp++) if (cp < 0xd800 || cp > 0xdfff) chunk.push(cp);
    for (const m of String.fromCodePoint(...chunk).matchAll(/\p{Changes_When_Casemapped}/gu)) found.push(m[0].codePointAt(0) ?? 0);
  }
  return found;
}

function buildOrbits(): ReadonlyMap<number, readonly number[]> {
  const groups = new Map<number, number[]>();
  for (const cp of casedCodePoints()) {
    const key = rootKey(cp);
    if (key === cp) continue;
    let group = groups.get(key);
    if (group === undefined) {
      group = [key];
      groups.set(key, group);
    }
    group.push(cp);
  }
  const byMember = new Map<number, readonly number[]>();
  for (const group of groups.values()) {
    const sorted = [...new Set(group)].sort((a, b) => a - b);
    for (const cp of sorted) byMember.set(cp, sorted);
  }
  return byMember;
}

/** The fold orbit of cp (cp included), or undefined when cp folds only to itself. */
export function foldOrbit(cp: number): readonly number[] | undefined {
  if (cp < MIN_FOLD || cp > MAX_FOLD) return undefined;
  orbits ??= buildOrbits();
  return orbits.get(cp);
}

/** Every code point that has a non-trivial orbit, ascending (for folding whole ranges). */
export function foldableCodePoints(): readonly number[] {
  orbits ??= buildOrbits();
  foldable ??= [...orbits.keys()].sort((a, b) => a - b);
  return foldable;
}
