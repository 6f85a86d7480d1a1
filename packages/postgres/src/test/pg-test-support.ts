import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';

/** The PostgreSQL the tests use. */
export const PG_URL = process.env.CHRONICLE_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** Advisory-lock class of the test-file lock (`CHRT`). */
const TEST_LOCK_CLASS = 0x43485254;

/**
 * Whether PostgreSQL answers. Under `CI=true` a missing server is a failure,
 * not a skip; elsewhere the caller skips with a visible message.
 */
export async function pgAvailable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 3_000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch (error) {
    if (process.env.CI === 'true') {
      throw new Error(`PostgreSQL is required under CI=true but ${PG_URL} is unreachable: ${(error as Error).message}`, { cause: error });
    }
    console.warn(`\n[@chronicle/postgres] SKIPPING PostgreSQL tests: ${PG_URL} is unreachable (${(error as Error).message}). Set CHRONICLE_PG_URL.\n`);
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** A pool for tests, tagged with `applicationName` so a test can find (and terminate) its connections. */
export function testPool(applicationName = `chronicle-test-${randomUUID().slice(0, 8)}`, max = 10): pg.Pool & { applicationName: string } {
  const pool = new pg.Pool({ connectionString: PG_URL, max, application_name: applicationName });
  pool.on('error', () => undefined);
  return Object.assign(pool, { applicationName });
}

/** A fresh schema name for one test file (dropped by {@link dropSchema}). */
export function testSchema(label: string): string {
  return `t_${label}_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
}

export async function dropSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    await client.query(`drop schema if exists "${schema}" cascade`);
  } finally {
    await client.end();
  }
}

/**
 * Runs this test file alone among the package's PostgreSQL test files.
 *
 * The gap-safe horizon is the cluster-wide snapshot xmin: a transaction held
 * open by one file (the delayed-transaction and crash tests do that on
 * purpose) rightly delays what every other store in the cluster may read,
 * and would make exact head-position checks in a concurrently running file
 * flaky. A session advisory lock serializes the files, across workers and
 * across concurrent test runs.
 */
export function runExclusively(): void {
  const client = new pg.Client({ connectionString: PG_URL, application_name: 'chronicle-test-lock' });
  client.on('error', () => undefined);
  beforeAll(async () => {
    await client.connect();
    await client.query('select pg_advisory_lock($1, 0)', [TEST_LOCK_CLASS]);
  }, 600_000);
  afterAll(async () => {
    await client.end().catch(() => undefined);
  });
}
