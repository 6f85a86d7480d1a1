import { existsSync } from 'node:fs';
import type { EventStore, StoreWithProjections } from '@chronicle/core';
import { createNatsStore } from '@chronicle/nats';
import { findNatsServer, startNatsCluster, uniqueLayout, type NatsCluster } from '@chronicle/nats/testing';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { startDownloads } from './test-support/app.js';
import { expectFallbackThenRecovery, recordingLogger } from './test-support/outage.js';

const binary = findNatsServer();
if (!binary) {
  const message = 'no nats-server >= 2.12 (run .ci/setup.d/nats-server.sh or set CHRONICLE_NATS_SERVER_BIN)';
  if (process.env.CI === 'true') throw new Error(`${message}: the NATS outage test cannot run; CI=true requires it`);
  console.warn(`\n⚠ ${message}: NATS outage test skipped\n`);
}

describe.skipIf(!binary)('store down: the NATS server SIGKILLed, then started again on its storage', () => {
  let server: NatsCluster;
  beforeAll(async () => {
    server = await startNatsCluster({
      binary: binary!.path,
      size: 1,
      ...(existsSync('/dev/shm') ? { storageRoot: '/dev/shm' } : {}),
    });
  }, 60_000);
  afterAll(() => server?.stop());

  // The server keeps serving meanwhile, and the reconciler records the licenses once NATS is back.
  it('POST /v1/licenses takes the fallback while NATS is down', async () => {
    // Writes give up after 2 s here (15 s by default, to ride out a leader election), so the outage is quick.
    const layout = uniqueLayout('down');
    const store = (await createNatsStore({
      servers: [...server.urls],
      ...layout,
      retryForMs: 2_000,
      requestTimeoutMs: 1_000,
    })) as EventStore & StoreWithProjections<unknown>;
    const log = recordingLogger();
    const d = await startDownloads(store, { reconcileEveryMs: 100, appLogger: log });
    try {
      await expectFallbackThenRecovery(
        d,
        log,
        {
          healthWhileDown: 503,
          down: () => server.kill('n1'),
          up: () => server.restart('n1'),
        },
        'nats-outage-customer',
      );
    } finally {
      await d.stop();
      await store.close();
    }
  }, 90_000);
});
