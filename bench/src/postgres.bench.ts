/**
 * PostgreSQL store next to raw `pg` doing the same work in the same run.
 *
 * "Raw" is what a careful developer would write by hand: one events table
 * with the same columns and indexes (bigserial key, unique (stream, position),
 * unique event id, json data and metadata), JSON.stringify on the way in,
 * JSON.parse on the way out, named prepared statements on a dedicated
 * connection per writer, and the unique (stream, position) constraint as its
 * optimistic-concurrency check. Raw has
 * no gap-safe global order, no stream table, no validation and no
 * notifications: the ratio is what those guarantees cost.
 *
 * Both sides use fresh streams in their own schema of the same database.
 * Each scenario runs in rounds that alternate Chronicle and raw, so that load
 * from other processes on a shared machine hits both alike: throughput is the
 * total over all rounds, read times are the median round. Set CHRONICLE_PG_URL
 * to point elsewhere.
 */
import { randomUUID } from 'node:crypto';
import { createPostgresStore } from '@chronicle/postgres';
import type { EventStore } from '@chronicle/core';
import pg from 'pg';
import { WARM_UP_OPERATIONS, interleaved, medianMs, seconds, throughput, type Side } from './interleaved.js';
import type { Suite } from './scenario.js';

const URL = process.env.CHRONICLE_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const STORE_SCHEMA = 'bench_chronicle';
const RAW_SCHEMA = 'bench_raw';

const SINGLE = 10_000;
const BATCHED = 100_000;
const BATCH = 100;
const WRITERS = 8;
const PER_WRITER = 1_000;
const STREAMS = 1_000;
const PER_STREAM = 10;
const LONG = 100_000;

type Counted = { readonly type: string; readonly data: unknown };
const evolve = (state: number, event: Counted): number => state + (event.data as { n: number }).n;
const counted = (n: number): { type: string; data: { n: number } } => ({ type: 'Counted', data: { n } });

let admin: pg.Pool;
let store: EventStore;
let run = 0;
const fresh = (label: string): string => `${label}-${++run}-${randomUUID().slice(0, 8)}`;

// ---- raw pg ---------------------------------------------------------------------

function rawPool(max: number): pg.Pool {
  const pool = new pg.Pool({ connectionString: URL, max });
  pool.on('error', () => undefined);
  return pool;
}

const RAW_INSERT = {
  name: 'raw_insert',
  text: `insert into ${RAW_SCHEMA}.events (stream_id, stream_position, event_id, type, data, metadata, recorded_at)
         values ($1, $2, $3, $4, $5, $6, $7)`,
};
const RAW_INSERT_MANY = {
  name: 'raw_insert_many',
  text: `insert into ${RAW_SCHEMA}.events (stream_id, stream_position, event_id, type, data, metadata, recorded_at)
         select $1, $2 + n, id, type, data, metadata, $7
           from unnest($3::uuid[], $4::text[], $5::json[], $6::json[]) with ordinality as e(id, type, data, metadata, n)`,
};
const RAW_READ = {
  name: 'raw_read',
  text: `select global_position, stream_id, stream_position, event_id, type, data::text, metadata::text, recorded_at
           from ${RAW_SCHEMA}.events where stream_id = $1 order by stream_position`,
};

async function rawAppendOne(client: pg.PoolClient, stream: string, version: number, n: number): Promise<void> {
  const event = counted(n);
  await client.query({
    ...RAW_INSERT,
    values: [stream, version + 1, randomUUID(), event.type, JSON.stringify(event.data), '{}', new Date().toISOString()],
  });
}

async function rawAppendMany(client: pg.PoolClient, stream: string, version: number, first: number, count: number): Promise<void> {
  const events = Array.from({ length: count }, (_, i) => counted(first + i));
  await client.query({
    ...RAW_INSERT_MANY,
    values: [
      stream,
      version,
      events.map(() => randomUUID()),
      events.map((e) => e.type),
      events.map((e) => JSON.stringify(e.data)),
      events.map(() => '{}'),
      new Date().toISOString(),
    ],
  });
}

