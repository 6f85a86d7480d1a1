/**
 * The stores every example's tests run on: in-memory, SQLite (a temporary
 * file per store) and PostgreSQL (a fresh schema per store). Not a workspace
 * package: example tests import this file by relative path.
 *
 * PostgreSQL follows the rule of `packages/postgres` tests: under `CI=true` a
 * missing server fails the suite, otherwise its tests are skipped with a
 * visible message. Each test gets its own schema, so PostgreSQL test files run
 * side by side: a store's gap-safe horizon waits only for its own appends.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { createInMemoryStore, type EventStore, type Projection, type StoreWithProjections } from '@chronicle/core';
import { createPostgresStore } from '@chronicle/postgres';
import { createSqliteStore } from '@chronicle/sqlite';
import { PG_URL, pgAvailable } from '@chronicle/postgres/testing';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, it } from 'vitest';

/** A store with its projection host, as the examples use it. */
export type ExampleStore = EventStore & StoreWithProjections<unknown>;

/** What an example may ask of a fresh store. */
export type ExampleStoreOptions = {
  /** Inline projections, run in each append's transaction. */
  readonly projections?: readonly Projection[];
  /** Source of `recordedAt`. */
  readonly clock?: () => Date;
};

export type StoreKind = 'in-memory' | 'sqlite' | 'postgres';

/** One store kind, inside its `describe` block. */
export type TestStores = {
  readonly kind: StoreKind;
  /** Opens a fresh, empty store; it is closed and its database removed after the test. */
  open(options?: ExampleStoreOptions): Promise<ExampleStore>;
};

export { PG_URL };

/** Opens stores of one kind and removes them after each test. */
type Opener = { open(options: ExampleStoreOptions): Promise<ExampleStore>; cleanup(): Promise<void>; dispose(): Promise<void> };

function inMemory(): Opener {
  return {
    open: async ({ projections, clock }) => createInMemoryStore({ ...(projections ? { projections } : {}), ...(clock ? { clock } : {}) }),
    cleanup: async () => undefined,
    dispose: async () => undefined,
  };
}

function sqlite(label: string): Opener {
  let dir: string | undefined;
  let n = 0;
  return {
    async open({ projections, clock }) {
      dir ??= mkdtempSync(join(tmpdir(), `chronicle-example-${label}-`));
      const path = join(dir, `store-${++n}.db`);
      return createSqliteStore({ path, ...(projections ? { projections } : {}), ...(clock ? { clock } : {}) });
    },
    cleanup: async () => undefined,
    async dispose() {
      if (dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

function newPool(label: string): pg.Pool {
  const pool = new pg.Pool({ connectionString: PG_URL, max: 10, application_name: `chronicle-example-${label}` });
  pool.on('error', () => undefined);
  return pool;
}

function postgres(label: string): Opener {
  let pool: pg.Pool | undefined;
  const schemas: string[] = [];
  return {
    async open({ projections, clock }) {
      pool ??= newPool(label);
      const schema = `t_ex_${label.replaceAll('-', '_')}_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
      schemas.push(schema);
      return createPostgresStore({ pool, schema, ...(projections ? { projections } : {}), ...(clock ? { clock } : {}) });
    },
    async cleanup() {
      for (const schema of schemas.splice(0)) await pool?.query(`drop schema if exists "${schema}" cascade`);
    },
    async dispose() {
      await pool?.end();
    },
  };
}

function register(title: string, kind: StoreKind, opener: Opener, body: (stores: TestStores) => void): void {
  describe(`${title} [${kind}]`, () => {
    const opened: EventStore[] = [];
    afterEach(async () => {
      for (const store of opened.splice(0).reverse()) await store.close();
      await opener.cleanup();
    });
    afterAll(() => opener.dispose());
    body({
      kind,
      async open(options = {}) {
        const store = await opener.open(options);
        opened.push(store);
        return store;
      },
    });
  });
}

/**
 * Registers `body` once per store kind, each in its own `describe` titled
 * `title [kind]`. Await it at the top of the test file (it checks whether
 * PostgreSQL answers first).
 *
 * @example
 * await describeEachStore('students', ({ open }) => {
 *   it('projects', async () => { const store = await open({ projections: [view] }); ... });
 * });
 */
export async function describeEachStore(title: string, body: (stores: TestStores) => void): Promise<void> {
  const label = title.toLowerCase().replace(/[^a-z0-9]+/g, '_').slice(0, 20);
  register(title, 'in-memory', inMemory(), body);
  register(title, 'sqlite', sqlite(label), body);
  if (await pgAvailable('examples')) register(title, 'postgres', postgres(label), body);
  else describe.skip(`${title} [postgres] (PostgreSQL unreachable at ${PG_URL})`, () => it('needs PostgreSQL', () => undefined));
}

/**
 * Waits until the store's global log reaches `position` (the global position
 * of the last event a test appended). On PostgreSQL a commit joins the global
 * log only once every older transaction in the cluster has ended (the
 * gap-safe horizon), so a consumer caught up right after a command may not
 * see that command's events yet; the other stores return at once.
 */
export async function untilVisible(store: Pick<EventStore, 'headPosition'>, position: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await store.headPosition()) < position) {
    if (Date.now() > deadline) throw new Error(`the global log did not reach position ${position} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
