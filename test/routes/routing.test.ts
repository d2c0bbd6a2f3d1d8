// Consul's routing quirks (consul-api.md §1.1) in front of every handler.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startRoutesHarness, type RoutesHarness } from '../support/routes-harness.ts';

let h: RoutesHarness;
beforeEach(() => {
  h = startRoutesHarness();
});
afterEach(() => h.close());

describe('methods', () => {
  it.each([
    ['POST', '/v1/kv/foo', 'OPTIONS,GET,PUT,DELETE'],
    ['HEAD', '/v1/kv/foo', 'OPTIONS,GET,PUT,DELETE'],
    ['GET', '/v1/session/create', 'OPTIONS,PUT'],
    ['GET', '/v1/session/destroy/x', 'OPTIONS,PUT'],
    ['PUT', '/v1/session/list', 'OPTIONS,GET'],
    ['GET', '/v1/txn', 'OPTIONS,PUT'],
    ['POST', '/v1/status/leader', 'OPTIONS,GET'],
  ])('%s %s → 405 with Allow', async (method, path, allow) => {
    const res = await h.request(path, { method });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe(allow);
    expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(res.headers.get('x-consul-default-acl-policy')).toBe('allow');
    if (method !== 'HEAD') expect(await res.text()).toBe(`method ${method} not allowed`);
  });

  it('answers OPTIONS with 200, Allow and an empty body', async () => {
    const res = await h.request('/v1/kv/anything/here', { method: 'OPTIONS' });
    expect(res.status).toBe(200);
    expect(res.headers.get('allow')).toBe('OPTIONS,GET,PUT,DELETE');
    expect(await res.text()).toBe('');
  });

  it('never lets a refused method reach Raft', async () => {
    const before = h.applier.log.length;
    await h.request('/v1/kv/foo', { method: 'POST', body: 'x' });
    expect(h.applier.log.length).toBe(before);
  });
});

describe('unknown paths', () => {
  it('answers 404 with Consul\'s text under /v1/', async () => {
    const res = await h.request('/v1/nope');
    expect(res.status).toBe(404);
    expect(await res.text()).toBe('Invalid URL path: not a recognized HTTP API endpoint\n');
    expect(res.headers.get('x-consul-default-acl-policy')).toBeNull();
  });

  it('answers 404 with the other text outside /v1/', async () => {
    const res = await h.request('/kv/foo');
    expect(res.status).toBe(404);
    expect(await res.text()).toBe("Invalid URL path: if attempting to use the HTTP API, ensure the path starts with '/v1/'\n");
  });

  it('does not match an exact endpoint by prefix', async () => {
    expect((await h.request('/v1/status/leader/extra')).status).toBe(404);
    expect((await h.request('/v1/session/listing')).status).toBe(404);
  });
});

describe('redirects', () => {
  it.each([
    ['/v1/kv', '/v1/kv/'],
    ['/v1/kv?recurse', '/v1/kv/?recurse'],
    ['/v1/session/info', '/v1/session/info/'],
    ['/v1/kv/a//b', '/v1/kv/a/b'],
    ['/v1/kv/a%2F%2Fb?raw', '/v1/kv/a/b?raw'],
    ['//v1/status/leader', '/v1/status/leader'],
  ])('%s → 301 %s', async (path, location) => {
    const res = await h.request(path);
    expect(res.status).toBe(301);
    expect(res.headers.get('location')).toBe(location);
    expect(await res.text()).toBe(`<a href="${location.replace(/&/g, '&amp;')}">Moved Permanently</a>.\n\n`);
  });

  it('redirects dot segments seen in the raw request target', async () => {
    // Node's adapter hands over the raw target as env.incoming.url; a Fetch URL resolves dots.
    for (const [target, location] of [['/v1/kv/a/./b', '/v1/kv/a/b'], ['/v1/kv/a/../b?x=1', '/v1/kv/b?x=1']]) {
      const res = await h.app.request(target as string, {}, { incoming: { url: target } });
      expect(res.status).toBe(301);
      expect(res.headers.get('location')).toBe(location);
    }
  });

  it('sends no body with a redirect of a PUT, and never writes', async () => {
    const before = h.applier.log.length;
    const res = await h.request('/v1/kv/a//b', { method: 'PUT', body: 'x' });
    expect(res.status).toBe(301);
    expect(await res.text()).toBe('');
    expect(h.applier.log.length).toBe(before);
  });
});

describe('bad paths', () => {
  it.each(['/v1/kv/a%00b', '/v1/kv/tab%09key', '/v1/kv/del%7F', '/v1/kv/nbsp%C2%A0'])('refuses unprintable %s with an empty 400', async (path) => {
    const res = await h.request(path);
    expect(res.status).toBe(400);
    expect(await res.text()).toBe('');
  });

  it('refuses a malformed escape with Go\'s 400', async () => {
    const res = await h.request('/v1/kv/%zz');
    expect(res.status).toBe(400);
    expect(await res.text()).toBe('400 Bad Request');
  });

  it('answers 500 with no body for a query Go cannot parse', async () => {
    const res = await h.request('/v1/kv/foo?a=1;b=2');
    expect(res.status).toBe(500);
    expect(await res.text()).toBe('');
  });
});

describe('keys in the path', () => {
  it('takes the rest of the path, slashes and %2F included', async () => {
    await h.request('/v1/kv/a%2Fb/c', { method: 'PUT', body: 'v' });
    const res = await h.request('/v1/kv/a/b/c');
    expect(res.status).toBe(200);
    expect(((await res.json()) as { Key: string }[])[0]?.Key).toBe('a/b/c');
  });

  it('keeps a double-encoded %2F literal', async () => {
    await h.request('/v1/kv/a%252Fb', { method: 'PUT', body: 'v' });
    const res = await h.request('/v1/kv/?keys');
    expect(await res.json()).toEqual(['a%2Fb']);
  });

  it('accepts printable non-ASCII keys', async () => {
    await h.request('/v1/kv/caf%C3%A9/%E2%82%AC', { method: 'PUT', body: 'v' });
    expect(await (await h.request('/v1/kv/?keys')).json()).toEqual(['café/€']);
  });
});

it('serves the root index', async () => {
  const res = await h.request('/');
  expect(res.status).toBe(200);
  expect(await res.text()).toMatch(/\/v1\//);
});
