import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { deleteStreams, uniqueLayout } from '@chronicle/nats/testing';
import { killLeftoverMains, startMain } from './test-support/main-process.js';
import { natsUrl } from './test-support/nats.js';
import { adminQuery, pgAvailable, urlForDatabase } from './test-support/pg.js';

// A test that fails before its own kill must not leave its server running.
afterEach(killLeftoverMains);

/** `npm start` on a data directory; resolves once it prints its banner. */
async function start(dataDir: string, ...args: string[]): Promise<{ child: ChildProcess; url: string; output: () => string }> {
  return startWith({}, dataDir, ...args);
}

async function startWith(extraEnv: NodeJS.ProcessEnv, dataDir: string, ...args: string[]): Promise<{ child: ChildProcess; url: string; output: () => string }> {
  const running = await startMain(dataDir, extraEnv, ...args);
  expect(running.output()).toContain(`(store: ${extraEnv.CHRONICLE_PG_URL ? 'PostgreSQL' : path.join(dataDir, 'chronicle.db')})`);
  return running;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * The demo's history as the global log shows it: recorded over months before now, `recordedAt` never going back
 * with the global position (time travel needs it), and each license event recorded at its own domain time.
 */
async function expectSpreadDemo(url: string, startedAt: number): Promise<void> {
  const page = (await (await fetch(`${url}/v1/all?limit=1000`)).json()) as {
    events: { globalPosition: number; recordedAt: string; type: string; data: Record<string, unknown> }[];
  };
  const events = page.events;
  expect(events.length).toBeGreaterThan(30);
  const times = events.map((e) => Date.parse(e.recordedAt));
  for (let i = 1; i < events.length; i++) {
    expect(events[i]!.globalPosition).toBeGreaterThan(events[i - 1]!.globalPosition);
    expect(times[i], `recordedAt at position ${events[i]!.globalPosition}`).toBeGreaterThanOrEqual(times[i - 1]!);
  }
  expect(times[times.length - 1]! - times[0]!).toBeGreaterThan(180 * DAY_MS); // months, not one second
  expect(new Set(events.map((e) => e.recordedAt.slice(0, 10))).size).toBeGreaterThan(15); // many distinct days
  expect(times[times.length - 1]!).toBeLessThan(startedAt); // all of it before the server started
  const domainTime = ({ data }: (typeof events)[number]): unknown =>
    data.acquiredAt ?? data.renewedAt ?? data.releasedAt;
  const licenseEvents = events.filter((e) => ['LicenseAcquired', 'LicenseRenewed', 'LicenseReleased'].includes(e.type));
  expect(licenseEvents.length).toBeGreaterThan(10);
  for (const e of licenseEvents) expect(domainTime(e), `${e.type} at ${e.globalPosition}`).toBe(e.recordedAt);
}

describe('npm start (apps/downloads/src/main.ts) on SQLite', () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'downloads-main-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('serves with --demo, prints its URL and a generated token, stops on SIGTERM; a SIGKILLed server restarts with every acknowledged license', async () => {
    const startedAt = Date.now();
    const first = await start(dataDir, '--demo');
    expect(first.output()).toMatch(/API token \(saved in .*api-token\): \S+/);
    expect((await fetch(`${first.url}/health`)).status).toBe(200);
    const demo = (await (await fetch(`${first.url}/v1/customers/bailey/events`)).json()) as { count: number };
    expect(demo.count).toBeGreaterThan(10);
    await expectSpreadDemo(first.url, startedAt);
    first.child.kill('SIGTERM');
    const [code] = (await once(first.child, 'exit')) as [number | null];
    expect(code).toBe(0);

    const second = await start(dataDir, '--demo');
    expect(second.output()).not.toMatch(/API token \(saved/); // kept from the first start
    expect(second.output()).toContain(`API token: in ${path.join(dataDir, 'api-token')}`);
    const again = (await (await fetch(`${second.url}/v1/customers/bailey/events`)).json()) as { count: number };
    expect(again.count).toBe(demo.count); // the demo loads once per store
    const acquired = await fetch(`${second.url}/v1/licenses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ customerId: 'kim', deviceId: 'phone', titleId: 'dark', studioId: 'netflix' }),
    });
    expect(acquired.status).toBe(201);
    const { licenseId } = (await acquired.json()) as { licenseId: string };
    second.child.kill('SIGKILL');
    await once(second.child, 'exit');

    const third = await start(dataDir);
    try {
      const stream = (await (await fetch(`${third.url}/v1/streams/license-${licenseId}`)).json()) as { events: { type: string }[] };
      expect(stream.events.map((e) => e.type)).toEqual(['LicenseAcquired']);
    } finally {
      third.child.kill('SIGTERM');
      await once(third.child, 'exit');
    }
  }, 60_000);
});

const pg = await pgAvailable();

describe.skipIf(!pg)('npm start with CHRONICLE_PG_URL', () => {
  // A throwaway database: main.ts uses the default schema, which nothing else may share.
  const database = `chronicle_main_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  const dataDir = mkdtempSync(path.join(tmpdir(), 'downloads-main-pg-'));
  beforeAll(() => adminQuery(`create database "${database}"`));
  afterAll(async () => {
    rmSync(dataDir, { recursive: true, force: true });
    await adminQuery(`drop database if exists "${database}" with (force)`);
  });

  it('serves on PostgreSQL, with the demo history', async () => {
    const startedAt = Date.now();
    const server = await startWith({ CHRONICLE_PG_URL: urlForDatabase(database) }, dataDir, '--demo');
    try {
      expect(await (await fetch(`${server.url}/health`)).json()).toMatchObject({ status: 'ok', store: 'postgres' });
      const demo = (await (await fetch(`${server.url}/v1/customers/bailey/events`)).json()) as { count: number };
      expect(demo.count).toBeGreaterThan(10);
      await expectSpreadDemo(server.url, startedAt);
    } finally {
      server.child.kill('SIGTERM');
      const [code] = (await once(server.child, 'exit')) as [number | null];
      expect(code).toBe(0);
    }
  }, 60_000);
});

const nats = natsUrl('npm start with CHRONICLE_NATS_URL');

describe.skipIf(!nats)('npm start with CHRONICLE_NATS_URL', () => {
  const { stream } = uniqueLayout('main');
  const dataDir = mkdtempSync(path.join(tmpdir(), 'downloads-main-nats-'));
  afterAll(async () => {
    rmSync(dataDir, { recursive: true, force: true });
    await deleteStreams(nats!, stream);
  });

  it('serves API and explorer on NATS (banner, /health name it); after SIGKILL keeps every license', async () => {
    const env = { CHRONICLE_NATS_URL: nats!, CHRONICLE_NATS_STREAM: stream };
    const startedAt = Date.now();
    const first = await startMain(dataDir, env, '--demo');
    expect(first.output()).toMatch(
      new RegExp(`\\(store: NATS JetStream at ${nats}, stream ${stream}, R1, nats-server \\d+\\.\\d+\\.\\d+\\)`),
    );
    expect(await (await fetch(`${first.url}/health`)).json()).toMatchObject({ status: 'ok', store: 'nats' });
    expect((await fetch(`${first.url}/explorer/`)).status).toBe(200);
    const demo = (await (await fetch(`${first.url}/v1/customers/bailey/events`)).json()) as { count: number };
    expect(demo.count).toBeGreaterThan(10);
    await expectSpreadDemo(first.url, startedAt);
    const acquired = await fetch(`${first.url}/v1/licenses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ customerId: 'kim', deviceId: 'phone', titleId: 'dark', studioId: 'netflix' }),
    });
    expect(acquired.status).toBe(201);
    const { licenseId } = (await acquired.json()) as { licenseId: string };
    first.child.kill('SIGKILL');
    await once(first.child, 'exit');

    const second = await startMain(dataDir, env, '--demo');
    try {
      const again = (await (await fetch(`${second.url}/v1/customers/bailey/events`)).json()) as { count: number };
      expect(again.count).toBe(demo.count); // the demo loads once per store
      const license = (await (await fetch(`${second.url}/v1/streams/license-${licenseId}`)).json()) as {
        events: { type: string }[];
      };
      expect(license.events.map((e) => e.type)).toEqual(['LicenseAcquired']);
    } finally {
      second.child.kill('SIGTERM');
      const [code] = (await once(second.child, 'exit')) as [number | null];
      expect(code).toBe(0);
    }
  }, 60_000);
});
