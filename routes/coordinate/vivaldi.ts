// Vivaldi network coordinates as serf computes them (serf/coordinate): an 8-dimensional
// Euclidean position plus a height (the access-link latency) and an adjustment term, with
// distances in seconds. Pure math, used by ?near= sorting and by the servers' own coordinate
// updates from measured round trips.

export interface Coordinate {
  readonly Vec: readonly number[];
  readonly Error: number;
  readonly Adjustment: number;
  readonly Height: number;
}

/** serf's DefaultConfig. */
export const VIVALDI = {
  dimensionality: 8,
  errorMax: 1.5,
  ce: 0.25,
  cc: 0.25,
  heightMin: 10.0e-6,
  /** Samples in the adjustment window. */
  adjustmentWindowSize: 20,
  /** Gravity pulls coordinates toward the origin so they do not drift without bound. */
  gravityRho: 150.0,
} as const;

/** A fresh coordinate at the origin with maximal error. */
export function originCoordinate(): Coordinate {
  return { Vec: new Array<number>(VIVALDI.dimensionality).fill(0), Error: VIVALDI.errorMax, Adjustment: 0, Height: VIVALDI.heightMin };
}

const magnitude = (v: readonly number[]): number => Math.sqrt(v.reduce((sum, x) => sum + x * x, 0));
const diff = (a: readonly number[], b: readonly number[]): number[] => a.map((x, i) => x - (b[i] ?? 0));

/** The estimated round-trip time between two coordinates, in seconds. */
export function distanceSeconds(a: Coordinate, b: Coordinate): number {
  const raw = magnitude(diff(a.Vec, b.Vec)) + a.Height + b.Height;
  const adjusted = raw + a.Adjustment + b.Adjustment;
  return adjusted > 0 ? adjusted : raw;
}

/** A unit vector from b toward a (random when they coincide, as serf does). */
function unitVectorAt(a: readonly number[], b: readonly number[], random: () => number): { unit: number[]; mag: number } {
  const d = diff(a, b);
  const mag = magnitude(d);
  if (mag > 1.0e-6) return { unit: d.map((x) => x / mag), mag };
  const r = a.map(() => random() - 0.5);
  const rm = magnitude(r);
  return rm > 1.0e-6 ? { unit: r.map((x) => x / rm), mag: 0 } : { unit: a.map((_, i) => (i === 0 ? 1 : 0)), mag: 0 };
}

/**
 * One Vivaldi step: moves `own` toward or away from `other` so that their distance better
 * matches the measured round trip (seconds), weighting by both error estimates.
 */
export function vivaldiUpdate(own: Coordinate, other: Coordinate, rttSeconds: number, random: () => number): Coordinate {
  const rtt = Math.max(rttSeconds, 1.0e-6);
  const dist = distanceSeconds(own, other);
  const totalError = Math.max(own.Error + other.Error, 1.0e-6);
  const weight = own.Error / totalError;
  const relativeError = Math.abs(dist - rtt) / rtt;
  const error = Math.min(VIVALDI.ce * weight * relativeError + own.Error * (1 - VIVALDI.ce * weight), VIVALDI.errorMax);
  const force = VIVALDI.cc * weight * (rtt - dist);
  const { unit, mag } = unitVectorAt(own.Vec, other.Vec, random);
  let vec = own.Vec.map((x, i) => x + (unit[i] ?? 0) * force);
  let height = own.Height;
  if (mag > 1.0e-6) height = Math.max((own.Height + other.Height) * force / mag + own.Height, VIVALDI.heightMin);
  // Gravity toward the origin keeps the whole system from drifting.
  const g = magnitude(vec) / VIVALDI.gravityRho;
  if (g > 0) {
    const pull = -(g * g);
    const { unit: toward } = unitVectorAt(vec, new Array<number>(vec.length).fill(0), random);
    vec = vec.map((x, i) => x + (toward[i] ?? 0) * pull);
  }
  return { Vec: vec, Error: error, Adjustment: own.Adjustment, Height: height };
}

/** Sorts `items` by estimated RTT from `source` (stable); items without a coordinate go last. */
export function sortByDistance<T>(items: readonly T[], source: Coordinate | undefined, coordOf: (item: T) => Coordinate | undefined): T[] {
  if (source === undefined) return [...items];
  const keyed = items.map((item, i) => {
    const c = coordOf(item);
    return { item, i, d: c === undefined ? Number.POSITIVE_INFINITY : distanceSeconds(source, c) };
  });
  keyed.sort((a, b) => (a.d === b.d ? a.i - b.i : a.d < b.d ? -1 : 1));
  return keyed.map((k) => k.item);
}
