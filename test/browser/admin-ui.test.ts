// The admin UI in a real browser against a real agent: a TTL check turning critical while the
// page is open, a key created, edited and deleted, a CAS conflict reported, the API reference.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { screenshot, startFixture, type BrowserFixture } from './harness.ts';

/** Bound on one UI expectation; includes a blocking query's round trip on a loaded machine. */
const UI_TIMEOUT_MS = 15_000;
/** The TTL of the test's check: long enough to see it pass first, short enough to wait out. */
const CHECK_TTL = '5s';

let fx: BrowserFixture;

beforeAll(async () => {
  fx = await startFixture();
}, 120_000);

afterAll(async () => {
  await fx?.close();
});

/** Runs `body` on a fresh page; on failure saves a screenshot before the page closes. */
async function withPage(name: string, body: (page: Page) => Promise<void>): Promise<void> {
  const context = await fx.browser.newContext({ viewport: { width: 1366, height: 800 } });
  const page = await context.newPage();
  page.setDefaultTimeout(UI_TIMEOUT_MS);
  try {
    await body(page);
  } catch (err) {
    await screenshot(page, name);
    throw err;
  } finally {
    await context.close();
  }
}

const putJson = (path: string, body: unknown) => fx.api(path, { method: 'PUT', body: JSON.stringify(body) });

async function readKey(key: string): Promise<{ value: string; flags: number; index: number } | null> {
  const response = await fx.api(`/v1/kv/${key}`);
  if (response.status === 404) return null;
  const [entry] = (await response.json()) as { Value: string | null; Flags: number; ModifyIndex: number }[];
  if (entry === undefined) throw new Error(`empty KV answer for ${key}`);
  return { value: Buffer.from(entry.Value ?? '', 'base64').toString('utf8'), flags: entry.Flags, index: entry.ModifyIndex };
}

/** Marks the window; a reload or a full navigation would lose the mark. */
const mark = (page: Page) => page.evaluate(() => void ((globalThis as Record<string, unknown>).cairnMark = true));
const marked = (page: Page) => page.evaluate(() => (globalThis as Record<string, unknown>).cairnMark === true);

/** Form controls with no label (the ids of the offenders); every input must have one. */
const unlabelledControls = (page: Page) =>
  page.evaluate(() => {
    type Control = { id: string; labels: { length: number } | null; getAttribute(name: string): string | null };
    const doc = (globalThis as unknown as { document: { querySelectorAll(s: string): Iterable<Control> } }).document;
    return [...doc.querySelectorAll('input, textarea, select')].filter((el) => (el.labels?.length ?? 0) === 0 && el.getAttribute('aria-label') === null).map((el) => el.id);
  });

/** The focused element as "TAG:text-or-id". */
const activeElement = (page: Page) =>
  page.evaluate(() => {
    const el = (globalThis as unknown as { document: { activeElement: { tagName: string; id: string; textContent: string | null } | null } }).document.activeElement;
    return el === null ? '' : `${el.tagName}:${el.tagName === 'A' ? el.textContent : el.id}`;
  });

