/**
 * PostgreSQL projections next to raw `pg` doing the same work in the same run.
 *
 * Catch-up: 100k events (1,000 streams × 100) into a per-stream count read
 * model. Chronicle: `createProjectionRunner` with a `documentProjection`
 * (batches of 1,000: one gap-safe page read, one getMany, one putMany and
 * the fenced checkpoint, in one transaction per batch). Raw: what a careful
 * developer writes by hand: paged SELECT by global position, counts summed
 * in JS, one batched INSERT ... ON CONFLICT DO UPDATE plus a checkpoint
 * UPDATE in one transaction per page.
 *
 * Snapshot load: one 100k-event stream with a snapshot every 1,000 events,
 * loaded through `createAggregateLoader` (snapshot + tail), next to raw pg
 * reading and folding the whole stream (what a load costs without snapshots).
 *
 * Archive: 100k events (~300 bytes each) moved to a file cold store;
 * reports the events table's size before and after (VACUUM FULL).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { archive, createAggregateLoader, createFileColdStore, createProjectionRunner, documentProjection, silentLogger } from '@chronicle/core';
import { createPostgresStore, type PostgresEventStore } from '@chronicle/postgres';
import pg from 'pg';
import { duration, type Measurement, type Suite } from './scenario.js';

const URL = process.env.CHRONICLE_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const SCHEMA = 'bench_projections';
const ARCHIVE_SCHEMA = 'bench_archive';
const SNAPSHOT_SCHEMA = 'bench_snapshots';
const STREAMS = 1_000;
const PER_STREAM = 100;
const TOTAL = STREAMS * PER_STREAM;
const LONG = 100_000;
const ROUNDS = 3;

let admin: pg.Pool;
let store: PostgresEventStore;
let snapshots: PostgresEventStore;
let longStream = '';

function median(values: readonly number[]): Measurement {
  const sorted = [...values].sort((a, b) => a - b);
  return { value: sorted[Math.floor(sorted.length / 2)]!, unit: 'ms', lowerIsBetter: true };
}

async function medianOf(work: () => Promise<void>): Promise<Measurement> {
  const times: number[] = [];
  for (let round = 0; round < ROUNDS; round++) times.push((await duration(work)).value);
  return median(times);
}

function check(actual: number, expected: number, what: string): void {
  if (actual !== expected) throw new Error(`${what}: ${actual}, expected ${expected}`);
}

/** Chronicle catch-up with a fresh projection name (and collection) per round. */
async function chronicleCatchUp(): Promise<void> {
  const name = `counts-${randomUUID().slice(0, 8)}`;
  const projection = documentProjection<{ count: number }>({ name, collection: name, documentId: (e) => e.streamId, evolve: (doc) => ({ count: (doc?.count ?? 0) + 1 }) });
  const runner = createProjectionRunner({ store, host: store.projections, projection, batchSize: 1_000, logger: silentLogger });
  const status = await runner.catchUp();
  check(status.processed, TOTAL, 'events processed');
}

/** Raw catch-up into its own table, with its own checkpoint row. */
async function rawCatchUp(): Promise<void> {
  const table = `raw_counts_${randomUUID().slice(0, 8)}`;
  await admin.query(`create table ${SCHEMA}.${table} (stream_id text collate "C" primary key, count bigint not null)`);
  await admin.query(`insert into ${SCHEMA}.raw_checkpoints (name, position) values ($1, 0)`, [table]);
  const client = await admin.connect();
  let seen = 0;
  try {
    let after = 0;
    for (;;) {
      const { rows } = await client.query({
        name: 'raw_page',
        text: `select global_position, stream_id from ${SCHEMA}.events where global_position > $1 order by global_position limit 1000`,
        values: [after],
        rowMode: 'array',
      });
      if (rows.length === 0) break;
      const counts = new Map<string, number>();
      for (const [, streamId] of rows as [string, string][]) counts.set(streamId, (counts.get(streamId) ?? 0) + 1);
      after = Number((rows[rows.length - 1] as [string])[0]);
      seen += rows.length;
      await client.query('begin');
      await client.query({
        text: `insert into ${SCHEMA}.${table} (stream_id, count) select * from unnest($1::text[], $2::int8[])
               on conflict (stream_id) do update set count = ${table}.count + excluded.count`,
        values: [[...counts.keys()], [...counts.values()]],
      });
      await client.query({ text: `update ${SCHEMA}.raw_checkpoints set position = $2 where name = $1`, values: [table, after] });
      await client.query('commit');
    }
  } finally {
    client.release();
  }
  check(seen, TOTAL, 'raw events read');
}

const sum = { initialState: () => 0, evolve: (total: number, e: { data: unknown }) => total + (e.data as { n: number }).n };

