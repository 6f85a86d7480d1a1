import { randomUUID } from 'node:crypto';
import pg from 'pg';

/** The PostgreSQL the tests use. */
export const PG_URL = process.env.CHRONICLE_PG_URL || 'postgres://postgres@127.0.0.1:5432/test';

/**
 * Whether PostgreSQL answers. Under `CI=true` a missing server fails the
 * suite; elsewhere the suite is skipped with a visible message.
 */
export async function pgAvailable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 3_000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch (error) {
    if (process.env.CI === 'true') throw new Error(`PostgreSQL is required under CI=true but ${PG_URL} is unreachable: ${(error as Error).message}`, { cause: error });
    console.warn(`\n[@chronicle/cli] SKIPPING PostgreSQL CLI tests: ${PG_URL} is unreachable (${(error as Error).message}). Set CHRONICLE_PG_URL.\n`);
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** A fresh schema name. */
export function testSchema(label: string): string {
  return `t_cli_${label}_${randomUUID().replaceAll('-', '').slice(0, 10)}`;
}

/** Runs SQL against the test database. */
export async function sql(text: string, values: readonly unknown[] = []): Promise<void> {
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    await client.query(text, [...values]);
  } finally {
    await client.end();
  }
}

/** Advisory-lock class shared with the other packages' PostgreSQL test files (`CHRT`). */
const TEST_LOCK_CLASS = 0x43485254;

/**
 * Runs this test file alone among the repository's PostgreSQL test files
 * that take the same lock: transactions that other files hold open on purpose
 * hold back the gap-safe horizon that `readAll` (export, verify) reads up to.
 */
export function runExclusively(hooks: { beforeAll(fn: () => Promise<void>, timeout: number): void; afterAll(fn: () => Promise<void>): void }): void {
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
