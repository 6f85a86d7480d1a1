import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { archive, createFileColdStore, createTieredStore, type EventStore, type RecordedEvent } from '@chronicle/core';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresStore } from './postgres-store.js';
import { adminQuery, pgAvailable, testSchema, urlForDatabase } from './test/pg-test-support.js';
import { collect } from './test/projection-fixtures.js';
import { sleep } from './test/store-fixtures.js';
import { pgProxy } from './test/tcp-proxy.js';

const available = await pgAvailable();

const comparable = (events: readonly RecordedEvent[]) => events.map((e) => ({ ...e, recordedAt: e.recordedAt.toISOString() }));

async function history(store: EventStore, streams: readonly string[]) {
  const byStream: Record<string, unknown> = {};
  for (const id of streams) byStream[id] = comparable(await collect(store.readStream(id)));
  return { byStream, global: comparable(await collect(store.readAll())) };
}

describe.skipIf(!available)('archive to a file cold store (PostgreSQL hot tier)', () => {
  // A database of its own: VACUUM FULL can only drop rows that no transaction of the same database may still see,
  // and other test files (the noisy neighbour, other runs on the shared server) keep transactions open in theirs.
  const database = `chr_archive_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  const pool = new pg.Pool({ connectionString: urlForDatabase(database), max: 2 });
  pool.on('error', () => undefined);
  const schema = testSchema('archive');
  const dir = mkdtempSync(path.join(tmpdir(), 'chronicle-pg-cold-'));
  beforeAll(async () => {
    await adminQuery(`create database "${database}"`);
  });
  afterAll(async () => {
    await pool.end();
    await adminQuery(`drop database if exists "${database}" with (force)`);
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads are identical before and after archiving and after reopening; the events table shrinks; an unreachable hot store falls back to cold, flagged', async () => {
    const proxy = await pgProxy(database);
    const hot = await createPostgresStore({ connectionString: proxy.url, schema, maxConnections: 4 });
    const streams = Array.from({ length: 10 }, (_, i) => `account-${i}`);
    const payload = 'x'.repeat(400);
    for (let round = 0; round < 30; round++) {
      await Promise.all(streams.map((id) => hot.append(id, Array.from({ length: 10 }, (_, n) => ({ type: 'Posted', data: { round, n, payload } })), 'any')));
    }
    await sleep(20);
    const cutoff = new Date();
    await sleep(20);
    for (const id of streams) await hot.append(id, [{ type: 'Posted', data: { round: 'recent' } }], 'any');
    const before = await history(hot, streams);
    const size = async (): Promise<number> => Number((await pool.query(`select pg_total_relation_size('"${schema}".events') as size`)).rows[0].size);
    const sizeBefore = await size();

    const report = await archive({ hot, cold: createFileColdStore({ dir }), policy: { olderThanMs: 0 }, now: cutoff, batchSize: 1_000 });
    expect(report.archived).toBe(3_000);
    // VACUUM FULL keeps deleted rows that a transaction still running in this database may see (autovacuum, a
    // straggling connection): until none is left, reclaiming again is what a user would do.
    let space = { beforeBytes: report.hotBytesBefore, afterBytes: report.hotBytesAfter };
    for (const deadline = Date.now() + 30_000; space.afterBytes >= sizeBefore / 2 && Date.now() < deadline; ) {
      await sleep(200);
      space = await hot.reclaimSpace();
    }
    expect(space.afterBytes).toBeLessThan(sizeBefore / 2);
    expect(await size()).toBeLessThan(sizeBefore / 2);
    expect(await collect(hot.readAllStored())).toHaveLength(10);

    const tiered = createTieredStore({ hot, cold: createFileColdStore({ dir }) });
    expect(await history(tiered, streams)).toEqual(before);
    await hot.close();
    const reopenedHot = await createPostgresStore({ connectionString: proxy.url, schema, maxConnections: 4 });
    const notices: string[] = [];
    const reopened = createTieredStore({ hot: reopenedHot, cold: createFileColdStore({ dir }), onFallback: (notice) => notices.push(notice.operation) });
    expect(await history(reopened, streams)).toEqual(before);
    expect(notices).toEqual([]);

    await proxy.cut();
    const archived = before.global.filter((e) => new Date(e.recordedAt) < cutoff);
    expect(comparable(await collect(reopened.readStream('account-3')))).toEqual(archived.filter((e) => e.streamId === 'account-3'));
    expect(comparable(await collect(reopened.readAll()))).toEqual(archived);
    expect(notices).toEqual(['readStream', 'readAll']);
    expect(reopened.tiers.fallbacks()).toBe(2);
    await reopenedHot.close();
    console.log(`archive: ${report.archived} events to cold storage; events table ${report.hotBytesBefore} -> ${report.hotBytesAfter} bytes`);
  }, 60_000);
});
