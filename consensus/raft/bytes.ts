// Shared immutable byte values, so empty payloads do not allocate.

/** An empty payload (Noop entries, snapshot-send requests). Never written to. */
export const EMPTY_BYTES: Uint8Array = new Uint8Array(0);
