// A small description of the Go type a filter runs against, enough to reproduce what
// go-bexpr derives by reflection: which selectors exist, which operators each allows, how a
// literal is coerced, and how a JSON value is read back as the Go value it was encoded from.

/**
 * The Go shapes go-bexpr distinguishes. `read` converts the JSON form of a field to the Go
 * form when they differ (serf's net.IP is bytes in Go but a dotted string in JSON).
 */
export type FilterType =
  | { readonly kind: 'string'; readonly read?: JsonReader }
  | { readonly kind: 'bool'; readonly read?: JsonReader }
  | { readonly kind: 'int'; readonly bits: 8 | 16 | 32 | 64; readonly signed: boolean; readonly read?: JsonReader }
  | { readonly kind: 'float'; readonly bits: 32 | 64; readonly read?: JsonReader }
  /** A Go slice: of primitives (in / is empty) or of structs (any element matches). */
  | { readonly kind: 'list'; readonly element: FilterType; readonly read?: JsonReader }
  /** A Go map with string keys: `Meta.key` selects a value, `in` tests for a key. */
  | { readonly kind: 'map'; readonly value: FilterType; readonly read?: JsonReader }
  | StructType;

export interface StructType {
  readonly kind: 'struct';
  /** Filterable fields by Go name; fields tagged `bexpr:"-"` are simply absent. */
  readonly fields: Readonly<Record<string, FilterType>>;
  readonly read?: JsonReader;
}

/** The element type a filter is compiled against is always a struct. */
export type FilterSchema = StructType;

export type JsonReader = (json: unknown) => unknown;

export type PrimitiveType = Extract<FilterType, { kind: 'string' | 'bool' | 'int' | 'float' }>;

export const isPrimitive = (t: FilterType): t is PrimitiveType =>
  t.kind === 'string' || t.kind === 'bool' || t.kind === 'int' || t.kind === 'float';

/** Builders, named after the Go types they stand for. */
export const goType = {
  string: { kind: 'string' } as const,
  bool: { kind: 'bool' } as const,
  /** Go's int (64-bit on every platform Consul ships for). */
  int: { kind: 'int', bits: 64, signed: true } as const,
  uint8: { kind: 'int', bits: 8, signed: false } as const,
  uint16: { kind: 'int', bits: 16, signed: false } as const,
  uint64: { kind: 'int', bits: 64, signed: false } as const,
  float32: { kind: 'float', bits: 32 } as const,
  float64: { kind: 'float', bits: 64 } as const,
  list: (element: FilterType, read?: JsonReader): FilterType =>
    read === undefined ? { kind: 'list', element } : { kind: 'list', element, read },
  map: (value: FilterType): FilterType => ({ kind: 'map', value }),
  struct: (fields: Readonly<Record<string, FilterType>>): StructType => ({ kind: 'struct', fields }),
};
