// /v1/kv (consul-api.md §2) end to end through the real FSM.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startRoutesHarness, type RoutesHarness } from '../support/routes-harness.ts';

interface DirEntry { LockIndex: number; Key: string; Flags: number; Value: string | null; Session?: string; CreateIndex: number; ModifyIndex: number }

let h: RoutesHarness;
beforeEach(() => {
  h = startRoutesHarness();
});
afterEach(() => h.close());

const put = (path: string, body = '') => h.request(path, { method: 'PUT', body });
const del = (path: string) => h.request(path, { method: 'DELETE' });
const getJson = async <T>(path: string): Promise<T> => (await h.request(path)).json() as Promise<T>;
const entries = (path: string) => getJson<DirEntry[]>(path);
const b64 = (s: string) => Buffer.from(s).toString('base64');
const newSession = async (): Promise<string> => ((await (await put('/v1/session/create')).json()) as { ID: string }).ID;

describe('PUT and GET', () => {
  it('writes a value and reads it back as an array of one with its index headers', async () => {
    const w = await put('/v1/kv/service/pg/leader', 'node1');
    expect(w.status).toBe(200);
    expect(await w.text()).toBe('true');
    const res = await h.request('/v1/kv/service/pg/leader');
    expect(res.status).toBe(200);
    const [entry] = (await res.json()) as DirEntry[];
    expect(entry).toEqual({ LockIndex: 0, Key: 'service/pg/leader', Flags: 0, Value: b64('node1'), CreateIndex: entry?.ModifyIndex, ModifyIndex: entry?.ModifyIndex });
    expect(res.headers.get('x-consul-index')).toBe(String(entry?.ModifyIndex));
    expect(res.headers.get('x-consul-knownleader')).toBe('true');
    expect(res.headers.get('x-consul-lastcontact')).toBe('0');
    expect(res.headers.get('x-consul-query-backend')).toBe('blocking-query');
    expect(res.headers.get('x-consul-effective-consistency')).toBeNull();
  });

  it('reports the key\'s own ModifyIndex, not the table\'s, for a single key', async () => {
    await put('/v1/kv/a', '1');
    await put('/v1/kv/b', '2');
    const [a] = await entries('/v1/kv/a');
    const res = await h.request('/v1/kv/a');
    expect(res.headers.get('x-consul-index')).toBe(String(a?.ModifyIndex));
    const [b] = await entries('/v1/kv/b');
    expect(b!.ModifyIndex).toBeGreaterThan(a!.ModifyIndex);
  });

  it('answers a miss with 404, an empty body and every index header', async () => {
    await put('/v1/kv/other', 'x');
    const res = await h.request('/v1/kv/missing');
    expect(res.status).toBe(404);
    expect(await res.text()).toBe('');
    expect(Number(res.headers.get('x-consul-index'))).toBeGreaterThanOrEqual(1);
    expect(res.headers.get('x-consul-knownleader')).toBe('true');
    expect(res.headers.get('x-consul-lastcontact')).toBe('0');
  });

  it('stores an empty body as a null Value', async () => {
    await put('/v1/kv/empty');
    expect((await entries('/v1/kv/empty'))[0]?.Value).toBeNull();
  });

  it('keeps binary values byte for byte and serves them with ?raw', async () => {
    const bytes = Uint8Array.from([0, 1, 2, 250, 255, 10]);
    await h.request('/v1/kv/bin', { method: 'PUT', body: bytes });
    expect((await entries('/v1/kv/bin'))[0]?.Value).toBe(Buffer.from(bytes).toString('base64'));
    const raw = await h.request('/v1/kv/bin?raw');
    expect(raw.headers.get('content-type')).toBe('text/plain');
    expect(raw.headers.get('content-length')).toBe('6');
    expect(raw.headers.get('x-content-type-options')).toBe('nosniff');
    expect(raw.headers.get('content-security-policy')).toBe('sandbox');
    expect(new Uint8Array(await raw.arrayBuffer())).toEqual(bytes);
  });

  it('ignores ?raw on a recursive read', async () => {
    await put('/v1/kv/r/x', 'v');
    const res = await h.request('/v1/kv/r?recurse&raw');
    expect(res.headers.get('content-type')).toBe('application/json');
  });

  it('refuses an empty key without recurse', async () => {
    for (const [method, path] of [['GET', '/v1/kv/'], ['PUT', '/v1/kv/'], ['DELETE', '/v1/kv/']]) {
      const res = await h.request(path as string, { method: method as string });
      expect(res.status).toBe(400);
      expect(await res.text()).toBe('Missing key name');
    }
  });
});

