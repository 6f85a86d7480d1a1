import { randomUUID } from 'node:crypto';
import type { EventStore, StoreWithProjections } from '@chronicle/core';
import { createPostgresStore } from '@chronicle/postgres';
import { describe, expect, it } from 'vitest';
import { startDownloads, type RunningDownloads } from './test-support/app.js';
import { pgAvailable, runExclusively, useThrowawayDatabase } from './test-support/pg.js';

const available = await pgAvailable();

describe.skipIf(!available)('fallback with two instances: every grant reconciled exactly once', () => {
  runExclusively();
  const database = useThrowawayDatabase('fb2');
  const refuse = (allow: boolean) => database.allowConnections(allow);
  const terminate = () => database.terminateSessions();

  it('grants on both instances during the outage (one key on both), then both reconcile at once: each license once, each download counted once', async () => {
    const open = async (name: string) =>
      (await createPostgresStore({ connectionString: database.url, applicationName: `downloads-fb-${name}`, maxConnections: 4 })) as EventStore &
        StoreWithProjections<unknown>;
    const stores = [await open('a'), await open('b')];
    // Reconcilers far apart in time: the test runs them itself, together.
    const [a, b] = [await startDownloads(stores[0]!, { reconcileEveryMs: 3_600_000 }), await startDownloads(stores[1]!, { reconcileEveryMs: 3_600_000 })] as [
      RunningDownloads,
      RunningDownloads,
    ];
    const customerId = `fb-${randomUUID().slice(0, 8)}`;
    const acquire = (d: RunningDownloads, deviceId: string, key?: string) =>
      d.request('POST', '/v1/licenses', { body: { customerId, deviceId, titleId: 'hit', studioId: 'netflix' }, ...(key ? { key } : {}) });
    try {
      expect((await acquire(a, 'before')).status).toBe(201);
      await refuse(false);
      await terminate();
      const grants = [
        await acquire(a, 'phone-a'),
        await acquire(b, 'phone-b'),
        await acquire(a, 'tv', 'key-both'), // the client's retry went to the other instance:
        await acquire(b, 'tv', 'key-both'),
        await acquire(b, 'tablet', 'key-b'),
      ];
      for (const grant of grants) expect([grant.status, grant.body.fallback], JSON.stringify(grant.body)).toEqual([201, true]);
      expect(grants[3]!.body.licenseId).toBe(grants[2]!.body.licenseId);
      const distinct = [...new Set(grants.map((g) => g.body.licenseId as string))];
      expect(distinct).toHaveLength(4);
      expect(a.journal.pending()).toHaveLength(2);
      expect(b.journal.pending()).toHaveLength(3);

      await refuse(true);
      // After the outage a retry of key-b reaches instance a before b reconciled: the same license, granted normally.
      const retried = await acquire(a, 'tablet', 'key-b');
      expect(retried.status, JSON.stringify(retried.body)).toBe(201);
      expect(retried.body.licenseId).toBe(grants[4]!.body.licenseId);
      // Both reconcile at the same time, twice.
      const counts = await Promise.all([a.reconcile(), b.reconcile(), a.reconcile(), b.reconcile()]);
      expect(a.journal.pending()).toEqual([]);
      expect(b.journal.pending()).toEqual([]);
      expect(counts.reduce((x, y) => x + y, 0)).toBe(3); // phone-a, phone-b, key-both; key-b was granted normally

      for (const licenseId of distinct) {
        const stream = await a.request('GET', `/v1/streams/license-${licenseId}`);
        expect(stream.body.events?.map((e: { type: string }) => e.type), JSON.stringify(stream.body)).toEqual(['LicenseAcquired']);
      }
      const downloaded = await a.request('GET', `/v1/streams/${encodeURIComponent(`downloaded-${customerId}/hit`)}`);
      const counted = downloaded.body.events.map((e: { data: { licenseId: string } }) => e.data.licenseId);
      expect(counted).toHaveLength(5); // "before" and the four grants
      expect(new Set(counted).size).toBe(5);
      const summary = (await b.request('GET', `/v1/customers/${customerId}/downloads`)).body;
      expect(summary.activeLicenses).toHaveLength(5);
      // The key replays its license on either instance, and nothing more is written.
      const head = await stores[0]!.headPosition();
      for (const d of [a, b]) expect((await acquire(d, 'tv', 'key-both')).body.licenseId).toBe(grants[2]!.body.licenseId);
      expect(await stores[0]!.headPosition()).toBe(head);
    } finally {
      await refuse(true);
      await a.stop();
      await b.stop();
      for (const store of stores) await store.close();
    }
  }, 60_000);
});
