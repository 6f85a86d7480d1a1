import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';

/** The PostgreSQL the tests use (the same default as packages/postgres tests). */
export const PG_URL = process.env.CHRONICLE_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

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
    console.warn(`\n[@chronicle/downloads] SKIPPING PostgreSQL tests: ${PG_URL} is unreachable (${(error as Error).message}). Set CHRONICLE_PG_URL.\n`);
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Runs `sql` on a short-lived connection to `url`. */
export async function adminQuery(sql: string, params: unknown[] = [], url = PG_URL): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await client.query(sql, params);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** A fresh schema name for one test file (drop it with {@link dropSchema}). */
export function testSchema(label: string): string {
  return `t_${label}_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
}

export async function dropSchema(schema: string): Promise<void> {
  await adminQuery(`drop schema if exists "${schema}" cascade`);
}

/** `PG_URL` pointing at another database of the same server. */
export function urlForDatabase(database: string): string {
  const url = new URL(PG_URL);
  url.pathname = `/${database}`;
  return url.toString();
}

/** Advisory-lock class of the test-file lock (`CHRT`), shared with packages/postgres tests. */
const TEST_LOCK_CLASS = 0x43485254;

/**
 * Runs this test file alone among the repository's PostgreSQL test files (as
 * packages/postgres tests do): a transaction held open elsewhere holds back
 * the cluster-wide gap-safe horizon, which would make global reads and head
 * positions here lag. A session advisory lock serializes the files.
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
