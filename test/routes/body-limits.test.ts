// Oversize bodies are refused before they are read whole (consul-api.md §1.12): a declared
// Content-Length over the limit is answered without reading a byte, and a chunked body is cut
// off as soon as it passes the limit.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startRoutesHarness, type RoutesHarness } from '../support/routes-harness.ts';

const KIB = 1024;
const LIMIT = 512 * KIB;
const CHUNK = 64 * KIB;

let h: RoutesHarness;
beforeEach(() => {
  h = startRoutesHarness();
});
afterEach(() => h.close());

/** A body of `chunks` × 64 KiB that counts how many chunks the server pulled. */
function countingBody(chunks: number): { stream: ReadableStream<Uint8Array>; pulled: () => number; cancelled: () => boolean } {
  let pulled = 0;
  let cancelled = false;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (pulled === chunks) {
        controller.close();
        return;
      }
      pulled++;
      controller.enqueue(new Uint8Array(CHUNK).fill(97));
    },
    cancel() {
      cancelled = true;
    },
  }, { highWaterMark: 0 });
  return { stream, pulled: () => pulled, cancelled: () => cancelled };
}

const send = (path: string, body: ReadableStream<Uint8Array>, contentLength?: number) =>
  h.app.request(path, {
    method: 'PUT',
    body,
    duplex: 'half',
    headers: contentLength === undefined ? {} : { 'Content-Length': String(contentLength) },
  } as RequestInit);

describe('KV values', () => {
  it('refuses a declared Content-Length over 512 KiB without reading the body', async () => {
    const body = countingBody(20);
    const res = await send('/v1/kv/big', body.stream, 20 * CHUNK);
    expect(res.status).toBe(413);
    expect(await res.text()).toBe(
      `Request body(${20 * CHUNK} bytes) too large, max size: ${LIMIT} bytes. See https://developer.hashicorp.com/docs/agent/config/config-files#kv_max_value_size.`,
    );
    expect(body.pulled()).toBe(0);
    expect(h.applier.log.length).toBe(1); // only the harness's self-registration
  });

  it('stops reading a chunked body as soon as it passes the limit', async () => {
    const body = countingBody(100);
    const res = await send('/v1/kv/big', body.stream);
    expect(res.status).toBe(413);
    expect(await res.text()).toBe(
      `Request body too large, max size: ${LIMIT} bytes. See https://developer.hashicorp.com/docs/agent/config/config-files#kv_max_value_size.`,
    );
    expect(body.pulled()).toBeLessThanOrEqual(LIMIT / CHUNK + 2);
    expect(body.cancelled()).toBe(true);
  });

  it('accepts a value of exactly 512 KiB, chunked or not', async () => {
    expect((await send('/v1/kv/exact', countingBody(LIMIT / CHUNK).stream, LIMIT)).status).toBe(200);
    expect((await send('/v1/kv/exact2', countingBody(LIMIT / CHUNK).stream)).status).toBe(200);
    const [entry] = (await (await h.request('/v1/kv/exact2')).json()) as { Value: string }[];
    expect(Buffer.from(entry!.Value, 'base64').byteLength).toBe(LIMIT);
  });

  it('checks ?flags before the size, as Consul does', async () => {
    const res = await send('/v1/kv/big?flags=x', countingBody(20).stream, 20 * CHUNK);
    expect(res.status).toBe(500);
  });
});

describe('transactions', () => {
  it('refuses a declared Content-Length over the txn limit without reading', async () => {
    const body = countingBody(20);
    const res = await send('/v1/txn', body.stream, 20 * CHUNK);
    expect(res.status).toBe(413);
    expect(await res.text()).toBe(
      `Request body(${20 * CHUNK} bytes) too large, max size: ${LIMIT} bytes. See https://www.consul.io/docs/agent/config/config-files#txn_max_req_len.`,
    );
    expect(body.pulled()).toBe(0);
  });

  it('caps a chunked txn body while reading', async () => {
    const body = countingBody(100);
    const res = await send('/v1/txn', body.stream);
    expect(res.status).toBe(413);
    expect(await res.text()).toBe(`Request body too large, max size: ${LIMIT} bytes. See https://www.consul.io/docs/agent/config/config-files#txn_max_req_len.`);
    expect(body.pulled()).toBeLessThanOrEqual(LIMIT / CHUNK + 2);
  });

  it('lets kv_max_value_size raise the txn limit', async () => {
    h.close();
    h = startRoutesHarness({ limits: { txnMaxReqLen: 1024, kvMaxValueSize: 4096 } });
    const res = await send('/v1/txn', countingBody(1).stream, 5000);
    expect(await res.text()).toBe('Request body(5000 bytes) too large, max size: 4096 bytes. See https://www.consul.io/docs/agent/config/config-files#txn_max_req_len.');
  });
});