describe('Flags', () => {
  it('stores uint64 flags exactly, up to 2^64-1', async () => {
    await put('/v1/kv/f?flags=18446744073709551615', 'v');
    const text = await (await h.request('/v1/kv/f')).text();
    expect(text).toContain('"Flags":18446744073709551615,');
  });

  it('resets Flags to 0 on a PUT without ?flags', async () => {
    await put('/v1/kv/f?flags=42', 'v');
    await put('/v1/kv/f', 'w');
    expect((await entries('/v1/kv/f'))[0]?.Flags).toBe(0);
  });

  it.each([
    ['flags=abc', 'strconv.ParseUint: parsing "abc": invalid syntax'],
    ['flags=-1', 'strconv.ParseUint: parsing "-1": invalid syntax'],
    ['flags=18446744073709551616', 'strconv.ParseUint: parsing "18446744073709551616": value out of range'],
    ['cas=x', 'strconv.ParseUint: parsing "x": invalid syntax'],
    ['cas=', 'strconv.ParseUint: parsing "": invalid syntax'],
  ])('answers ?%s with Go\'s 500 and proposes nothing', async (q, text) => {
    const before = h.applier.log.length;
    const res = await put(`/v1/kv/f?${q}`, 'v');
    expect(res.status).toBe(500);
    expect(await res.text()).toBe(text);
    expect(h.applier.log.length).toBe(before);
  });
});

describe('recurse, keys and separator', () => {
  beforeEach(async () => {
    for (const k of ['web/foo', 'web/bar', 'web/subdir/x', 'web/subdir/y', 'webber', 'other']) await put(`/v1/kv/${k}`, k);
  });

  it('lists every entry under a prefix, sorted by key', async () => {
    expect((await entries('/v1/kv/web/?recurse')).map((e) => e.Key)).toEqual(['web/bar', 'web/foo', 'web/subdir/x', 'web/subdir/y']);
    expect((await entries('/v1/kv/web?recurse=0')).map((e) => e.Key)).toContain('webber');
    expect((await entries('/v1/kv/?recurse')).length).toBe(6);
  });

  it('answers an empty prefix listing with 404 and index headers', async () => {
    const res = await h.request('/v1/kv/nothing/?recurse');
    expect(res.status).toBe(404);
    expect(res.headers.get('x-consul-index')).not.toBeNull();
  });

  it('lists keys, collapsing at the separator after the prefix', async () => {
    expect(await getJson('/v1/kv/web/?keys')).toEqual(['web/bar', 'web/foo', 'web/subdir/x', 'web/subdir/y']);
    expect(await getJson('/v1/kv/web/?keys&separator=/')).toEqual(['web/bar', 'web/foo', 'web/subdir/']);
    expect(await getJson('/v1/kv/web/?keys&seperator=/')).toEqual(['web/bar', 'web/foo', 'web/subdir/']);
    expect(await getJson('/v1/kv/?keys&separator=/')).toEqual(['other', 'web/', 'webber']);
  });

  it('prefers keys over recurse', async () => {
    expect(await getJson('/v1/kv/web/?recurse&keys')).toEqual(['web/bar', 'web/foo', 'web/subdir/x', 'web/subdir/y']);
  });

  it('answers [] for no keys at the root but 404 under a prefix', async () => {
    await del('/v1/kv/?recurse');
    const root = await h.request('/v1/kv/?keys');
    expect(root.status).toBe(200);
    expect(await root.text()).toBe('[]');
    expect((await h.request('/v1/kv/web/?keys')).status).toBe(404);
  });
});

describe('check-and-set', () => {
  it('creates only when absent with cas=0', async () => {
    expect(await (await put('/v1/kv/init?cas=0', 'sys1')).json()).toBe(true);
    expect(await (await put('/v1/kv/init?cas=0', 'sys2')).json()).toBe(false);
    expect((await entries('/v1/kv/init'))[0]?.Value).toBe(b64('sys1'));
  });

  it('updates only at the current ModifyIndex', async () => {
    await put('/v1/kv/c', 'v1');
    const [e] = await entries('/v1/kv/c');
    expect(await (await put(`/v1/kv/c?cas=${e!.ModifyIndex + 100}`, 'x')).json()).toBe(false);
    expect(await (await put(`/v1/kv/c?cas=${e!.ModifyIndex}`, 'v2')).json()).toBe(true);
    expect(await (await put(`/v1/kv/c?cas=${e!.ModifyIndex}`, 'v3')).json()).toBe(false);
  });

  it('refuses two of cas, acquire and release with the encoded query', async () => {
    const res = await put('/v1/kv/k?release=b&cas=0&acquire=a%20b');
    expect(res.status).toBe(400);
    expect(await res.text()).toBe('Conflicting flags: acquire=a+b&cas=0&release=b\n');
  });
});

