// Reading request bodies without ever holding more than the limit: a declared Content-Length
// over the limit is refused before a byte is read, and a chunked body is cut off (and the
// stream cancelled) as soon as it passes the limit.
import type { Context } from 'hono';
import type { HttpError } from './errors.ts';

export interface BodyLimit {
  readonly maxBytes: number;
  /** The answer for a Content-Length over the limit (Consul quotes the declared size). */
  readonly declaredTooLarge: (declared: number) => HttpError;
  /** The answer for a body that grew past the limit while streaming. */
  readonly streamedTooLarge: () => HttpError;
}

/** The request's Content-Length, or null when absent or not a plain decimal (chunked). */
export function declaredLength(c: Context): number | null {
  const header = c.req.header('content-length');
  if (header === undefined || !/^[0-9]+$/.test(header.trim())) return null;
  return Number(header.trim());
}

/** Reads the whole body, at most `limit.maxBytes` of it; throws the limit's HttpError past that. */
export async function readBodyLimited(c: Context, limit: BodyLimit): Promise<Uint8Array> {
  const declared = declaredLength(c);
  if (declared !== null && declared > limit.maxBytes) throw limit.declaredTooLarge(declared);
  // A declared length within the limit bounds what the HTTP parser delivers: read it in one go
  // (on Node the adapter reads the socket directly instead of building a web stream per request).
  if (declared !== null) return new Uint8Array(await c.req.raw.arrayBuffer());
  const stream = c.req.raw.body;
  if (stream === null) return new Uint8Array(0);
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  // Bounded: every iteration adds bytes, and the loop stops once total passes maxBytes.
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit.maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw limit.streamedTooLarge();
    }
    chunks.push(value);
  }
  return chunks.length === 1 ? (chunks[0] as Uint8Array) : Buffer.concat(chunks, total);
}

/** Decodes body bytes as UTF-8 (invalid sequences become U+FFFD, as Go's decoder does). */
export const utf8Text = (bytes: Uint8Array): string => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
