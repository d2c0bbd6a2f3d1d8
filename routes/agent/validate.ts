// Consul's metadata and weights validation (structs.ValidateServiceMetadata, ValidateWeights),
// with its texts; the agent endpoints prefix them ("Invalid Service Meta: …").

const META_KEY = /^[a-zA-Z0-9_-]+$/;
const META_KEY_MAX_LENGTH = 128;
const META_VALUE_MAX_LENGTH = 512;
const META_MAX_PAIRS = 64;
const META_RESERVED_PREFIX = 'consul-';

function metaPairError(key: string, value: string): string | null {
  if (key === '') return 'Key cannot be blank';
  if (!META_KEY.test(key)) return 'Key contains invalid characters';
  if (key.length > META_KEY_MAX_LENGTH) return `Key is too long (limit: ${META_KEY_MAX_LENGTH} characters)`;
  if (key.startsWith(META_RESERVED_PREFIX)) return `Key prefix '${META_RESERVED_PREFIX}' is reserved for internal use`;
  if (value.length > META_VALUE_MAX_LENGTH) return `Value is too long (limit: ${META_VALUE_MAX_LENGTH} characters)`;
  return null;
}

/** Service metadata: at most 64 pairs, keys [A-Za-z0-9_-]{1,128} not prefixed consul-, values ≤ 512. */
export function validateServiceMeta(meta: Readonly<Record<string, string>> | null): string | null {
  if (meta === null) return null;
  const entries = Object.entries(meta);
  if (entries.length > META_MAX_PAIRS) return `Node metadata cannot contain more than ${META_MAX_PAIRS} key/value pairs`;
  for (const [key, value] of entries) {
    const err = metaPairError(key, value);
    if (err !== null) return `Couldn't load metadata pair ('${key}', '${value}'): ${err}`;
  }
  return null;
}

/** DNS weights: Passing ≥ 1, Warning ≥ 0, both ≤ 65535. */
export function validateWeights(w: { readonly Passing: number; readonly Warning: number }): string | null {
  if (w.Passing < 1) return 'Passing must be greater than 0';
  if (w.Warning < 0) return 'Warning must be greater or equal than 0';
  if (w.Passing > 65535 || w.Warning > 65535) return 'DNS Weight must be between 0 and 65535';
  return null;
}
