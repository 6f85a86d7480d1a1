import { afterAll, describe, expect, it } from 'vitest';
import { createPostgresStore } from './postgres-store.js';
import { migrations } from './sql/migrations.js';
import { migrationQueries } from './sql/migration-queries.js';
import { schemaNames } from './sql/schema-names.js';
import { dropSchema, pgAvailable, testPool, testSchema } from './test/pg-test-support.js';
import { collect } from './test/projection-fixtures.js';

const available = await pgAvailable();

describe.skipIf(!available)('upgrading a schema from version 1', () => {
  const pool = testPool();
  const schema = testSchema('upgrade');
  afterAll(async () => {
    await pool.end();
    await dropSchema(schema);
  });

  it('a v1 schema with data migrates to the latest version; old events read, appends continue, projections work', async () => {
    const names = schemaNames(schema);
    const sql = migrationQueries(names);
    // What release 1 created, and an append through its function.
    await pool.query(sql.createSchema);
    await pool.query(sql.createLedger);
    await pool.query({ text: migrations[0]!.sql(names) });
    await pool.query(sql.record(1, migrations[0]!.name));
    await pool.query(
      `select "${schema}".append_to_stream('old-1', 0, array[gen_random_uuid()], array['Opened'], array['{"v":1}'::json], array['{}'::json], now())`,
    );

    const store = await createPostgresStore({ pool, schema });
    try {
      expect((await pool.query(`select max(version) as v from "${schema}".schema_migrations`)).rows[0].v).toBe(migrations.length);
      // v3 replaced the append functions: no exception block (a subtransaction per append) is left.
      const { rows: functions } = await pool.query(
        `select p.proname, p.prosrc from pg_proc p join pg_namespace n on n.oid = p.pronamespace where n.nspname = $1 and p.proname like 'append%' order by 1`,
        [schema],
      );
      expect(functions.map((f: { proname: string }) => f.proname)).toEqual(['append_batch', 'append_event', 'append_to_stream', 'append_to_streams']);
      for (const f of functions as { proname: string; prosrc: string }[]) expect(f.prosrc, f.proname).not.toContain('query_canceled');
      expect((await collect(store.readStream('old-1'))).map((e) => e.data)).toEqual([{ v: 1 }]);
      await store.append('old-1', [{ type: 'Next', data: { v: 2 } }], 1);
      await store.deleteStream('old-1', { mode: 'hard' });
      await expect(store.append('old-1', [{ type: 'Again', data: {} }], 'any')).rejects.toMatchObject({ code: 'STREAM_DELETED' });
      expect(await store.projections.transaction((tx) => tx.documents.create('c', 'a', { ok: true }))).toBe(true);
      expect(await store.projections.documents.get('c', 'a')).toEqual({ ok: true });
    } finally {
      await store.close();
    }
  });
});
