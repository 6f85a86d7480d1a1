import { mkdtempSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// `npm start` itself (apps/downloads/src/main.ts) in a child process, stopped with SIGTERM and started again.
import { startMain, type RunningMain } from '../../../apps/downloads/src/test-support/main-process.js';
import { browserAvailability, launchBrowser, screenshotDir, type TestBrowser } from './testing/browser.js';
import { ensureBundle } from './testing/ensure-bundle.js';
import { startExplorerServer } from './testing/explorer-server.js';

const { executable, skip } = browserAvailability();

/** A port free right now (the server must come back on the same one for the page to find it). */
async function freePort(): Promise<number> {
  const probe = createServer().listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const { port } = probe.address() as { port: number };
  probe.close();
  await once(probe, 'close');
  return port;
}

async function acquire(url: string, customerId: string): Promise<number> {
  const response = await fetch(`${url}/v1/licenses`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
    body: JSON.stringify({ customerId, deviceId: 'tv', titleId: 'dark', studioId: 'hbo' }),
  });
  expect(response.status).toBe(201);
  const head = (await (await fetch(`${url}/v1/all?limit=1`)).json()) as { head: number };
  return head.head;
}

const TOKEN = 'reconnect-test-token';

describe.skipIf(skip)('explorer when the server goes away and comes back (npm start, SIGTERM)', () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'explorer-reconnect-'));
  let browser: TestBrowser;
  let server: RunningMain | undefined;
  let page: Page;
  let port: number;

  const start = async (): Promise<RunningMain> =>
    startMain(dataDir, { PORT: String(port), CHRONICLE_API_TOKEN: TOKEN });

  beforeAll(async () => {
    ensureBundle();
    port = await freePort();
    [server, browser] = await Promise.all([start(), launchBrowser(executable)]);
    page = await browser.context.newPage();
    page.setDefaultTimeout(15_000);
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    if (server && server.child.exitCode === null) {
      server.child.kill('SIGTERM');
      await server.exited();
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('shows "Reconnecting…" while the server is down, then "Live" again, and events written meanwhile arrive', async () => {
    const state = page.getByTestId('live-state');
    await page.goto(`${server!.url}/explorer/log`);
    await expect.poll(() => state.textContent(), { timeout: 15_000 }).toContain('Live');
    const first = await acquire(server!.url, 'before-stop');
    await page.locator(`[data-global-position="${first}"]`).waitFor();

    server!.child.kill('SIGTERM');
    const { code } = await server!.exited();
    expect(code, server!.output()).toBe(0);
    await expect.poll(() => state.textContent(), { timeout: 10_000 }).toContain('Reconnecting');
    await page.screenshot({ path: path.join(screenshotDir, 'reconnecting.png') });
    // Down for longer than one EventSource retry: the page must keep trying, not give up after a refused connection.
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    expect(await state.textContent()).toContain('Reconnecting');

    server = await start();
    const during = await acquire(server.url, 'after-restart');
    await expect.poll(() => state.textContent(), { timeout: 20_000 }).toContain('Live');
    await page.locator(`[data-global-position="${during}"]`).waitFor({ timeout: 10_000 });
    // Nothing shown twice: each global position once.
    const positions = await page
      .locator('[data-global-position]')
      .evaluateAll((rows) => rows.map((row) => row.getAttribute('data-global-position')));
    expect(new Set(positions).size).toBe(positions.length);
  }, 90_000);
});

describe.skipIf(skip)('explorer refused by the server (503 at the subscriber limit)', () => {
  it('keeps "Reconnecting…" while refused, and opens a new event stream once a slot is free', async () => {
    const server = await startExplorerServer({ demo: false, sse: { maxSubscribers: 1, retryAfterSeconds: 1 } });
    const browser = await launchBrowser(executable);
    try {
      // Another client holds the only slot, so the page's EventSource gets a 503 and closes for good.
      const holder = new AbortController();
      const held = await fetch(`${server.url}/v1/subscribe`, { signal: holder.signal });
      expect(held.status).toBe(200);
      const page = await browser.context.newPage();
      const refused = page.waitForResponse(
        (response) => response.url().includes('/v1/subscribe') && response.status() === 503,
      );
      await page.goto(`${server.explorerUrl}log`);
      await refused;
      const state = page.getByTestId('live-state');
      await expect.poll(() => state.textContent(), { timeout: 10_000 }).toContain('Reconnecting');
      holder.abort();
      await expect.poll(() => state.textContent(), { timeout: 20_000 }).toContain('Live');
      const head = await server.store.headPosition();
      await server.append('account-late', [{ type: 'Noted', data: { n: 1 } }]);
      await page.locator(`[data-global-position="${head + 1}"]`).waitFor({ timeout: 10_000 });
    } finally {
      await browser.close();
      await server.close();
    }
  }, 60_000);
});
