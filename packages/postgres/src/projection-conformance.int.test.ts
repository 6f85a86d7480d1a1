import { describeProjectionStore } from '@chronicle/core/conformance';
import { afterAll, describe, it } from 'vitest';
import { createPostgresStore, type PostgresEventStore } from './postgres-store.js';
import { dropSchema, pgAvailable, testPool, testSchema, useNeighbour } from './test/pg-test-support.js';

const available = await pgAvailable();

if (available) {
  // Other databases and tables of the server keep write transactions open all along (issue 19).
  useNeighbour();
  const pool = testPool();
  const schemas: string[] = [];
  const open = new Set<PostgresEventStore>();
  afterAll(async () => {
    await pool.end();
    for (const schema of schemas) await dropSchema(schema);
  });
  // One schema per case: the suite opens a case's instances while none of the
  // previous case is open, and several tier cases archive "everything older
  // than t", which counts only the case's own events in a database of its own.
  describeProjectionStore('postgres', async ({ projections }) => {
    if (open.size === 0) schemas.push(testSchema('projections'));
    const store = await createPostgresStore({ pool, schema: schemas[schemas.length - 1]!, pollIntervalMs: 200, ...(projections ? { projections } : {}) });
    open.add(store);
    const close = store.close.bind(store);
    return Object.assign(store, {
      close: async () => {
        open.delete(store);
        await close();
      },
    });
  });
} else {
  describe.skip('projection conformance: postgres (PostgreSQL unreachable)', () => {
    it('needs PostgreSQL', () => undefined);
  });
}
