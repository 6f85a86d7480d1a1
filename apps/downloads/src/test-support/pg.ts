import { pgAvailable as available, runExclusively as runExclusivelyWith, useNoisyNeighbour, type NoisyNeighbour } from '@chronicle/postgres/testing';
import { afterAll, beforeAll } from 'vitest';

export { PG_URL, adminQuery, dropSchema, testSchema, urlForDatabase } from '@chronicle/postgres/testing';

/** Whether PostgreSQL answers (throws under `CI=true` when it does not). */
export const pgAvailable = (): Promise<boolean> => available('@chronicle/downloads');

/** Runs this test file alone among the repository's PostgreSQL test files (see `@chronicle/postgres/testing`). */
export function runExclusively(): void {
  runExclusivelyWith({ beforeAll, afterAll });
}

/** Other tenants of the server keep write transactions open during this file (see `@chronicle/postgres/testing`). */
export function useNeighbour(): NoisyNeighbour {
  return useNoisyNeighbour({ beforeAll, afterAll });
}
