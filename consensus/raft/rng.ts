// A small seeded PRNG with an integer-only API, shared by the core (election jitter) and the
// simulation (network, disk and workload faults). It is in-house so its stream never changes
// under a dependency upgrade: a seed replays the same run forever.
//
// Generator: xoshiro128** (Blackman & Vigna), 128 bits of state, seeded through SplitMix32.
// All arithmetic is 32-bit (Math.imul, >>> 0), so results are identical on every platform.

import { assert } from './assert.ts';

export interface Rng {
  /** A uniform integer in [0, 2^32). */
  u32(): number;
  /** A uniform integer in [0, n); n must be a positive safe integer below 2^32. */
  int(n: number): number;
  /** True with probability num/den. */
  chance(num: number, den: number): boolean;
  /** A uniformly chosen element of a non-empty array. */
  pick<T>(items: readonly T[]): T;
  /** Shuffles in place (Fisher–Yates) and returns the same array. */
  shuffle<T>(items: T[]): T[];
  /** An independent stream derived from this one's seed and `label`; does not advance this one. */
  fork(label: string): Rng;
}

const U32 = 0x1_0000_0000;

function splitMix32(state: { s: number }): number {
  state.s = (state.s + 0x9e3779b9) >>> 0;
  let z = state.s;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
  return (z ^ (z >>> 16)) >>> 0;
}

/** FNV-1a over UTF-16 code units: a stable 32-bit hash for seeds and fork labels. */
function hash32(text: string, basis = 0x811c9dc5): number {
  let h = basis >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

class Xoshiro128 implements Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  private readonly seedWord: number;

  constructor(seedWord: number) {
    this.seedWord = seedWord >>> 0;
    const sm = { s: this.seedWord };
    this.a = splitMix32(sm);
    this.b = splitMix32(sm);
    this.c = splitMix32(sm);
    this.d = splitMix32(sm);
    // An all-zero state would be a fixed point; SplitMix32 never yields four zeros, but check.
    assert((this.a | this.b | this.c | this.d) !== 0, 'rng state must not be all zero');
  }

  u32(): number {
    const result = Math.imul(rotl(Math.imul(this.b, 5) >>> 0, 7), 9) >>> 0;
    const t = (this.b << 9) >>> 0;
    this.c ^= this.a;
    this.d ^= this.b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = rotl(this.d, 11);
    this.a >>>= 0;
    this.b >>>= 0;
    this.c >>>= 0;
    return result;
  }

  int(n: number): number {
    assert(Number.isSafeInteger(n) && n > 0 && n <= U32, `rng.int: bad bound ${n}`);
    // Rejection sampling removes modulo bias: retry draws from the incomplete last bucket.
    const limit = U32 - (U32 % n);
    for (;;) {
      const x = this.u32();
      if (x < limit) return x % n;
    }
  }

  chance(num: number, den: number): boolean {
    assert(Number.isSafeInteger(num) && Number.isSafeInteger(den) && den > 0 && num >= 0, 'rng.chance: bad ratio');
    if (num >= den) return true;
    return this.int(den) < num;
  }

  pick<T>(items: readonly T[]): T {
    assert(items.length > 0, 'rng.pick: empty array');
    return items[this.int(items.length)]!;
  }

  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = items[i]!;
      items[i] = items[j]!;
      items[j] = tmp;
    }
    return items;
  }

  fork(label: string): Rng {
    return new Xoshiro128(hash32(label, this.seedWord ^ 0x5bd1e995));
  }
}

/**
 * A generator from a seed: a 32-bit unsigned integer (used as is), any other number, or a string such as a hex seed
 * printed by the simulation runner (hashed). Production drivers seed from crypto randomness.
 */
export function createRng(seed: number | string): Rng {
  const word = typeof seed === 'number' && Number.isInteger(seed) && seed >= 0 && seed < U32 ? seed : hash32(String(seed));
  return new Xoshiro128(word);
}
