// ACLs on: the UI asks for a token, refuses an unknown one, and with the management token lists
// tokens, policies and roles (sent as X-Consul-Token); logging out forgets it.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { screenshot, startFixture, type BrowserFixture } from './harness.ts';

/** Bound on one UI expectation on a loaded machine. */
const UI_TIMEOUT_MS = 15_000;
const MANAGEMENT = randomUUID();

let fx: BrowserFixture;

beforeAll(async () => {
  fx = await startFixture({ acl: { enabled: true, default_policy: 'deny', tokens: { initial_management: MANAGEMENT } } });
}, 120_000);

afterAll(async () => {
  await fx?.close();
});

it('logs in with a token kept for the tab, lists tokens, policies and roles, and logs out', async () => {
  const context = await fx.browser.newContext();
  const page = await context.newPage();
  page.setDefaultTimeout(UI_TIMEOUT_MS);
  const tokenHeaders: string[] = [];
  page.on('request', (r) => {
    const token = r.headers()['x-consul-token'];
    if (token !== undefined) tokenHeaders.push(token);
  });
  try {
    await page.goto(`${fx.base}/ui/acl/tokens`);
    await page.getByText('ACLs are enabled and this tab has no usable token').waitFor();
    await page.getByRole('main').getByRole('link', { name: 'Log in with a token' }).click();

    await page.getByLabel('ACL token (SecretID)').fill(randomUUID());
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('alert').getByText('not known to the cluster').waitFor();

    await page.getByLabel('ACL token (SecretID)').fill(MANAGEMENT);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByText('Logged in as token').waitFor();
    const tokens = page.getByRole('table');
    await tokens.getByText('Initial Management Token').waitFor();
    expect(await page.evaluate(() => (globalThis as unknown as { sessionStorage: { getItem(key: string): string | null } }).sessionStorage.getItem('cairn.token'))).toBe(MANAGEMENT);

    await page.getByRole('link', { name: 'Policies' }).click();
    await page.getByRole('rowheader', { name: 'global-management' }).waitFor();
    await page.getByRole('link', { name: 'Roles' }).click();
    await page.getByRole('table').waitFor();
    expect(tokenHeaders).toContain(MANAGEMENT);

    await page.getByRole('button', { name: 'Log out' }).click();
    await page.getByText('ACLs are enabled and this tab has no usable token').waitFor();
    expect(await page.evaluate(() => (globalThis as unknown as { sessionStorage: { getItem(key: string): string | null } }).sessionStorage.getItem('cairn.token'))).toBeNull();
  } catch (err) {
    await screenshot(page, 'acl-login');
    throw err;
  } finally {
    await context.close();
  }
});
