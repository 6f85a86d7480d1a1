import { describeEventStore } from '@chronicle/core/conformance';
import { afterAll, describe, it } from 'vitest';
import { createPostgresStore } from './postgres-store.js';
import { dropSchema, pgAvailable, testPool, testSchema, useNeighbour } from './test/pg-test-support.js';

const available = await pgAvailable();

if (available) {
  // Other databases and tables of the server keep write transactions open all along (issue 19).
  useNeighbour();
  const pool = testPool();
  const schema = testSchema('conformance');
  afterAll(async () => {
    await pool.end();
    await dropSchema(schema);
  });
  describeEventStore('postgres', () => createPostgresStore({ pool, schema }));
} else {
  describe.skip('event store conformance: postgres (PostgreSQL unreachable)', () => {
    it('needs PostgreSQL', () => undefined);
  });
}