describe('locks', () => {
  it('acquires, re-acquires, refuses another holder and releases', async () => {
    const s1 = await newSession();
    const s2 = await newSession();
    expect(await (await put(`/v1/kv/leader?acquire=${s1}`, 'node1')).json()).toBe(true);
    let [e] = await entries('/v1/kv/leader');
    expect(e).toMatchObject({ LockIndex: 1, Session: s1, Value: b64('node1') });

    expect(await (await put(`/v1/kv/leader?acquire=${s1}`, 'node1b')).json()).toBe(true);
    [e] = await entries('/v1/kv/leader');
    expect(e).toMatchObject({ LockIndex: 1, Session: s1, Value: b64('node1b') });

    expect(await (await put(`/v1/kv/leader?acquire=${s2}`, 'node2')).json()).toBe(false);
    expect(await (await put(`/v1/kv/leader?release=${s2}`, 'x')).json()).toBe(false);

    expect(await (await put(`/v1/kv/leader?release=${s1}`, 'released')).json()).toBe(true);
    [e] = await entries('/v1/kv/leader');
    expect(e).toMatchObject({ LockIndex: 1, Value: b64('released') });
    expect(e).not.toHaveProperty('Session');

    expect(await (await put(`/v1/kv/leader?acquire=${s2}`, 'node2')).json()).toBe(true);
    expect((await entries('/v1/kv/leader'))[0]).toMatchObject({ LockIndex: 2, Session: s2 });
  });

  it('keeps the holder on a plain PUT of a locked key (and, as Consul does, zeroes LockIndex)', async () => {
    const s = await newSession();
    await put(`/v1/kv/leader?acquire=${s}`, 'node1');
    expect(await (await put('/v1/kv/leader', 'plain')).json()).toBe(true);
    expect((await entries('/v1/kv/leader'))[0]).toMatchObject({ Session: s, LockIndex: 0, Value: b64('plain') });
  });

  it('answers an unknown session with 500 "invalid session" (Patroni keys off the prefix)', async () => {
    const res = await put('/v1/kv/leader?acquire=00000000-0000-4000-8000-000000000000', 'x');
    expect(res.status).toBe(500);
    expect(await res.text()).toBe('invalid session "00000000-0000-4000-8000-000000000000"');
  });

  it.each([
    ['acquire=', 'missing session'],
    ['release=', 'missing session'],
    ['acquire=not-a-uuid', 'failed session lookup: index error: UUID must be 36 characters'],
  ])('refuses ?%s with 500 %j before Raft', async (q, text) => {
    const before = h.applier.log.length;
    const res = await put(`/v1/kv/leader?${q}`, 'x');
    expect(res.status).toBe(500);
    expect(await res.text()).toBe(text);
    expect(h.applier.log.length).toBe(before);
  });

  it('releases the lock when the holding session is destroyed', async () => {
    const s = await newSession();
    await put(`/v1/kv/held?acquire=${s}`, 'v');
    await put(`/v1/session/destroy/${s}`);
    const [e] = await entries('/v1/kv/held');
    expect(e).not.toHaveProperty('Session');
    expect(e).toMatchObject({ LockIndex: 1, Value: b64('v') });
  });
});

describe('DELETE', () => {
  it('deletes one key and answers true even for a missing one', async () => {
    await put('/v1/kv/d', 'v');
    expect(await (await del('/v1/kv/d')).json()).toBe(true);
    expect((await h.request('/v1/kv/d')).status).toBe(404);
    expect(await (await del('/v1/kv/d')).json()).toBe(true);
  });

  it('deletes a tree, and with an empty key everything', async () => {
    for (const k of ['t/a', 't/b', 'u']) await put(`/v1/kv/${k}`, 'v');
    await del('/v1/kv/t?recurse');
    expect(await getJson('/v1/kv/?keys')).toEqual(['u']);
    await del('/v1/kv/?recurse');
    expect(await getJson('/v1/kv/?keys')).toEqual([]);
  });

  it('deletes with cas only at the current index', async () => {
    await put('/v1/kv/d', 'v');
    const [e] = await entries('/v1/kv/d');
    expect(await (await del('/v1/kv/d?cas=0')).json()).toBe(false);
    expect(await (await del(`/v1/kv/d?cas=${e!.ModifyIndex}`)).json()).toBe(true);
    expect(await (await del('/v1/kv/gone?cas=7')).json()).toBe(true);
  });

  it('refuses recurse with cas', async () => {
    const res = await del('/v1/kv/d?recurse&cas=1');
    expect(res.status).toBe(400);
    expect(await res.text()).toBe('Conflicting flags: cas=1&recurse=\n');
  });

  it('moves a prefix listing\'s index forward when a key under it is deleted', async () => {
    await put('/v1/kv/p/a', 'v');
    await put('/v1/kv/p/b', 'v');
    const before = Number((await h.request('/v1/kv/p/?recurse')).headers.get('x-consul-index'));
    await del('/v1/kv/p/b');
    const after = Number((await h.request('/v1/kv/p/?recurse')).headers.get('x-consul-index'));
    expect(after).toBeGreaterThan(before);
  });
});