const postgresProjectionsSuite: Suite = {
  name: 'postgres-projections',
  async setup() {
    admin = new pg.Pool({ connectionString: URL, max: 4 });
    admin.on('error', () => undefined);
    await admin.query(`drop schema if exists ${SCHEMA} cascade`);
    await admin.query(`drop schema if exists ${SNAPSHOT_SCHEMA} cascade`);
    store = await createPostgresStore({ connectionString: URL, schema: SCHEMA });
    snapshots = await createPostgresStore({ connectionString: URL, schema: SNAPSHOT_SCHEMA });
    await admin.query(`create table ${SCHEMA}.raw_checkpoints (name text primary key, position bigint not null)`);
    for (let round = 0; round < PER_STREAM; round += 50) {
      for (let s = 0; s < STREAMS; s += 50) {
        await Promise.all(
          Array.from({ length: 50 }, (_, k) =>
            store.append(`counter-${s + k}`, Array.from({ length: 50 }, (_, i) => ({ type: 'Counted', data: { n: round + i } })), 'any'),
          ),
        );
      }
    }
    longStream = `long-${randomUUID().slice(0, 8)}`;
    for (let i = 0; i < LONG; i += 1_000) {
      await snapshots.append(longStream, Array.from({ length: 1_000 }, (_, k) => ({ type: 'Counted', data: { n: i + k } })), i === 0 ? 'no_stream' : i);
    }
    await admin.query(`vacuum analyze ${SCHEMA}.events`);
    return async () => {
      await store.close();
      await snapshots.close();
      await admin.query(`drop schema if exists ${SCHEMA} cascade`);
      await admin.query(`drop schema if exists ${SNAPSHOT_SCHEMA} cascade`);
      await admin.end();
    };
  },
  scenarios: [
    {
      name: `projection catch-up, ${TOTAL / 1000}k events into per-stream counts`,
      goal: '<= 2 s',
      chronicle: () => medianOf(chronicleCatchUp),
      raw: () => medianOf(rawCatchUp),
    },
    {
      name: `snapshot load, ${LONG / 1000}k-event stream, snapshot every 1,000 (raw: full read + fold)`,
      async chronicle() {
        const loader = createAggregateLoader(snapshots, sum, { name: `sum-${randomUUID().slice(0, 8)}`, schemaVersion: 1, everyEvents: 1_000 });
        await loader.load(longStream); // writes the first snapshot (full replay)
        const expected = (LONG * (LONG - 1)) / 2;
        return medianOf(async () => check((await loader.load(longStream)).state, expected, 'snapshot state'));
      },
      async raw() {
        const expected = (LONG * (LONG - 1)) / 2;
        return medianOf(async () => {
          const { rows } = await admin.query({
            text: `select data::text from ${SNAPSHOT_SCHEMA}.events where stream_id = $1 order by stream_position`,
            values: [longStream],
            rowMode: 'array',
          });
          let total = 0;
          for (const [data] of rows as [string][]) total += (JSON.parse(data) as { n: number }).n;
          check(total, expected, 'raw fold');
        });
      },
    },
    {
      name: `archive ${TOTAL / 1000}k events: events table size after (before in note)`,
      async chronicle() {
        await admin.query(`drop schema if exists ${ARCHIVE_SCHEMA} cascade`);
        const hot = await createPostgresStore({ connectionString: URL, schema: ARCHIVE_SCHEMA });
        const dir = mkdtempSync(path.join(tmpdir(), 'chronicle-bench-cold-'));
        try {
          const payload = 'x'.repeat(250);
          for (let s = 0; s < STREAMS; s += 50) {
            await Promise.all(
              Array.from({ length: 50 }, (_, k) =>
                hot.append(`account-${s + k}`, Array.from({ length: PER_STREAM }, (_, i) => ({ type: 'Posted', data: { i, payload } })), 'no_stream'),
              ),
            );
          }
          const started = performance.now();
          const report = await archive({ hot, cold: createFileColdStore({ dir }), policy: { olderThanMs: -60_000 } });
          const ms = performance.now() - started;
          check(report.archived, TOTAL, 'archived');
          const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
          console.log(`\n  archive: ${mb(report.hotBytesBefore)} -> ${mb(report.hotBytesAfter)} in ${ms.toFixed(0)} ms`);
          return { value: report.hotBytesAfter / 1024 / 1024, unit: 'MiB', lowerIsBetter: true, note: `before ${mb(report.hotBytesBefore)}` };
        } finally {
          await hot.close();
          rmSync(dir, { recursive: true, force: true });
          await admin.query(`drop schema if exists ${ARCHIVE_SCHEMA} cascade`);
        }
      },
    },
  ],
};

export default postgresProjectionsSuite;
