import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '@chronicle/core';
import { createSqliteStore } from '@chronicle/sqlite';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultRules, memoryRules } from '../rules.js';
import { DownloadsService } from '../service.js';
import { natsUrl } from '../test-support/nats.js';
import { startBillingCounter, type StudioBill } from './billing-counter.js';
import { startLicensePublishing } from './publishing.js';

const url = natsUrl('public license events and the billing counter');

describe.skipIf(!url)('Downloads public events on JetStream, counted by billing', () => {
  const dir = mkdtempSync(join(tmpdir(), 'chronicle-downloads-billing-'));
  const id = randomBytes(4).toString('hex');
  const stream = `CHRONICLE_TEST_DOWNLOADS_PUBLIC_${id}`;
  const subjectPrefix = `chronicle_test_downloads_${id}`;
  let nc: NatsConnection;

  beforeAll(async () => {
    nc = await connect({ servers: url! });
    await (await jetstreamManager(nc)).streams.add({ name: stream, subjects: [`${subjectPrefix}.>`] });
  });
  afterAll(async () => {
    await (await jetstreamManager(nc)).streams.delete(stream).catch(() => false);
    await nc.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('grants and releases reach billing once each: per-studio counts equal the licenses', async () => {
    const store = createSqliteStore({ path: join(dir, 'downloads.db') });
    const billingStore = createSqliteStore({ path: join(dir, 'billing.db') });
    const rules = memoryRules(defaultRules);
    const service = new DownloadsService(store, store.projections, rules);
    const publishing = await startLicensePublishing({
      store,
      host: store.projections,
      connection: nc,
      subjectPrefix,
      logger: silentLogger,
    });
    const billing = await startBillingCounter({
      connection: nc,
      stream,
      subjectPrefix,
      host: billingStore.projections,
      logger: silentLogger,
    });
    try {
      const granted: { licenseId: string; studioId: string }[] = [];
      for (let i = 0; i < 12; i++) {
        const studioId = i % 3 === 0 ? 'studio-a' : 'studio-b';
        const grant = await service.acquire(
          { customerId: `customer-${i}`, deviceId: `device-${i}`, titleId: `title-${i}`, studioId },
          {},
        );
        granted.push({ licenseId: grant.licenseId, studioId });
      }
      for (const { licenseId } of granted.slice(0, 5)) await service.release(licenseId, {});
      // Releasing twice is a no-op in the domain: no second public event.
      await service.release(granted[0]!.licenseId, {});
      const expected = (studio: string): StudioBill => ({
        studioId: studio,
        granted: granted.filter((g) => g.studioId === studio).length,
        released: granted.slice(0, 5).filter((g) => g.studioId === studio).length,
      });
      const deadline = Date.now() + 20_000;
      while (billing.metrics().handled < 17 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
      expect(billing.metrics()).toMatchObject({ handled: 17, rejected: 0 });
      expect(await billingStore.projections.documents.get('billing-studios', 'studio-a')).toEqual(expected('studio-a'));
      expect(await billingStore.projections.documents.get('billing-studios', 'studio-b')).toEqual(expected('studio-b'));
      expect(publishing.metrics()).toMatchObject({ confirmed: 17, consecutiveFailures: 0 });
    } finally {
      await publishing.stop();
      await billing.close();
      await store.close();
      await billingStore.close();
    }
  });
});
