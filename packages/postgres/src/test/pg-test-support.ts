import { afterAll, beforeAll } from 'vitest';
import { createPostgresStore, type PostgresEventStore } from '../postgres-store.js';
import type { PostgresStoreOptions } from '../options.js';
import { dropSchema, pgAvailable as available, testPool, testSchema, useNoisyNeighbour, type NoisyNeighbour } from '../testing.js';

export { PG_URL, adminQuery, dropSchema, testPool, testSchema, urlForDatabase } from '../testing.js';

/** Whether PostgreSQL answers (throws under `CI=true` when it does not). */
export const pgAvailable = (): Promise<boolean> => available('@chronicle/postgres');

/** Other tenants busy on the server for this whole file (see `@chronicle/postgres/testing`). */
export function useNeighbour(): NoisyNeighbour {
  return useNoisyNeighbour({ beforeAll, afterAll });
}

/** What {@link useTestStore} gives a describe block; `store` is set once its `beforeAll` ran. */
export type TestStoreFixture = { readonly pool: ReturnType<typeof testPool>; readonly schema: string; store: PostgresEventStore };

/**
 * A store on a fresh schema for the enclosing describe block, in a file that
 * shares the server with everything else: opened before the tests, then
 * closed, its pool ended and its schema dropped.
 */
export function useTestStore(label: string, options: { readonly poolSize?: number; readonly store?: Partial<PostgresStoreOptions> } = {}): TestStoreFixture {
  const pool = testPool(undefined, options.poolSize);
  const schema = testSchema(label);
  const fixture = { pool, schema } as TestStoreFixture;
  beforeAll(async () => {
    fixture.store = await createPostgresStore({ pool, schema, ...options.store });
  });
  afterAll(async () => {
    await fixture.store?.close();
    await pool.end();
    await dropSchema(schema);
  });
  return fixture;
}
