// The typed SDK against a running agent (`npm start`): write a key, then block until it changes.
//   npx tsx examples/sdk-watch.ts [http://127.0.0.1:8500]
import { createCairnClient, decodeValue, queryMeta, rawBody } from '../openapi/sdk/index.ts';

/** A KV read answers entries (or key names with ?keys, or text with ?raw): the first entry's value. */
const valueOf = (data: string | readonly (string | { Value: string | null })[] | undefined): string => {
  const entry = Array.isArray(data) ? data[0] : undefined;
  return typeof entry === 'object' ? decodeValue(entry.Value) : '';
};

const sdk = createCairnClient({ baseUrl: process.argv[2] ?? 'http://127.0.0.1:8500', token: process.env['CONSUL_HTTP_TOKEN'] ?? '' });

await sdk.PUT('/v1/kv/{key}', { params: { path: { key: 'app/config' } }, body: 'max_conns=100', ...rawBody });
const first = await sdk.GET('/v1/kv/{key}', { params: { path: { key: 'app/config' } } });
const { index } = queryMeta(first.response);
console.log(`app/config = ${valueOf(first.data)} at index ${index}`);

// Another writer changes the key a second later; the blocking read returns then, not before.
setTimeout(() => void sdk.PUT('/v1/kv/{key}', { params: { path: { key: 'app/config' } }, body: 'max_conns=200', ...rawBody }), 1_000);
const started = performance.now();
const next = await sdk.GET('/v1/kv/{key}', { params: { path: { key: 'app/config' }, query: { index: String(index), wait: '30s' } } });
const waited = ((performance.now() - started) / 1000).toFixed(1);
console.log(`app/config = ${valueOf(next.data)} at index ${queryMeta(next.response).index} (woke after ${waited} s)`);
