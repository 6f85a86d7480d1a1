import { afterAll, beforeAll } from 'vitest';
import { pgAvailable as available, runExclusively as runExclusivelyWith } from '../testing.js';

export { PG_URL, dropSchema, testPool, testSchema } from '../testing.js';

/** Whether PostgreSQL answers (throws under `CI=true` when it does not). */
export const pgAvailable = (): Promise<boolean> => available('@chronicle/postgres');

/** Runs this test file alone among the repository's PostgreSQL test files (see `@chronicle/postgres/testing`). */
export function runExclusively(): void {
  runExclusivelyWith({ beforeAll, afterAll });
}
