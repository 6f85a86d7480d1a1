import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NewEvent } from '@chronicle/core';
import { browserAvailability, screenshotDir } from './testing/browser.js';
import type { ExplorerServer } from './testing/explorer-server.js';
import { openExplorerSession, type ExplorerSession } from './testing/explorer-session.js';
import type { PageWatch } from './testing/page-watch.js';

const { executable, skip } = browserAvailability();

describe.skipIf(skip)('explorer global log filtered by event type and stream prefix', () => {
  let session: ExplorerSession | undefined;
  let server: ExplorerServer;
  let page: Page;
  let watch: PageWatch;

  beforeAll(async () => {
    session = await openExplorerSession(executable, { demo: false });
    ({ server, page, watch } = session);
  }, 120_000);
  afterAll(async () => session?.close());

  /** Appends one event and answers its global position. */
  const append = async (streamId: string, event: NewEvent): Promise<number> => {
    await server.append(streamId, [event]);
    return server.store.headPosition();
  };
  const shown = async (): Promise<number[]> =>
    (
      await page
        .locator('[data-global-position]')
        .evaluateAll((rows) => rows.map((row) => Number(row.getAttribute('data-global-position'))))
    ).sort((a, b) => a - b);
  const state = () => page.getByTestId('live-state');

  it('shows only matching events, from history and live, with the filter in the address', async () => {
    const acquired = { type: 'LicenseAcquired', data: { n: 1 } };
    const renewed = { type: 'LicenseRenewed', data: { n: 2 } };
    const noted = { type: 'Noted', data: { n: 3 } };
    const history = [
      await append('license-1', acquired),
      await append('account-1', acquired), // right type, other stream prefix
      await append('license-2', renewed),
      await append('license-3', noted), // right prefix, other type
    ];
    // Enough non-matching events that the matching ones are not in the newest unfiltered page.
    for (let i = 0; i < 120; i += 1) await append(`account-${i + 2}`, renewed);
    const matching = [history[0]!, history[2]!];

    await page.goto(`${server.explorerUrl}log`);
    await expect.poll(() => state().textContent()).toContain('Live');
    await page.getByRole('searchbox', { name: 'event types' }).fill(' LicenseAcquired, LicenseRenewed ');
    await page.getByRole('searchbox', { name: 'stream prefix' }).fill('license-');
    const subscribed = page.waitForRequest((request) => request.url().includes('/v1/subscribe'));
    await page.getByRole('button', { name: 'Filter' }).click();
    const subscribeUrl = new URL((await subscribed).url());
    expect(subscribeUrl.searchParams.get('types')).toBe('LicenseAcquired,LicenseRenewed');
    expect(subscribeUrl.searchParams.get('streamPrefix')).toBe('license-');
    const address = new URL(page.url());
    expect(address.pathname).toBe('/explorer/log');
    expect(address.searchParams.get('types')).toBe('LicenseAcquired,LicenseRenewed');
    expect(address.searchParams.get('streamPrefix')).toBe('license-');

    await expect.poll(shown).toEqual(matching);
    await expect.poll(() => state().textContent()).toContain('Live');

    // Live: non-matching events first, then a matching one; SSE keeps commit order, so once the last one is
    // shown the others would have been too.
    await append('account-900', acquired);
    await append('license-4', noted);
    const live = await append('license-5', renewed);
    await page.locator(`[data-global-position="${live}"]`).waitFor();
    expect(await shown()).toEqual([...matching, live]);
    await page.screenshot({ path: path.join(screenshotDir, 'global-log-filtered.png') });

    // The address is a bookmark: opened afresh, it shows the same filter and events.
    const bookmark = page.url();
    await page.goto(`${server.explorerUrl}log`);
    await expect.poll(() => state().textContent()).toContain('Live');
    await page.goto(bookmark);
    await expect.poll(() => page.getByRole('searchbox', { name: 'stream prefix' }).inputValue()).toBe('license-');
    await expect.poll(shown).toEqual([...matching, live]);

    // Changing the filter re-subscribes with the new one.
    await page.getByRole('searchbox', { name: 'event types' }).fill('Noted');
    const resubscribed = page.waitForRequest((request) => request.url().includes('/v1/subscribe'));
    await page.getByRole('button', { name: 'Filter' }).click();
    expect(new URL((await resubscribed).url()).searchParams.get('types')).toBe('Noted');
    await expect.poll(shown).toEqual([history[3]!, live - 1]);
    await expect.poll(() => state().textContent()).toContain('Live');
    const liveNoted = await append('license-6', noted);
    await page.locator(`[data-global-position="${liveNoted}"]`).waitFor();
    expect(await shown()).toEqual([history[3]!, live - 1, liveNoted]);
  }, 60_000);

  it('reads older filtered pages as the list scrolls down', async () => {
    const matching: number[] = [];
    for (let i = 0; i < 130; i += 1) {
      matching.push(await append(`older-${i}`, { type: 'Paged', data: { i } }));
      await append(`older-${i}`, { type: 'Unpaged', data: { i } });
      await append(`other-${i}`, { type: 'Paged', data: { i } });
    }
    const requests = watch.api.length;
    await page.goto(`${server.explorerUrl}log?types=Paged&streamPrefix=older-`);
    await expect.poll(() => state().textContent()).toContain('Live');
    const list = page.getByRole('grid', { name: 'global log events' });
    await page.locator(`[data-global-position="${matching.at(-1)}"]`).waitFor();
    // Scrolled to the bottom until the oldest matching event shows: the second page was read, filtered by the store.
    await expect
      .poll(async () => {
        await list.evaluate((element) => (element.scrollTop = element.scrollHeight));
        return page.locator(`[data-global-position="${matching[0]}"]`).count();
      })
      .toBe(1);
    const rendered = await shown();
    expect(rendered.length).toBeGreaterThan(0);
    expect(rendered.every((position) => matching.includes(position))).toBe(true);
    const pages = watch.api.slice(requests).filter((call) => call.includes('/v1/all') && call.includes('types=Paged'));
    expect(pages).toHaveLength(2);
    for (const call of pages) expect(call).toMatch(/direction=backwards.*streamPrefix=older-/);
  }, 60_000);

  it('says when nothing matches, and shows a matching event as soon as it is appended', async () => {
    await page.goto(`${server.explorerUrl}log?types=NeverYet&streamPrefix=license-`);
    await expect.poll(() => state().textContent()).toContain('Live');
    const empty = page.getByText('No events of type NeverYet in streams starting with “license-” yet.');
    await empty.waitFor();
    expect(await shown()).toEqual([]);
    await append('account-1', { type: 'NeverYet', data: {} }); // other prefix
    const first = await append('license-7', { type: 'NeverYet', data: {} });
    await page.locator(`[data-global-position="${first}"]`).waitFor();
    expect(await shown()).toEqual([first]);
    expect(await empty.count()).toBe(0);

    // "Show every event" clears the filter.
    await page.goto(`${server.explorerUrl}log?types=NeverEver`);
    await page.getByRole('link', { name: 'Show every event' }).click();
    await expect.poll(() => new URL(page.url()).search).toBe('');
    // Every event again: the newest one, and the one before it that the last filter left out (other prefix).
    const head = await server.store.headPosition();
    await page.locator(`[data-global-position="${head}"]`).waitFor();
    await page.locator(`[data-global-position="${head - 1}"]`).waitFor();
    expect(watch.errors, 'no errors in the page').toEqual([]);
    expect(watch.foreign, 'nothing fetched from elsewhere').toEqual([]);
  }, 60_000);
});
