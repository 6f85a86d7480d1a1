import { randomUUID } from 'node:crypto';
import type { EventStore, StoreWithProjections } from '@chronicle/core';
import { createPostgresStore } from '@chronicle/postgres';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { startDownloads } from './test-support/app.js';
import { expectFallbackThenRecovery, recordingLogger } from './test-support/outage.js';
import { adminQuery, pgAvailable, runExclusively, urlForDatabase } from './test-support/pg.js';

const available = await pgAvailable();

describe.skipIf(!available)('store down: PostgreSQL connections killed and refused', () => {
  runExclusively();
  // A throwaway database: refusing connections to it disturbs nobody else.
  const database = `chronicle_down_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  const refuse = (allow: boolean) => adminQuery(`alter database "${database}" allow_connections ${allow}`);
  const terminate = () => adminQuery('select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()', [database]);
  beforeAll(() => adminQuery(`create database "${database}"`));
  afterAll(async () => {
    await refuse(true).catch(() => undefined);
    await adminQuery(`drop database if exists "${database}" with (force)`);
  });

  it('POST /v1/licenses takes the fallback, the server keeps serving, and the reconciler records the licenses once the database is back', async () => {
    const store = (await createPostgresStore({ connectionString: urlForDatabase(database), applicationName: 'chronicle-downloads-outage', maxConnections: 4 })) as EventStore &
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
