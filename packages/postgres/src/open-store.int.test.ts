import pg from 'pg';
import { expectTypeOf } from 'vitest';
import { afterAll, describe, expect, it } from 'vitest';
import { collect } from '@chronicle/core/conformance';
import { createPostgresStore, latestSchemaVersion, type PgPoolLike } from './index.js';
import { POSITION_LOCK_CLASS, schemaNames } from './sql/schema-names.js';
import { PG_URL, dropSchema, pgAvailable, testPool, testSchema } from './test/pg-test-support.js';
import { sleep } from './test/store-fixtures.js';

const available = await pgAvailable();

async function codeOf(promise: Promise<unknown>): Promise<{ code: unknown; message: string }> {
  try {
    await promise;
  } catch (error) {
    return { code: (error as { code?: unknown }).code, message: (error as Error).message };
  }
  throw new Error('expected a rejection');
}

describe('options and typing (no database)', () => {
  it('a pg.Pool is a PgPoolLike', () => {
    expectTypeOf<pg.Pool>().toExtend<PgPoolLike>();
  });

  it('rejects bad options with VALIDATION_FAILED', async () => {
    expect((await codeOf(createPostgresStore({}))).code).toBe('VALIDATION_FAILED');
    expect((await codeOf(createPostgresStore({ connectionString: PG_URL, pool: {} as PgPoolLike }))).code).toBe('VALIDATION_FAILED');
    for (const schema of ['Bad', 'has space', 'a"b', '1abc', 'x'.repeat(49), '']) {
      expect((await codeOf(createPostgresStore({ connectionString: PG_URL, schema }))).code, schema).toBe('VALIDATION_FAILED');
    }
    expect((await codeOf(createPostgresStore({ connectionString: PG_URL, pollIntervalMs: 0 }))).code).toBe('VALIDATION_FAILED');
    expect((await codeOf(createPostgresStore({ connectionString: PG_URL, maxEventBytes: 1.5 }))).code).toBe('VALIDATION_FAILED');
  });

  it('an unreachable server is STORE_UNAVAILABLE', async () => {
    const { code } = await codeOf(createPostgresStore({ connectionString: 'postgres://postgres@127.0.0.1:1/test' }));
    expect(code).toBe('STORE_UNAVAILABLE');
  });
});

