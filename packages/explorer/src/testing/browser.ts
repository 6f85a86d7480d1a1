import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext } from 'playwright-core';

/** Where browser tests save screenshots (gitignored). */
export const screenshotDir: string = fileURLToPath(new URL('../../test-output/', import.meta.url));

/** Debian's Chromium (or CHROMIUM_PATH), if installed. */
export function findChromium(): string | undefined {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'];
  for (const candidate of candidates) if (candidate && existsSync(candidate)) return candidate;
  try {
    const found = execFileSync('which', ['chromium'], { encoding: 'utf8' }).trim();
    return found || undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether browser tests run here. A missing browser skips them with a message,
 * except under CI=true, where it is a failure (CI installs it with .ci/setup.d/chromium.sh).
 */
export function browserAvailability(): { readonly executable: string | undefined; readonly skip: boolean } {
  const executable = findChromium();
  if (executable) return { executable, skip: false };
  if (process.env.CI === 'true') return { executable: undefined, skip: false };
  console.warn('\n  [explorer] Chromium not found: browser tests SKIPPED. Install it with `bash .ci/setup.d/chromium.sh` (apt-get install chromium).\n');
  return { executable: undefined, skip: true };
}

/** A headless Chromium with a throwaway profile (a fresh user data dir, removed on close). */
export type TestBrowser = { readonly context: BrowserContext; close(): Promise<void> };

/** Launches Debian's Chromium through playwright-core (no downloaded browser builds). */
export async function launchBrowser(executable: string | undefined): Promise<TestBrowser> {
  if (!executable) throw new Error('Chromium is not installed (CI=true): run .ci/setup.d/chromium.sh, or set CHROMIUM_PATH');
  const profile = mkdtempSync(path.join(tmpdir(), 'explorer-chromium-'));
  mkdirSync(screenshotDir, { recursive: true });
  // Playwright passes the profile as --user-data-dir itself (it refuses the flag in `args`).
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: executable,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    viewport: { width: 1440, height: 900 },
    deviceScaleFactor: 1,
    colorScheme: 'light',
    timezoneId: 'UTC',
    locale: 'en-US',
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
