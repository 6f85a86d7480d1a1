/** The test server and runner hooks shared by `testing.ts` and `noisy-neighbour.ts`. */
import pg from 'pg';

/** The PostgreSQL tests use: `CHRONICLE_PG_URL`, default the local `test` database as `postgres`. */
export const PG_URL = process.env.CHRONICLE_PG_URL || 'postgres://postgres@127.0.0.1:5432/test';

/** Runs one statement on a short-lived connection (to `url`, default {@link PG_URL}). */
export async function adminQuery(sql: string, params: readonly unknown[] = [], url = PG_URL): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await client.query(sql, [...params]);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** {@link PG_URL} pointing at another database of the same server. */
export function urlForDatabase(database: string): string {
  const url = new URL(PG_URL);
  url.pathname = `/${database}`;
  return url.toString();
}

/** The hooks of a test runner (vitest, node:test, …). */
export type SuiteHooks = {
  beforeAll(fn: () => Promise<void>, timeoutMs?: number): void;
  afterAll(fn: () => Promise<void>): void;
};
