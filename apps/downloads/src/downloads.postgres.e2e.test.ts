import type { EventStore, StoreWithProjections } from '@chronicle/core';
import { createPostgresStore } from '@chronicle/postgres';
import { afterAll, describe } from 'vitest';
import { downloadsScenarios } from './downloads-scenarios.js';
import { PG_URL, dropSchema, pgAvailable, runExclusively, testSchema, useNeighbour } from './test-support/pg.js';

const available = await pgAvailable();

describe.skipIf(!available)('downloads over HTTP: PostgreSQL (a schema for this file)', () => {
  runExclusively();
  // Another database and a plain table of this one keep write transactions open all along.
  useNeighbour();
  const schema = testSchema('downloads_e2e');
  afterAll(() => dropSchema(schema));
  downloadsScenarios(async () => (await createPostgresStore({ connectionString: PG_URL, schema, applicationName: 'chronicle-downloads-e2e' })) as EventStore & StoreWithProjections<unknown>);
});
