// Blocking queries (consul-api.md §1.8) through the real watch hub: a read with ?index parks
// until what it read changes or its wait ends, and never reports index 0.
import { afterEach, describe, expect, it } from 'vitest';
import type { WaitTimer } from '../../storage/blocking-query.ts';
import { startRoutesHarness, type RoutesHarness } from '../support/routes-harness.ts';
import { waitFor } from '../support/wait.ts';

/** Bound on waiting for a blocked request to register its watch. */
const PARK_TIMEOUT_MS = 5_000;

interface FakeTimer { ms: number; fire: () => void; cancelled: boolean }

/** A wait timer the test fires by hand, recording the wait each query asked for. */
function manualTimers(): { timer: WaitTimer; started: FakeTimer[] } {
  const started: FakeTimer[] = [];
  const timer: WaitTimer = (ms, fire) => {
    const t: FakeTimer = { ms, fire, cancelled: false };
    started.push(t);
    return () => {
      t.cancelled = true;
    };
  };
  return { timer, started };
}

let h: RoutesHarness;
afterEach(() => h.close());

const put = (key: string, body: string) => h.request(`/v1/kv/${key}`, { method: 'PUT', body });
const indexOf = (res: Response) => Number(res.headers.get('x-consul-index'));

/** Starts a request and resolves once its blocking query has registered with the hub. */
async function parked(path: string, init?: RequestInit): Promise<{ response: Promise<Response>; done: () => boolean }> {
  const watching = h.state.hub.size();
  let finished = false;
  const response = h.request(path, init).finally(() => {
    finished = true;
  });
  await waitFor(() => (h.state.hub.size() > watching ? true : undefined), { timeoutMs: PARK_TIMEOUT_MS, intervalMs: 2, what: `${path} to block` });
  return { response, done: () => finished };
}

describe('single key', () => {
  it('returns promptly after a write to that key, and not before', async () => {
    h = startRoutesHarness();
    await put('leader', 'a');
    const index = indexOf(await h.request('/v1/kv/leader'));
    const blocked = await parked(`/v1/kv/leader?index=${index}&wait=30s`);

    await put('other', 'x');
    await put('leader/child', 'x');
    expect(blocked.done()).toBe(false);
    expect(h.state.hub.size()).toBe(1);

    await put('leader', 'b');
    const res = await blocked.response;
    expect(res.status).toBe(200);
    expect(indexOf(res)).toBeGreaterThan(index);
    expect(((await res.json()) as { Value: string }[])[0]?.Value).toBe(Buffer.from('b').toString('base64'));
    expect(h.state.hub.size()).toBe(0);
  });

  it('wakes on delete and answers 404 with a newer index', async () => {
    h = startRoutesHarness();
    await put('gone', 'a');
    const index = indexOf(await h.request('/v1/kv/gone'));
    const blocked = await parked(`/v1/kv/gone?index=${index}`);
    await h.request('/v1/kv/gone', { method: 'DELETE' });
    const res = await blocked.response;
    expect(res.status).toBe(404);
    expect(indexOf(res)).toBeGreaterThan(index);
  });

  it('answers at once when the index has already moved past ?index', async () => {
    h = startRoutesHarness();
    await put('k', 'a');
    const index = indexOf(await h.request('/v1/kv/k'));
    const res = await h.request(`/v1/kv/k?index=${index - 1}`);
    expect(indexOf(res)).toBe(index);
    expect(h.state.hub.size()).toBe(0);
  });
});