async function rawFold(client: pg.PoolClient, stream: string): Promise<number> {
  const { rows } = await client.query({ ...RAW_READ, values: [stream], rowMode: 'array' });
  let state = 0;
  for (const row of rows as unknown[][]) state = evolve(state, { type: row[4] as string, data: JSON.parse(row[5] as string) as unknown });
  return state;
}

// ---- chronicle --------------------------------------------------------------------

async function fill(target: EventStore, stream: string, count: number): Promise<void> {
  for (let written = 0; written < count; written += BATCH) {
    await target.append(stream, Array.from({ length: BATCH }, (_, i) => counted(written + i)), written);
  }
}

async function fold(target: EventStore, stream: string): Promise<number> {
  let state = 0;
  for await (const event of target.readStream(stream)) state = evolve(state, event);
  return state;
}

const sum = (count: number): number => (count * (count - 1)) / 2;

function check(actual: number, expected: number): void {
  if (actual !== expected) throw new Error(`fold mismatch: ${actual} !== ${expected}`);
}

/**
 * The raw writers' connections: opened and warmed once in setup, as the
 * store's are. A fresh pool per round made every round pay 8 new backends'
 * first queries (catalog caches, statement parse) on the raw side only,
 * which halved raw's 8-writer rate and flattered the ratio.
 */
let rawWriters: { pool: pg.Pool; clients: pg.PoolClient[] } | undefined;

async function openRawWriters(count: number): Promise<void> {
  const pool = rawPool(count);
  const clients = await Promise.all(Array.from({ length: count }, () => pool.connect()));
  const warm = fresh('warm-writers');
  await Promise.all(clients.map(async (client, w) => {
    for (let i = 0; i < 20; i++) await rawAppendOne(client, `${warm}-${w}`, i, i);
  }));
  rawWriters = { pool, clients };
}

async function closeRawWriters(): Promise<void> {
  for (const client of rawWriters?.clients ?? []) client.release();
  await rawWriters?.pool.end();
  rawWriters = undefined;
}

// ---- scenarios ----------------------------------------------------------------------

/** Write scenarios alternate in short rounds; read scenarios repeat the same read. */
const ROUNDS = 10;
const READ_ROUNDS = 5;
let rawClient: pg.PoolClient | undefined;
let rawClientPool: pg.Pool | undefined;

