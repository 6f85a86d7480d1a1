import type { Page } from 'playwright-core';

/** What a page did that a test may assert on. */
export type PageWatch = {
  /** Uncaught exceptions and console errors (failed API calls the app handles are left out). */
  readonly errors: string[];
  /** Requests to anywhere but the server under test: the explorer must work offline. */
  readonly foreign: string[];
  /** Every request to the server's API, as `METHOD path?query`. */
  readonly api: string[];
};

/** Records errors, API calls and requests to other origins of a page. */
export function watchPage(page: Page, serverUrl: string): PageWatch {
  const watch: PageWatch = { errors: [], foreign: [], api: [] };
  page.on('pageerror', (error) => watch.errors.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) watch.errors.push(`console: ${message.text()}`);
  });
  page.on('request', (request) => {
    const url = request.url();
    if (url.startsWith('data:') || url.startsWith('blob:')) return;
    if (!url.startsWith(serverUrl)) {
      watch.foreign.push(url);
      return;
    }
    const { pathname, search } = new URL(url);
    if (pathname.startsWith('/v1/')) watch.api.push(`${request.method()} ${pathname}${search}`);
  });
  return watch;
}
