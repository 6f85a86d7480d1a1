import type { Page } from 'playwright-core';
import { launchBrowser, type TestBrowser } from './browser.js';
import { ensureBundle } from './ensure-bundle.js';
import { startExplorerServer, type ExplorerServer, type ExplorerServerOptions } from './explorer-server.js';
import { watchPage, type PageWatch } from './page-watch.js';

/** A test server, a browser and one watched page on it, as a browser test file's `beforeAll` opens them. */
export type ExplorerSession = {
  readonly server: ExplorerServer;
  readonly browser: TestBrowser;
  readonly page: Page;
  readonly watch: PageWatch;
  /** Closes the browser, then the server. */
  close(): Promise<void>;
};

/** Builds the bundle if needed, starts the server and the browser side by side, opens a page and watches it. */
export async function openExplorerSession(
  executable: string | undefined,
  options: ExplorerServerOptions = {},
): Promise<ExplorerSession> {
  ensureBundle();
  const [server, browser] = await Promise.all([startExplorerServer(options), launchBrowser(executable)]);
  const page = await browser.context.newPage();
  page.setDefaultTimeout(10_000);
  const watch = watchPage(page, server.url);
  return {
    server,
    browser,
    page,
    watch,
    async close() {
      await browser.close();
      await server.close();
    },
  };
}