const postgresSuite: Suite = {
  name: 'postgres',
  async setup() {
    admin = rawPool(2);
    await admin.query(`drop schema if exists ${STORE_SCHEMA} cascade; drop schema if exists ${RAW_SCHEMA} cascade`);
    await admin.query(`create schema ${RAW_SCHEMA};
      create table ${RAW_SCHEMA}.events (
        global_position bigserial primary key,
        stream_id text collate "C" not null,
        stream_position bigint not null,
        event_id uuid not null unique,
        type text not null,
        data json not null,
        metadata json not null,
        recorded_at timestamptz not null,
        unique (stream_id, stream_position))`);
    store = await createPostgresStore({ connectionString: URL, schema: STORE_SCHEMA, maxConnections: 10 });
    rawClientPool = rawPool(1);
    rawClient = await rawClientPool.connect();
    // Warm both sides up (connections, prepared statements, plpgsql plans, JIT).
    await fill(store, fresh('warm'), 2_000);
    await fold(store, fresh('warm'));
    const warm = fresh('warm');
    for (let i = 0; i < 20; i++) await rawAppendMany(rawClient, warm, i * BATCH, i * BATCH, BATCH);
    await rawFold(rawClient, warm);
    await openRawWriters(WRITERS);
    return async () => {
      await closeRawWriters();
      rawClient?.release();
      await rawClientPool?.end();
      await store.close();
      await admin.query(`drop schema if exists ${STORE_SCHEMA} cascade; drop schema if exists ${RAW_SCHEMA} cascade`);
      await admin.end();
    };
  },
  scenarios: [
    (() => {
      const appendSingles = (side: Side, count: number): Promise<number> => {
        const stream = fresh('single');
        return seconds(async () => {
          if (side === 'chronicle') for (let i = 0; i < count; i++) await store.append(stream, [counted(i)], i);
          else for (let i = 0; i < count; i++) await rawAppendOne(rawClient!, stream, i, i);
        });
      };
      return interleaved(
        { name: `${SINGLE / 1000}k sequential single appends`, goal: '>= 80% of raw', goalRatio: 0.8 },
        ROUNDS,
        (side) => appendSingles(side, SINGLE / ROUNDS),
        throughput(SINGLE),
        (side) => appendSingles(side, WARM_UP_OPERATIONS),
      );
    })(),
    (() => {
      const appendBatches = (side: Side, count: number): Promise<number> => {
        const stream = fresh('batched');
        return seconds(async () => {
          if (side === 'chronicle') await fill(store, stream, count);
          else for (let written = 0; written < count; written += BATCH) await rawAppendMany(rawClient!, stream, written, written, BATCH);
        });
      };
      return interleaved(
        { name: `${BATCHED / 1000}k events in batches of ${BATCH}`, goal: '>= 70% of raw multi-row insert', goalRatio: 0.7 },
        ROUNDS,
        (side) => appendBatches(side, BATCHED / ROUNDS),
        throughput(BATCHED),
        (side) => appendBatches(side, WARM_UP_OPERATIONS * BATCH),
      );
    })(),
    (() => {
      const appendConcurrently = async (side: Side, count: number): Promise<number> => {
        const streams = Array.from({ length: WRITERS }, () => fresh('writer'));
        if (side === 'chronicle') {
          return seconds(async () => {
            await Promise.all(streams.map(async (stream) => {
              for (let i = 0; i < count; i++) await store.append(stream, [counted(i)], i);
            }));
          });
        }
        return seconds(async () => {
          await Promise.all(rawWriters!.clients.map(async (client, w) => {
            for (let i = 0; i < count; i++) await rawAppendOne(client, streams[w]!, i, i);
          }));
        });
      };
      return interleaved(
        { name: `${WRITERS} concurrent writers, single appends on distinct streams`, goal: '>= 80% of raw', goalRatio: 0.8 },
        ROUNDS,
        (side) => appendConcurrently(side, PER_WRITER / ROUNDS),
        throughput(WRITERS * PER_WRITER),
        (side) => appendConcurrently(side, Math.ceil(WARM_UP_OPERATIONS / WRITERS) * 2),
      );
    })(),
    (() => {
      const streams: Record<Side, string[]> = { chronicle: [], raw: [] };
      return interleaved(
        { name: `read + fold ${STREAMS.toLocaleString('en-US')} streams × ${PER_STREAM} events`, goal: '<= 1.3× raw time', goalRatio: 1.3 },
        READ_ROUNDS,
        async (side, round) => {
          if (round === 0) {
            streams[side] = Array.from({ length: STREAMS }, () => fresh('many'));
            for (const stream of streams[side]) {
              if (side === 'chronicle') await store.append(stream, Array.from({ length: PER_STREAM }, (_, i) => counted(i)), 'no_stream');
              else await rawAppendMany(rawClient!, stream, 0, 0, PER_STREAM);
            }
          }
          let total = 0;
          const time = await seconds(async () => {
            for (const stream of streams[side]) total += side === 'chronicle' ? await fold(store, stream) : await rawFold(rawClient!, stream);
          });
          check(total, STREAMS * sum(PER_STREAM));
          return time;
        },
        medianMs,
      );
    })(),
    (() => {
      const streams: Record<Side, string> = { chronicle: '', raw: '' };
      return interleaved(
        { name: `read + fold one ${LONG / 1000}k-event stream`, goal: '<= 1.3× raw time', goalRatio: 1.3 },
        READ_ROUNDS,
        async (side, round) => {
          if (round === 0) {
            streams[side] = fresh('long');
            if (side === 'chronicle') await fill(store, streams[side], LONG);
            else for (let written = 0; written < LONG; written += BATCH) await rawAppendMany(rawClient!, streams[side], written, written, BATCH);
          }
          let total = 0;
          const time = await seconds(async () => {
            total = side === 'chronicle' ? await fold(store, streams[side]) : await rawFold(rawClient!, streams[side]);
          });
          check(total, sum(LONG));
          return time;
        },
        medianMs,
      );
    })(),
  ],
};

export default postgresSuite;
