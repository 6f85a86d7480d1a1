/**
 * `@chronicle/postgres/testing`: what test suites on a real PostgreSQL share —
 * the server to use, the "missing server" rule, throwaway schemas, the noisy
 * neighbour (other transactions on the same server, see `noisy-neighbour.ts`),
 * and a lock for a test that needs the server to itself.
 * Test-runner agnostic: pass your runner's `beforeAll`/`afterAll`.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { PG_URL, adminQuery, type SuiteHooks } from './test-database.js';

export { PG_URL, adminQuery, urlForDatabase, type SuiteHooks } from './test-database.js';
export { useNoisyNeighbour, type NoisyNeighbour } from './noisy-neighbour.js';

/**
 * Whether PostgreSQL answers. Under `CI=true` a missing server throws (the
 * suite fails loudly); elsewhere it prints a visible SKIPPING line naming
 * `suite` and returns false, so the caller skips.
 */
export async function pgAvailable(suite: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 3_000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    if (process.env.CI === 'true') throw new Error(`PostgreSQL is required under CI=true but ${PG_URL} is unreachable: ${reason}`, { cause: error });
    console.warn(`\n[${suite}] SKIPPING PostgreSQL tests: ${PG_URL} is unreachable (${reason}). Set CHRONICLE_PG_URL.\n`);
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** A pool tagged with `applicationName`, so a test can find (and terminate) its connections. */
export function testPool(applicationName = `chronicle-test-${randomUUID().slice(0, 8)}`, max = 10): pg.Pool & { applicationName: string } {
  const pool = new pg.Pool({ connectionString: PG_URL, max, application_name: applicationName });
  pool.on('error', () => undefined);
  return Object.assign(pool, { applicationName });
}

/** A fresh schema name (`t_<label>_<random>`); drop it with {@link dropSchema}. */
export function testSchema(label: string): string {
  return `t_${label}_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
}

/** Drops a test schema and everything in it. */
export async function dropSchema(schema: string): Promise<void> {
  await adminQuery(`drop schema if exists "${schema.replaceAll('"', '""')}" cascade`);
}

/** Advisory-lock class of the test-file lock (`CHRT`). */
const TEST_LOCK_CLASS = 0x43485254;

/**
 * Runs the calling test file alone among all test files that take this lock,
 * across workers and concurrent runs (a cluster-wide advisory lock). Chronicle's
 * own suites no longer take it: it existed because the gap-safe horizon used
 * to be the cluster-wide snapshot xmin, so a transaction one file held open
 * delayed every other file's readers; since schema v5 only a store's own
 * in-flight appends hold its readers back, and every file works in its own
 * schema (or database) beside others' transactions (see `useNoisyNeighbour`).
 * Keep it for a test that needs the server to itself, e.g. one asserting on
 * server-wide activity.
 */
export function runExclusively(hooks: SuiteHooks): void {
  const client = new pg.Client({ connectionString: PG_URL, application_name: 'chronicle-test-lock' });
  client.on('error', () => undefined);
  hooks.beforeAll(async () => {
    await client.connect();
    await client.query('select pg_advisory_lock($1, 0)', [TEST_LOCK_CLASS]);
  }, 600_000);
  hooks.afterAll(async () => {
    await client.end().catch(() => undefined);
  });
}
