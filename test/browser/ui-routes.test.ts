// The /ui/ static routes in front of the real HTTP API app: pages, hashed assets, the SPA
// fallback, a missing build, path traversal, and every other request reaching the API with
// Consul's routing behaviour intact.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isUiRequest, withAdminUi } from '../../app/ui-routes.ts';
import { NOT_UNDER_V1 } from '../../routes/middleware/consul-mux.ts';
import { startRoutesHarness, type RoutesHarness } from '../support/routes-harness.ts';

let dir: string;
let dist: string;
let harness: RoutesHarness;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'cairn-ui-routes-'));
  dist = join(dir, 'dist');
  mkdirSync(join(dist, 'assets'), { recursive: true });
  writeFileSync(join(dist, 'index.html'), '<!doctype html><title>app</title>');
  writeFileSync(join(dist, 'api.html'), '<!doctype html><title>api</title>');
  writeFileSync(join(dist, 'assets/app-1234.js'), 'console.log(1)');
  writeFileSync(join(dir, 'secret.txt'), 'outside the dist folder');
  harness = startRoutesHarness();
});

afterAll(() => {
  harness?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A request to the UI-and-API handler as the HTTP listener would pass it. */
const send = async (path: string, init?: RequestInit, root = dist): Promise<Response> =>
  withAdminUi(harness.app, root).fetch(new Request(`http://127.0.0.1:8500${path}`, init), {} as never);
const get = (path: string, root = dist) => send(path, undefined, root);

describe('UI routes', () => {
  it('tells UI requests from API requests by the first characters of the path', () => {
    const base = 'http://127.0.0.1:8500';
    for (const path of ['/', '/?x=1', '/ui', '/ui?x', '/ui/', '/ui/services/web', '/ui/assets/a.js']) expect(isUiRequest('GET', base + path), path).toBe(true);
    for (const path of ['/uix', '/v1/kv/ui', '/v1/ui/', '//ui/', '/u', '/v1']) expect(isUiRequest('GET', base + path), path).toBe(false);
    expect(isUiRequest('HEAD', `${base}/ui/`)).toBe(true);
    for (const method of ['PUT', 'POST', 'DELETE']) expect(isUiRequest(method, `${base}/ui/`), method).toBe(false);
  });

  it('sends the bare root to the UI, as Consul does with its UI enabled', async () => {
    const root = await get('/');
    expect(root.status).toBe(301);
    expect(root.headers.get('Location')).toBe('/ui/');
  });

  it('redirects /ui to /ui/ and serves the app page there and on every app route', async () => {
    const redirect = await get('/ui');
    expect(redirect.status).toBe(301);
    expect(redirect.headers.get('Location')).toBe('/ui/');
    for (const path of ['/ui/', '/ui/services/web', '/ui/kv/a/b%20c/']) {
      const page = await get(path);
      expect(page.status, path).toBe(200);
      expect(page.headers.get('Content-Type')).toBe('text/html; charset=utf-8');
      expect(page.headers.get('Cache-Control')).toBe('no-cache');
      expect(await page.text()).toContain('<title>app</title>');
    }
  });

  it('serves the API reference page and immutable hashed assets', async () => {
    expect(await (await get('/ui/api')).text()).toContain('<title>api</title>');
    const asset = await get('/ui/assets/app-1234.js');
    expect(asset.status).toBe(200);
    expect(asset.headers.get('Content-Type')).toBe('text/javascript; charset=utf-8');
    expect(asset.headers.get('Cache-Control')).toContain('immutable');
    expect(await asset.text()).toBe('console.log(1)');
    expect((await get('/ui/assets/missing.js')).status).toBe(404);
  });

  it('never serves a file outside the build folder', async () => {
    for (const path of ['/ui/assets/..%2f..%2fsecret.txt', '/ui/assets/%2e%2e/%2e%2e/secret.txt', '/ui/assets/../../secret.txt']) {
      const response = await get(path);
      expect(await response.text(), path).not.toContain('outside the dist folder');
    }
    expect((await get('/ui/assets/%E0%A4%A')).status).toBe(400);
  });

  it('answers 503 with the build command when the UI is not built', async () => {
    const response = await get('/ui/', join(dir, 'no-such-dist'));
    expect(response.status).toBe(503);
    expect(await response.text()).toContain('scripts/ensure-deps.mjs');
  });

  it('passes every other request to the API unchanged', async () => {
    expect(await (await send('/v1/kv/ui-key', { method: 'PUT', body: 'v' })).text()).toBe('true');
    const read = await send('/v1/kv/ui-key?raw');
    expect(await read.text()).toBe('v');
    expect(Number(read.headers.get('X-Consul-Index'))).toBeGreaterThan(0);
    const outside = await send('/uix');
    expect(outside.status).toBe(404);
    expect(await outside.text()).toBe(NOT_UNDER_V1);
    const unclean = await send('/v1/kv');
    expect(unclean.status).toBe(301);
    expect((await send('/ui/', { method: 'DELETE' })).status).toBe(404);
  });
});
