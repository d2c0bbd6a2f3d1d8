// The browser test's fixtures: a real `cairn agent -dev` process serving the admin UI, run from
// the precompiled server as `npm start` runs it (both built by the project's global setup,
// build-server-and-ui.ts), and Debian's chromium driven by playwright-core.
// Chromium missing is a failure with instructions, never a skip.
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import getPort from 'get-port';
import { chromium, type Browser, type Page } from 'playwright-core';
import { AgentProcess } from '../support/agent-process.ts';

const ROOT = resolve(import.meta.dirname, '../..');
export const CHROMIUM = '/usr/bin/chromium';
/** Screenshots of failed tests (gitignored with the rest of test-results/). */
export const SCREENSHOT_DIR = join(ROOT, 'test-results/browser');

export interface BrowserFixture {
  readonly agent: AgentProcess;
  readonly browser: Browser;
  readonly base: string;
  api(path: string, init?: RequestInit): Promise<Response>;
  close(): Promise<void>;
}

/** `config` is written as the agent's JSON config file (Consul's keys), e.g. to enable ACLs. */
export async function startFixture(config?: Record<string, unknown>): Promise<BrowserFixture> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: the browser test needs Debian's chromium (apt-get install chromium); it does not skip.`);
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'cairn-ui-'));
  const configArgs: string[] = [];
  if (config !== undefined) {
    const file = join(dataDir, 'config.json');
    writeFileSync(file, JSON.stringify(config));
    configArgs.push('-config-file', file);
  }
  const agent = new AgentProcess({
    name: 'ui',
    dataDir,
    httpPort: await getPort({ host: '127.0.0.1' }),
    serverPort: await getPort({ host: '127.0.0.1' }),
    bootstrapExpect: 1,
    retryJoin: [],
    extraArgs: ['-dev', ...configArgs],
    entry: 'bundle',
  });
  await agent.start();
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true }).catch(async (err: unknown) => {
    await agent.stop();
    throw err;
  });
  const base = agent.url('');
  return {
    agent,
    browser,
    base,
    api: (path, init) => fetch(base + path, init),
    close: async () => {
      await browser.close();
      await agent.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export async function screenshot(page: Page | undefined, name: string): Promise<void> {
  if (page === undefined || page.isClosed()) return;
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const file = join(SCREENSHOT_DIR, `${name.replace(/[^\w.-]+/g, '_')}.png`);
  await page.screenshot({ path: file, fullPage: true }).catch(() => undefined);
  console.error(`screenshot of the failed test: ${file}`);
}