describe.skipIf(!available)('migrations', () => {
  const pool = testPool();
  const schemas: string[] = [];
  const fresh = (label: string): string => {
    const schema = testSchema(label);
    schemas.push(schema);
    return schema;
  };
  afterAll(async () => {
    await pool.end();
    for (const schema of schemas) await dropSchema(schema);
  });

  it('concurrent first starts create the schema once', async () => {
    const schema = fresh('mig');
    const stores = await Promise.all(Array.from({ length: 6 }, () => createPostgresStore({ pool, schema })));
    const { rows } = await pool.query(`select version from "${schema}".schema_migrations order by version`);
    expect(rows.map((r: { version: number }) => r.version)).toEqual(Array.from({ length: latestSchemaVersion }, (_, i) => i + 1));
    await stores[0]!.append('s', [{ type: 'T', data: {} }], 'no_stream');
    expect(await stores[5]!.getStreamInfo('s')).toEqual({ streamId: 's', version: 1 });
    await Promise.all(stores.map((s) => s.close()));
  });

  it('a schema migrated by a newer version is refused with a clear error', async () => {
    const schema = fresh('newer');
    await (await createPostgresStore({ pool, schema })).close();
    await pool.query(`insert into "${schema}".schema_migrations (version, name) values (999, 'from the future')`);
    const { code, message } = await codeOf(createPostgresStore({ pool, schema }));
    expect(code).toBe('NOT_SUPPORTED');
    expect(message).toContain('version 999');
    expect(message).toContain(`up to ${latestSchemaVersion}`);
  });

  it('migrate: false only checks the version', async () => {
    const schema = fresh('nomig');
    const { code, message } = await codeOf(createPostgresStore({ pool, schema, migrate: false }));
    expect(code).toBe('NOT_SUPPORTED');
    expect(message).toContain('migrations are disabled');
    await (await createPostgresStore({ pool, schema })).close();
    const store = await createPostgresStore({ pool, schema, migrate: false });
    await store.append('s', [{ type: 'T', data: {} }], 'no_stream');
    await store.close();
  });

  it('a store on its own pool ends it on close; a given pool stays open', async () => {
    const schema = fresh('own');
    const own = await createPostgresStore({ connectionString: PG_URL, schema, applicationName: 'chronicle-own-pool-test' });
    await own.append('s', [{ type: 'T', data: {} }], 'no_stream');
    await own.close();
    await own.close();
    // The server lists a backend until it has seen the disconnect: wait for that, not a fixed time.
    const connections = async (): Promise<number> =>
      (await pool.query("select count(*)::int as n from pg_stat_activity where application_name = 'chronicle-own-pool-test'")).rows[0].n as number;
    for (const deadline = Date.now() + 10_000; (await connections()) > 0 && Date.now() < deadline; ) await sleep(20);
    expect(await connections()).toBe(0);
    const shared = await createPostgresStore({ pool, schema });
    await shared.close();
    expect((await pool.query('select 1 as one')).rows[0].one).toBe(1);
  });

  it('data is stored as exact JSON text and can be queried as jsonb', async () => {
    const schema = fresh('json');
    const store = await createPostgresStore({ pool, schema });
    await store.append('order-1', [{ type: 'Placed', data: { z: 1, a: { total: 42 } }, metadata: { userId: 'u1' } }], 'no_stream');
    const { rows } = await pool.query(
      `select data::text as text, (data::jsonb -> 'a' ->> 'total')::int as total, metadata ->> 'userId' as user_id
         from "${schema}".events where stream_id = 'order-1'`,
    );
    expect(rows[0]).toEqual({ text: '{"z":1,"a":{"total":42}}', total: 42, user_id: 'u1' });
    expect((await collect(store.readStream('order-1')))[0]!.data).toEqual({ z: 1, a: { total: 42 } });
    await store.close();
  });

  it('a cancelled append does not leave the position lock behind', async () => {
    const schema = fresh('cancel');
    const store = await createPostgresStore({ pool, schema });
    const names = schemaNames(schema);
    const blocker = new pg.Client({ connectionString: PG_URL });
    await blocker.connect();
    try {
      // Hold the position lock so the next append waits inside reserve_positions, then cancel it there.
      await blocker.query('select pg_advisory_lock($1, $2)', [POSITION_LOCK_CLASS, names.lockKey]);
      const appending = codeOf(store.append('c', [{ type: 'T', data: {} }], 'any'));
      let waiting: number | undefined;
      for (let i = 0; i < 100 && waiting === undefined; i++) {
        await sleep(20);
        const { rows } = await blocker.query(
          "select pid from pg_stat_activity where wait_event_type = 'Lock' and wait_event = 'advisory' and query like '%append_event%'",
        );
        waiting = rows[0]?.pid as number | undefined;
      }
      expect(waiting).toBeDefined();
      await blocker.query('select pg_cancel_backend($1)', [waiting]);
      const error = await appending;
      expect(error.code).toBe('STORE_UNAVAILABLE');
      await blocker.query('select pg_advisory_unlock($1, $2)', [POSITION_LOCK_CLASS, names.lockKey]);
      const { rows } = await blocker.query("select count(*)::int as n from pg_locks where locktype = 'advisory' and classid = $1::oid", [
        POSITION_LOCK_CLASS,
      ]);
      expect(rows[0].n).toBe(0);
      const result = await Promise.race([store.append('c', [{ type: 'T', data: {} }], 'any'), sleep(5_000).then(() => 'stuck' as const)]);
      expect(result).not.toBe('stuck');
    } finally {
      await blocker.end();
      await store.close();
    }
  });

  /** Connections of this schema's sessions that hold the position lock. */
  async function positionLockHolders(client: pg.Client): Promise<number[]> {
    const { rows } = await client.query("select pid from pg_locks where locktype = 'advisory' and classid = $1::oid and granted", [POSITION_LOCK_CLASS]);
    return rows.map((row: { pid: number }) => row.pid);
  }

  // The window between lock and unlock is microseconds; holding the sequence
  // (ALTER SEQUENCE conflicts with nextval) stops an append inside it.
  for (const how of ['pg_cancel_backend', 'statement_timeout'] as const) {
    it(`an append stopped by ${how} while it holds the position lock blocks no later append`, async () => {
      const schema = fresh('held');
      const timeoutPool = new pg.Pool({ connectionString: PG_URL, max: 4, ...(how === 'statement_timeout' ? { statement_timeout: 300 } : {}) });
      const store = await createPostgresStore({ pool: timeoutPool, schema });
      const other = await createPostgresStore({ pool, schema });
      const blocker = new pg.Client({ connectionString: PG_URL });
      await blocker.connect();
      try {
        await store.append('a', [{ type: 'T', data: {} }], 'no_stream');
        await blocker.query('begin');
        await blocker.query(`alter sequence "${schema}".global_position cache 1`);
        const appending = codeOf(store.append('a', [{ type: 'T', data: {} }], 1));
        let waiting: number | undefined;
        for (let i = 0; i < 100 && waiting === undefined; i++) {
          const { rows } = await blocker.query("select pid from pg_locks where locktype = 'relation' and relation = $1::regclass and not granted", [
            `"${schema}".global_position`,
          ]);
          waiting = rows[0]?.pid as number | undefined;
          if (waiting === undefined) await sleep(10);
        }
        expect(waiting).toBeDefined();
        if (how === 'pg_cancel_backend') {
          expect(await positionLockHolders(blocker)).toEqual([waiting]);
          await blocker.query('select pg_cancel_backend($1)', [waiting]);
        }
        expect((await appending).code).toBe('STORE_UNAVAILABLE');
        await blocker.query('rollback');
        // The same store (its next connection) and another store both append.
        const appended = Promise.all([store.append('a', [{ type: 'T', data: {} }], 1), other.append('b', [{ type: 'T', data: {} }], 'no_stream')]);
        const result = await Promise.race([appended, sleep(5_000).then(() => 'stuck' as const)]);
        expect(result).not.toBe('stuck');
        for (let i = 0; i < 100 && (await positionLockHolders(blocker)).length > 0; i++) await sleep(10);
        expect(await positionLockHolders(blocker)).toEqual([]);
        expect((await collect(other.readStream('a'))).map((e) => e.streamPosition)).toEqual([1, 2]);
      } finally {
        await blocker.end();
        await store.close();
        await other.close();
        await timeoutPool.end();
      }
    });
  }
});
