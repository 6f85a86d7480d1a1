import path from 'node:path';
import type { Page } from 'playwright-core';
import { createInMemoryStore } from '@chronicle/core';
import { createServer, type RegisteredProjection } from '@chronicle/server';
import type { FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { explorerPlugin } from './explorer-plugin.js';
import { browserAvailability, launchBrowser, screenshotDir, type TestBrowser } from './testing/browser.js';
import { ensureBundle } from './testing/ensure-bundle.js';
import { startExplorerServer, type ExplorerServer } from './testing/explorer-server.js';
import { watchPage, type PageWatch } from './testing/page-watch.js';

const { executable, skip } = browserAvailability();

describe.skipIf(skip)('explorer in Chromium', () => {
  let browser: TestBrowser;
  let page: Page;
  let watch: PageWatch;
  let serverUrl = '';

  beforeAll(async () => {
    ensureBundle();
    browser = await launchBrowser(executable);
  }, 120_000);
  afterAll(async () => browser?.close());
  beforeEach(async () => {
    page = await browser.context.newPage();
    page.setDefaultTimeout(10_000);
    watch = watchPage(page, serverUrl);
  });
  afterEach(async () => {
    await page.close();
    expect(watch.errors, 'no errors in the page').toEqual([]);
    expect(watch.foreign, 'nothing fetched from elsewhere').toEqual([]);
  });

  const shot = (name: string, clipHeight?: number) =>
    page.screenshot({ path: path.join(screenshotDir, `${name}.png`), ...(clipHeight ? { clip: { x: 0, y: 0, width: 1440, height: clipHeight } } : {}) });

  describe('on the Downloads service with its demo history', () => {
    let server: ExplorerServer;
    beforeAll(async () => {
      server = await startExplorerServer();
      serverUrl = server.url;
    }, 60_000);
    afterAll(async () => server?.close());
    const state = (field: string) => page.locator(`[data-testid=state-panel] [data-path="${field}"]`).first();

    it('finds a customer, opens a license from the event dump and travels through its history with diffs', async () => {
      await page.goto(server.explorerUrl);
      await page.getByRole('searchbox', { name: 'search streams' }).fill('bailey');
      await page.getByTestId('customer-result').click();
      await expect.poll(() => page.getByTestId('customer-id').textContent()).toBe('bailey');

      // The customer page: active licenses, this year's downloads per title (the talk's 3-a-year limit), the dump.
      const strangerThings = page.locator('[data-title="stranger-things"]');
      await expect.poll(() => strangerThings.textContent()).toContain('3 / 3');
      // Three licenses are not released; two of them expired, and are listed apart from the active one.
      await expect.poll(() => page.getByRole('region', { name: 'active licenses' }).locator('tbody tr').count()).toBe(1);
      expect(await page.getByRole('region', { name: 'active licenses' }).locator('.chip-removed').count()).toBe(0);
      const expired = page.getByRole('region', { name: 'expired licenses' });
      expect(await expired.locator('tbody tr').count()).toBe(2);
      expect(await expired.locator('.chip-removed').count()).toBe(2);
      expect(await page.getByText('1 active license (2 expired)').count()).toBe(1);
      await expect.poll(() => page.getByRole('grid', { name: 'customer events' }).getByRole('row').count()).toBeGreaterThan(10);
      await shot('customer');

      // An unknown customer: "not found", not an empty page.
      await page.goto(`${server.explorerUrl}customers/nobody-here`);
      await expect.poll(() => page.getByTestId('customer-not-found').textContent()).toContain('Customer nobody-here not found');
      expect(await page.getByRole('region', { name: 'active licenses' }).count()).toBe(0);
      await page.goBack();
      await expect.poll(() => page.getByTestId('customer-id').textContent()).toBe('bailey');

      // The first Stranger Things license was renewed twice, then released: find its release in the dump.
      await page.getByRole('grid', { name: 'customer events' }).getByRole('row').filter({ hasText: 'LicenseReleased' }).first().click();
      await page.getByRole('region', { name: 'event detail' }).getByRole('link', { name: 'State at this event' }).click();
      await expect.poll(() => page.getByTestId('stream-id').textContent()).toMatch(/^license-/);
      const slider = page.getByRole('slider', { name: 'version' });
      await expect.poll(() => slider.inputValue()).toBe('4');

      // Version 4, the release: status changed, releasedAt added.
      await expect.poll(() => state('status').getAttribute('data-diff')).toBe('changed');
      expect(await state('status').textContent()).toMatch(/"active".*→.*"released"/);
      expect(await state('releasedAt').getAttribute('data-diff')).toBe('added');
      expect(await state('renewals').getAttribute('data-diff')).toBe('unchanged');
      await expect.poll(() => page.getByTestId('diff-summary').textContent()).toBe('+1 added~1 changed−0 removed');
      await shot('time-travel-release');
      await shot('explorer-readme', 680); // docs/explorer.png

      // Scrub back one version with the keyboard: the second renewal.
      await slider.focus();
      await page.keyboard.press('ArrowLeft');
      await expect.poll(() => page.getByRole('heading', { name: /State after event 3/ }).count()).toBe(1);
      await expect.poll(() => state('renewals').textContent()).toMatch(/1\s*→\s*2/);
      expect(await state('renewals').getAttribute('data-diff')).toBe('changed');
      expect(await state('expiresAt').getAttribute('data-diff')).toBe('changed');
      expect(await state('status').getAttribute('data-diff')).toBe('unchanged');
      expect(await state('releasedAt').count()).toBe(0);
      expect(new URL(page.url()).searchParams.get('version')).toBe('3');

      // Home: the initial state; then step forward with the button to the acquisition (everything added).
      await page.keyboard.press('Home');
      await expect.poll(() => page.getByRole('heading', { name: 'Initial state' }).count()).toBe(1);
      await expect.poll(() => state('status').textContent()).toContain('"none"');
      await page.getByRole('button', { name: 'Next' }).click();
      await expect.poll(() => state('customerId').getAttribute('data-diff')).toBe('added');
      expect(await state('status').textContent()).toMatch(/"none".*→.*"active"/);

      // A click on the slider's track jumps there (version 2 of 4 is the middle).
      const box = (await slider.boundingBox())!;
      await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
      await expect.poll(() => slider.inputValue()).toBe('2');
      await expect.poll(() => state('renewals').textContent()).toMatch(/0\s*→\s*1/);

      // The customer id in the state links back to the customer page.
      await state('customerId').getByRole('link').click();
      await expect.poll(() => page.getByTestId('customer-id').textContent()).toBe('bailey');
    });

    it('cuts long stream ids in the middle, with the whole id on hover and on copy; ↓ selects before any click', async () => {
      await page.goto(`${server.explorerUrl}customers/bailey`);
      const dump = page.getByRole('grid', { name: 'customer events' });
      await expect.poll(() => dump.getByRole('row').count()).toBeGreaterThan(10);
      const id = dump.locator('.middle-ellipsis[data-full^="license-"]').first();
      const full = (await id.getAttribute('data-full'))!;
      expect(full).toMatch(/^license-[0-9a-f-]{36}$/);
      expect(await id.getAttribute('title')).toBe(full);
      // The row is too narrow for the whole id: the head is cut, the suffix shows whole, inside the cell.
      // In the page (strings: this file is compiled without the DOM library).
      const element = `document.querySelector('[aria-label="customer events"] .middle-ellipsis[data-full="${full}"]')`;
      const cut = await page.evaluate(`(() => {
        const element = ${element};
        const head = element.querySelector('.head');
        const tail = element.querySelector('.tail');
        const cell = element.closest('.stream').getBoundingClientRect();
        return { clipped: head.scrollWidth > head.clientWidth, tail: tail.textContent, tailInside: tail.getBoundingClientRect().right <= cell.right + 0.5 };
      })()`);
      expect(cut).toEqual({ clipped: true, tail: full.slice(-14), tailInside: true });
      // Copying a selection of the id copies all of it: what Ctrl+C puts on the clipboard is the copy event's data
      // when the page sets it, else the selection's text.
      const copied = await page.evaluate(`(() => {
        const element = ${element};
        const range = document.createRange();
        range.selectNodeContents(element);
        const selection = window.getSelection();
        selection.removeAllRanges();
        selection.addRange(range);
        const clipboardData = new DataTransfer();
        const replaced = !element.dispatchEvent(new ClipboardEvent('copy', { clipboardData, bubbles: true, cancelable: true }));
        const text = replaced ? clipboardData.getData('text/plain') : selection.toString();
        selection.removeAllRanges();
        return text;
      })()`);
      expect(copied).toBe(full);

      // Nothing clicked yet: ↓ selects the first row of the list (and the page does not scroll), ↓ again the second.
      await page.reload();
      await expect.poll(() => dump.getByRole('row').count()).toBeGreaterThan(10);
      await page.keyboard.press('ArrowDown');
      await expect.poll(() => dump.locator('[aria-selected=true]').getAttribute('aria-rowindex')).toBe('1');
      expect(await page.evaluate('window.scrollY')).toBe(0);
      await page.keyboard.press('ArrowDown');
      await expect.poll(() => dump.locator('[aria-selected=true]').getAttribute('aria-rowindex')).toBe('2');
      expect(await page.evaluate(`document.activeElement?.getAttribute('aria-label')`)).toBe('customer events');
      // A key meant for something else that has focus is left alone.
      await page.getByRole('link', { name: 'Account stream' }).focus();
      await page.keyboard.press('ArrowDown');
      expect(await dump.locator('[aria-selected=true]').getAttribute('aria-rowindex')).toBe('2');
    });

    it('fits a 420 px wide window: nothing clipped, nothing scrolls sideways', async () => {
      await page.setViewportSize({ width: 420, height: 800 });
      // Whatever is visible lies inside the window: every nav link, and the time-travel's "only changes" toggle.
      const inside = async (name: string, locator: ReturnType<Page['locator']>) => {
        const box = (await locator.boundingBox())!;
        expect(box, name).not.toBeNull();
        expect([name, box.x >= 0 && box.x + box.width <= 420]).toEqual([name, true]);
      };
      const sideways = () => page.evaluate('document.documentElement.scrollWidth');
      const navInside = async () => {
        for (const link of await page.getByRole('navigation', { name: 'screens' }).getByRole('link').all()) await inside(`nav ${await link.textContent()}`, link);
      };
      const licenseLink = page.getByRole('region', { name: 'active licenses' }).getByRole('link').first();
      await page.goto(`${server.explorerUrl}customers/bailey`);
      await expect.poll(() => licenseLink.count()).toBe(1);
      await navInside();
      expect(await sideways()).toBeLessThanOrEqual(420);
      await shot('narrow-customer');
      await licenseLink.click();
      const toggle = page.getByLabel('only changes');
      await expect.poll(() => toggle.count()).toBe(1);
      await inside('only changes', toggle);
      await inside('only changes label', page.locator('label').filter({ hasText: 'only changes' }));
      await navInside();
      expect(await sideways()).toBeLessThanOrEqual(420);
      await shot('narrow-time-travel');
    });

    it('jumps to the state as of a date and time', async () => {
      // Three downloads recorded over ~2.4 s, so that a time between them selects the middle one.
      const stream = 'downloaded-zoe/dark';
      for (const [index, licenseId] of ['l-1', 'l-2', 'l-3'].entries()) {
        if (index > 0) await new Promise((resolve) => setTimeout(resolve, 1_150));
        await server.append(stream, [{ type: 'TitleDownloaded', data: { licenseId, deviceId: 'zoe-phone', at: new Date().toISOString() } }]);
      }
      const recorded: Date[] = [];
      for await (const event of server.store.readStream(stream)) recorded.push(event.recordedAt);
      await page.goto(`${server.explorerUrl}streams/${encodeURIComponent(stream)}/time-travel`);
      const slider = page.getByRole('slider', { name: 'version' });
      await expect.poll(() => slider.inputValue()).toBe('3');
      // The browser runs in UTC (see launchBrowser). The picker is to the second and includes that whole
      // second: the second of the 2nd event holds the 2nd but not the 3rd, recorded over 1 s later.
      const between = recorded[1]!.toISOString().slice(0, 19);
      await page.getByLabel('as of date and time').fill(between);
      await expect.poll(() => slider.inputValue()).toBe('2');
      await expect.poll(() => state('downloads.1.licenseId').textContent()).toContain('l-2');
      await expect.poll(() => state('downloads.2').count()).toBe(0);
      expect(await page.getByRole('heading', { name: /State after event 2/ }).count()).toBe(1);
    });

    it('searches by event type and by category', async () => {
      await page.goto(server.explorerUrl);
      await page.getByRole('combobox', { name: 'event type' }).selectOption('DeviceDeactivated');
      const results = page.getByRole('table', { name: 'streams found' });
      await expect.poll(() => results.locator('tbody tr').allTextContents()).toEqual([expect.stringContaining('account-sam')]);
      expect(new URL(page.url()).searchParams.get('type')).toBe('DeviceDeactivated');

      await page.getByRole('combobox', { name: 'event type' }).selectOption('');
      await page.getByRole('combobox', { name: 'category' }).selectOption('downloaded');
      await page.getByRole('searchbox', { name: 'search streams' }).fill('bailey');
      await expect.poll(() => results.locator('tbody tr td:first-child').allTextContents()).toEqual(['downloaded-bailey/stranger-things', 'downloaded-bailey/the-crown']);
      await results.getByRole('link', { name: 'downloaded-bailey/the-crown' }).click();
      await expect.poll(() => page.getByTestId('stream-id').textContent()).toBe('downloaded-bailey/the-crown');
      await expect.poll(() => page.getByRole('grid', { name: /events of/ }).getByRole('row').count()).toBe(1);
    });

    it('shows an upcast event as its current version, with the version it is stored at', async () => {
      await page.goto(`${server.explorerUrl}streams/profile-bailey?event=1`);
      const row = page.getByRole('grid', { name: 'events of profile-bailey' }).getByRole('row').first();
      await expect.poll(() => row.textContent()).toContain('ProfileUpdated');
      expect(await row.textContent()).toContain('v2');
      expect(await row.getByTestId('stored-as').textContent()).toBe('stored as v1');
      const detail = page.getByRole('region', { name: 'event detail' });
      await expect.poll(() => detail.textContent()).toContain('ProfileUpdated v1 (upcast on read)');
      expect(await detail.getByRole('group', { name: 'event data' }).textContent()).toContain('"locale": "en-US"');
      await shot('upcast');
    });

    it('follows the global log live: a new event shows up within 2 s', async () => {
      await page.goto(`${server.explorerUrl}log`);
      await expect.poll(() => page.getByTestId('live-state').textContent()).toContain('Live');
      const head = await server.store.headPosition();
      await expect.poll(() => page.locator(`[data-global-position="${head}"]`).count()).toBe(1);
      const appendedAt = Date.now();
      await server.append('account-newcomer', [{ type: 'LicenseActivated', data: { licenseId: 'x', deviceId: 'tv', titleId: 'dark', studioId: 'hbo', at: new Date().toISOString() } }]);
      await page.locator(`[data-global-position="${head + 1}"]`).waitFor({ timeout: 2_000 });
      expect(Date.now() - appendedAt).toBeLessThan(2_000);
      const newest = page.getByRole('grid', { name: 'global log events' }).getByRole('row').first();
      expect(await newest.textContent()).toContain('account-newcomer');
      await newest.click();
      await expect.poll(() => page.getByRole('region', { name: 'event detail' }).textContent()).toContain('"titleId": "dark"');
      await shot('global-log');
    });

    it('shows the rules history: who changed what, old → new, the rules in force marked', async () => {
      const before = server.downloads.rules.current();
      await server.downloads.rules.replace({ ...before, downloadsPerTitlePerYear: 5, studioLimits: { default: 10, perStudio: { hbo: 2 } } }, { changedBy: 'ops@example.com' });
      try {
        await page.goto(`${server.url}/explorer/rules`);
        const latest = page.locator(`[data-version="${server.downloads.rules.version()}"]`);
        await expect.poll(() => latest.textContent()).toContain('ops@example.com');
        const text = (await latest.textContent()) ?? '';
        expect(text).toContain('in force');
        expect(text).toContain('downloadsPerTitlePerYear: 3 → 5');
        expect(text).toContain('studioLimits.perStudio.hbo: — → 2');
        await expect.poll(() => page.locator('[data-version="1"]').textContent()).toContain('first rules');
        await shot('rules');
        await page.locator(`[data-version="${server.downloads.rules.version()}"] a`).first().click();
        await expect.poll(() => page.url()).toContain('/explorer/streams/rules-downloads/time-travel');
      } finally {
        await server.downloads.rules.replace(before, { changedBy: 'test' });
      }
    });

    it('lists projections with position and lag, and offers no rebuild without a token', async () => {
      await page.goto(`${server.explorerUrl}projections`);
      const catalog = page.locator('[data-projection="chronicle-catalog"]');
      await expect.poll(() => catalog.textContent()).toContain('live');
      // Lag in events and seconds, caught up or not.
      await expect.poll(() => page.locator('[data-projection="title-popularity"] [data-testid=lag]').textContent()).toBe('0 ev · 0.0 s');
      expect(await page.getByRole('button', { name: 'Rebuild' }).count()).toBe(0);
      await shot('projections');
    });
  });

  describe('on a server with a rebuildable projection', () => {
    const token = 'rebuild-token';
    let app: FastifyInstance;
    const rebuilds: number[] = [];
    beforeAll(async () => {
      const store = createInMemoryStore();
      await store.append('totals-1', [{ type: 'Counted', data: { n: 1 } }], 'any');
      let position = 0;
      const totals: RegisteredProjection = {
        name: 'totals',
        kind: 'projection',
        status: async () => ({ name: 'totals', state: 'live', position, head: 1, lagEvents: 1 - position, lagSeconds: 0, eventsPerSecond: 0, processed: position, failures: 0 }),
        rebuild: async () => {
          rebuilds.push(Date.now());
          position = 1;
        },
      };
      ({ app } = await createServer({ store, auth: { token }, projections: [totals], catalog: false, plugins: [explorerPlugin()] }));
      serverUrl = await app.listen({ port: 0, host: '127.0.0.1' });
    });
    afterAll(async () => app?.close());

    it('offers the rebuild only once a token is entered, keeps it for the tab only, and reports a refused token', async () => {
      await page.goto(`${serverUrl}/explorer/projections`);
      const row = page.locator('[data-projection="totals"]');
      await expect.poll(() => row.textContent()).toContain('0 / 1');
      expect(await page.getByRole('button', { name: 'Rebuild' }).count()).toBe(0);

      await page.getByRole('button', { name: 'Read-only' }).click();
      await page.getByRole('textbox', { name: 'API token' }).fill('not-the-token');
      await page.getByRole('button', { name: 'Use token' }).click();
      await row.getByRole('button', { name: 'Rebuild' }).click();
      await expect.poll(() => page.getByRole('status').filter({ hasText: 'refused' }).count()).toBe(1);
      expect(rebuilds).toEqual([]);

      await page.getByRole('button', { name: 'Token set' }).click();
      await page.getByRole('button', { name: 'Forget token' }).click();
      expect(await page.getByRole('button', { name: 'Rebuild' }).count()).toBe(0);
      await page.getByRole('button', { name: 'Read-only' }).click();
      await page.getByRole('textbox', { name: 'API token' }).fill(token);
      await page.getByRole('button', { name: 'Use token' }).click();
      await row.getByRole('button', { name: 'Rebuild' }).click();
      await expect.poll(() => rebuilds.length).toBe(1);
      await expect.poll(() => row.textContent()).toContain('1 / 1');
      expect(await page.evaluate("sessionStorage.getItem('chronicle.explorer.token')")).toBe(token);
      await page.reload();
      await expect.poll(() => page.getByRole('button', { name: 'Rebuild' }).count()).toBe(1);

      // Another tab starts read-only: the token lives in sessionStorage.
      const other = await browser.context.newPage();
      await other.goto(`${serverUrl}/explorer/projections`);
      await expect.poll(() => other.locator('[data-projection="totals"]').textContent()).toContain('totals');
      expect(await other.getByRole('button', { name: 'Rebuild' }).count()).toBe(0);
      expect(await other.getByRole('button', { name: 'Read-only' }).count()).toBe(1);
      await other.close();
    });
  });
});
