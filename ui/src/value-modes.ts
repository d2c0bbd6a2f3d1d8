// KV values as text: decoding Consul's base64 (binary values are detected, not mangled) and
// validating a value against the mode the user picked before it can be saved.
import { parse as parseYaml } from 'yaml';

export type ValueMode = 'plain' | 'json' | 'yaml';
export const VALUE_MODES: readonly ValueMode[] = ['plain', 'json', 'yaml'];

export type Decoded = { readonly kind: 'text'; readonly text: string } | { readonly kind: 'binary'; readonly bytes: number };

export function decodeValue(base64: string | null): Decoded {
  if (base64 === null) return { kind: 'text', text: '' };
  const binary = atob(base64);
  const bytes = Uint8Array.from(binary, (ch) => ch.charCodeAt(0));
  try {
    return { kind: 'text', text: new TextDecoder('utf-8', { fatal: true }).decode(bytes) };
  } catch {
    return { kind: 'binary', bytes: bytes.length };
  }
}

/** The validation error for `text` in `mode`, or null when it is valid. */
export function validateValue(mode: ValueMode, text: string): string | null {
  try {
    if (mode === 'json') JSON.parse(text);
    if (mode === 'yaml') parseYaml(text);
    return null;
  } catch (err) {
    return `Not valid ${mode === 'json' ? 'JSON' : 'YAML'}: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`;
  }
}

/** A first guess at the mode of an existing value: JSON objects and arrays are shown as JSON. */
export function guessMode(text: string): ValueMode {
  const trimmed = text.trim();
  if ((trimmed.startsWith('{') || trimmed.startsWith('[')) && validateValue('json', trimmed) === null) return 'json';
  return 'plain';
}

/** Flags are a uint64 in Consul; the UI accepts the safe-integer part of that range. */
export function parseFlags(text: string): number | null {
  if (!/^\d+$/.test(text.trim())) return null;
  const value = Number(text.trim());
  return Number.isSafeInteger(value) ? value : null;
}
