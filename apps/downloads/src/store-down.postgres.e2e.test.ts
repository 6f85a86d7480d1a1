import type { EventStore, StoreWithProjections } from '@chronicle/core';
import { createPostgresStore } from '@chronicle/postgres';
import { describe, it } from 'vitest';
import { startDownloads } from './test-support/app.js';
import { expectFallbackThenRecovery, recordingLogger } from './test-support/outage.js';
import { pgAvailable, runExclusively, useThrowawayDatabase } from './test-support/pg.js';

const available = await pgAvailable();

describe.skipIf(!available)('store down: PostgreSQL connections killed and refused', () => {
  runExclusively();
  // A throwaway database: refusing connections to it disturbs nobody else.
  const database = useThrowawayDatabase('down');
  const refuse = (allow: boolean) => database.allowConnections(allow);
  const terminate = () => database.terminateSessions();

  it('POST /v1/licenses takes the fallback, the server keeps serving, and the reconciler records the licenses once the database is back', async () => {
    const store = (await createPostgresStore({ connectionString: database.url, applicationName: 'chronicle-downloads-outage', maxConnections: 4 })) as EventStore &
      StoreWithProjections<unknown>;
    const log = recordingLogger();
    const d = await startDownloads(store, { reconcileEveryMs: 100, appLogger: log });
    try {
      await expectFallbackThenRecovery(
        d,
        log,
        {
          healthWhileDown: 503,
          async down() {
            await refuse(false);
            await terminate();
          },
          async up() {
            await refuse(true);
          },
        },
        'pg-outage-customer',
      );
    } finally {
      await refuse(true);
      await d.stop();
      await store.close();
    }
  });
});