describe('prefixes and sessions', () => {
  it('wakes a recursive read on a write under its prefix only', async () => {
    h = startRoutesHarness();
    await put('svc/a', '1');
    const index = indexOf(await h.request('/v1/kv/svc/?recurse'));
    const blocked = await parked(`/v1/kv/svc/?recurse&index=${index}`);
    await put('elsewhere', 'x');
    expect(blocked.done()).toBe(false);
    await put('svc/b', '2');
    const res = await blocked.response;
    expect(((await res.json()) as unknown[]).length).toBe(2);
  });

  it('wakes a session list on session create', async () => {
    h = startRoutesHarness();
    const index = indexOf(await h.request('/v1/session/list'));
    const blocked = await parked(`/v1/session/list?index=${index}`);
    await h.request('/v1/session/create', { method: 'PUT' });
    expect(((await (await blocked.response).json()) as unknown[]).length).toBe(1);
  });

  it('re-verifies leadership on every pass of a ?consistent blocking read', async () => {
    h = startRoutesHarness();
    await put('c', '1');
    const index = indexOf(await h.request('/v1/kv/c'));
    h.barriers.length = 0;
    const blocked = await parked(`/v1/kv/c?consistent&index=${index}`);
    await put('c', '2');
    await blocked.response;
    expect(h.barriers).toEqual(['consistent', 'consistent']);
  });
});

describe('waits', () => {
  it.each([
    ['', 300_000],
    ['&wait=0', 300_000],
    ['&wait=-5s', 300_000],
    ['&wait=2s', 2_000],
    ['&wait=120000ms', 120_000],
    ['&wait=1h', 600_000],
  ])('asks the timer for the clamped wait (?index=N%s → %d ms)', async (wait, ms) => {
    const { timer, started } = manualTimers();
    h = startRoutesHarness({ waitTimer: timer });
    const blocked = await parked(`/v1/kv/?keys&index=99${wait}`);
    expect(started.map((t) => t.ms)).toEqual([ms]);
    started[0]!.fire();
    const res = await blocked.response;
    expect(res.status).toBe(200);
  });

  it('adds up to wait/16 of jitter from the injected source', async () => {
    const { timer, started } = manualTimers();
    h = startRoutesHarness({ waitTimer: timer, random: () => 0.5 });
    const blocked = await parked('/v1/kv/?keys&index=99&wait=16s');
    expect(started[0]?.ms).toBe(16_500);
    started[0]!.fire();
    await blocked.response;
  });

  it('returns the current result with 200 (not 304) when the wait ends', async () => {
    const { timer, started } = manualTimers();
    h = startRoutesHarness({ waitTimer: timer });
    await put('k', 'v');
    const index = indexOf(await h.request('/v1/kv/k'));
    const blocked = await parked(`/v1/kv/k?index=${index}&wait=10s`);
    started[0]!.fire();
    const res = await blocked.response;
    expect(res.status).toBe(200);
    expect(indexOf(res)).toBe(index);
    expect(h.state.hub.size()).toBe(0);
  });

  it('blocks on an index beyond anything the server has until the wait ends', async () => {
    const { timer, started } = manualTimers();
    h = startRoutesHarness({ waitTimer: timer });
    const blocked = await parked('/v1/kv/k?index=18446744073709551615');
    await put('k', 'v');
    expect(blocked.done()).toBe(false);
    started[0]!.fire();
    expect((await blocked.response).status).toBe(200);
  });

  it('lets go of the watch when the client goes away', async () => {
    h = startRoutesHarness();
    const abort = new AbortController();
    const blocked = await parked('/v1/kv/k?index=5', { signal: abort.signal });
    abort.abort();
    await blocked.response.catch(() => undefined);
    await waitFor(() => (h.state.hub.size() === 0 ? true : undefined), { timeoutMs: PARK_TIMEOUT_MS, intervalMs: 2, what: 'the watch to be released' });
  });
});

describe('index is never 0', () => {
  it('reports 1 for reads of tables nothing has written', async () => {
    h = startRoutesHarness({ selfRegister: false });
    for (const path of ['/v1/kv/?keys', '/v1/kv/missing', '/v1/kv/?recurse', '/v1/session/list', '/v1/session/node/x']) {
      const res = await h.request(path);
      expect(res.headers.get('x-consul-index')).toBe('1');
    }
  });

  it('treats ?index=0 as a plain read', async () => {
    h = startRoutesHarness();
    const res = await h.request('/v1/kv/k?index=0&wait=10m');
    expect(res.status).toBe(404);
    expect(h.state.hub.size()).toBe(0);
  });
});