describe('admin UI', () => {
  it('shows a TTL check turn critical without a reload, and aborts its blocking query on navigation', async () => {
    await withPage('ttl-check', async (page) => {
      const registered = await putJson('/v1/agent/service/register', {
        Name: 'web', ID: 'web-1', Tags: ['v1', 'primary'], Port: 8080,
        Check: { CheckID: 'web-ttl', Name: 'web heartbeat', TTL: CHECK_TTL },
      });
      expect(registered.status).toBe(200);

      await page.goto(`${fx.base}/ui/services`);
      const row = page.locator('tr[data-service="web"]');
      await row.waitFor();
      expect(await row.locator('.tags').innerText()).toContain('primary');
      await row.getByRole('link', { name: 'web' }).click();
      await page.getByRole('heading', { name: 'Service web' }).waitFor();
      await mark(page);

      // A TTL check starts critical. Passing it turns it green on the open page (a blocking query
      // returns); then the TTL runs out and the same page shows it critical again.
      const check = page.locator('[data-check="web-ttl"]');
      await check.locator('[data-status="critical"]').waitFor();
      expect((await fx.api('/v1/agent/check/pass/web-ttl?note=renewed%20by%20the%20test', { method: 'PUT' })).status).toBe(200);
      await check.filter({ has: page.locator('[data-status="passing"]'), hasText: 'renewed by the test' }).waitFor();
      await check.filter({ has: page.locator('[data-status="critical"]'), hasText: 'TTL expired' }).waitFor();
      await page.locator('[data-instance="web-1"] h2 [data-status="critical"]').waitFor();
      expect(await marked(page)).toBe(true);

      // Leaving the page aborts its pending blocking query; the list shows the critical check.
      const aborted = page.waitForEvent('requestfailed', (r) => r.url().includes('/v1/health/service/web'));
      await page.getByRole('link', { name: 'All services' }).click();
      await row.locator('[data-status="critical"]').getByText('1 critical').waitFor();
      expect((await aborted).failure()?.errorText).toContain('ABORTED');
      expect(await marked(page)).toBe(true);
    });
  });

  it('creates, edits and deletes a key, validating JSON and keeping flags', async () => {
    await withPage('kv-crud', async (page) => {
      await page.goto(`${fx.base}/ui/kv/`);
      // Keyboard: the first Tab reaches the skip link, and following it moves focus to the content.
      await page.keyboard.press('Tab');
      expect(await activeElement(page)).toBe('A:Skip to content');
      await page.keyboard.press('Enter');
      expect(await activeElement(page)).toBe('MAIN:main');
      expect(await unlabelledControls(page)).toEqual([]);
      await page.getByLabel('New key or folder').fill('ui-test/app/config');
      await page.getByRole('button', { name: 'Create' }).click();
      await page.getByRole('heading', { name: 'New key ui-test/app/config' }).waitFor();

      expect(await unlabelledControls(page)).toEqual([]);
      await page.getByLabel('JSON').check();
      await page.getByLabel('Value', { exact: true }).fill('{"replicas": 3,');
      await page.getByText('Not valid JSON').waitFor();
      expect(await page.getByRole('button', { name: 'Create' }).isDisabled()).toBe(true);
      await page.getByLabel('Value', { exact: true }).fill('{"replicas": 3}');
      await page.getByLabel('Flags').fill('42');
      await page.getByRole('button', { name: 'Create' }).click();
      // exact: by default the name matches any heading containing it, "New key …" too (a race).
      await page.getByRole('heading', { name: 'Key ui-test/app/config', exact: true }).waitFor();
      expect(await readKey('ui-test/app/config')).toMatchObject({ value: '{"replicas": 3}', flags: 42 });

      await page.getByLabel('Value', { exact: true }).fill('{"replicas": 5}');
      await page.getByRole('button', { name: 'Save' }).click();
      await page.getByRole('status').getByText('Saved.').waitFor();
      expect(await readKey('ui-test/app/config')).toMatchObject({ value: '{"replicas": 5}', flags: 42 });

      // The folder view lists it under its folder, live.
      await page.getByRole('link', { name: 'Back to ui-test/app/' }).click();
      await page.getByRole('list', { name: 'Keys in ui-test/app/' }).getByRole('link', { name: 'config' }).click();
      await page.getByRole('button', { name: 'Delete…' }).click();
      await page.getByRole('button', { name: 'Delete the key' }).click();
      await page.getByRole('heading', { name: 'Key / value' }).waitFor();
      expect(await readKey('ui-test/app/config')).toBeNull();

      // A key written elsewhere appears in the open folder; deleting the folder removes it too.
      expect((await fx.api('/v1/kv/ui-test/app/other', { method: 'PUT', body: 'x' })).status).toBe(200);
      await page.getByRole('list', { name: 'Keys in ui-test/app/' }).getByRole('link', { name: 'other' }).waitFor();
      await page.getByRole('button', { name: 'Delete folder…' }).click();
      await page.getByRole('button', { name: 'Delete the folder' }).click();
      await page.getByRole('navigation', { name: 'Folder' }).locator('[aria-current="page"]').getByText('ui-test', { exact: true }).waitFor();
      expect(await readKey('ui-test/app/other')).toBeNull();
    });
  });

  it('reports a CAS conflict when the key changed while the editor was open, and overwrites nothing', async () => {
    await withPage('kv-conflict', async (page) => {
      expect((await fx.api('/v1/kv/ui-test/shared', { method: 'PUT', body: 'first' })).status).toBe(200);
      await page.goto(`${fx.base}/ui/kv/ui-test/shared`);
      const editor = page.getByLabel('Value', { exact: true });
      await editor.waitFor();
      expect(await editor.inputValue()).toBe('first');

      expect((await fx.api('/v1/kv/ui-test/shared', { method: 'PUT', body: 'from the API' })).status).toBe(200);
      await editor.fill('from the browser');
      await page.getByRole('button', { name: 'Save' }).click();
      const conflict = page.locator('[data-conflict]');
      await conflict.waitFor();
      expect(await conflict.innerText()).toContain('changed by someone else');
      expect(await conflict.getAttribute('role')).toBe('alert');
      expect((await readKey('ui-test/shared'))?.value).toBe('from the API');
      expect(await editor.inputValue()).toBe('from the browser');

      // An explicit overwrite is a CAS on the index the conflict reported.
      await page.getByRole('button', { name: 'Save mine over it' }).click();
      await page.getByRole('status').getByText('Saved.').waitFor();
      expect((await readKey('ui-test/shared'))?.value).toBe('from the browser');

      // A change made elsewhere is announced while the editor is open; a delete then conflicts too.
      expect((await fx.api('/v1/kv/ui-test/shared', { method: 'PUT', body: 'third' })).status).toBe(200);
      await page.getByText('This key has changed since you opened it').waitFor();
      await page.getByRole('button', { name: 'Delete…' }).click();
      await page.getByRole('button', { name: 'Delete the key' }).click();
      expect(await conflict.innerText()).toContain('not deleted');
      expect((await readKey('ui-test/shared'))?.value).toBe('third');
      await page.getByRole('button', { name: 'Load the current value (discard my edit)' }).click();
      await page.waitForFunction(() => (globalThis as unknown as { document: { querySelector(s: string): { value: string } | null } }).document.querySelector('#kv-value')?.value === 'third');
      expect(await conflict.count()).toBe(0);
    });
  });

  it('renders the API reference from the committed OpenAPI document', async () => {
    await withPage('api-page', async (page) => {
      await page.goto(`${fx.base}/ui/api`);
      await page.getByRole('heading', { name: /^Cairn — Consul-compatible HTTP API/ }).waitFor();
      const paths = page.locator('.opblock-summary-path');
      await paths.first().waitFor();
      expect(await paths.count()).toBeGreaterThan(50);
      expect(await page.locator('[data-path="/v1/kv/{key}"]').count()).toBeGreaterThan(0);
    });
  });
});
