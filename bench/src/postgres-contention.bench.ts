/**
 * PostgreSQL on a shared server (issue 19), measured next to the raw driver
 * or next to the store without the feature, in interleaved rounds of one run:
 *
 * - Subscriptions on a small pool: 8 writers on a store with
 *   `maxConnections: 4`, with 20 subscriptions from each round's start, next
 *   to the same store without subscriptions. Every subscription must receive
 *   every event of its round in order, or the run fails.
 * - Contended streams: 8 writers each make 250 attempts to read a stream's
 *   version and append at it, on 50 streams (picked as `random³ × 50`, so a
 *   few are hot), next to raw `pg` doing the same on 8 connections (version =
 *   max position, conflict = the unique (stream, position) violation). Both
 *   sides must store exactly their successful appends, at consecutive
 *   positions (0 lost updates), or the run fails.
 * - The horizon's cost per append: sequential single appends on a store
 *   whose append functions register in-flight appends (schema v4 on), next
 *   to the same schema with v3's functions put back (no registration).
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { WrongExpectedVersionError, type RecordedEvent } from '@chronicle/core';
import { createPostgresStore, type PostgresEventStore } from '@chronicle/postgres';
import pg from 'pg';
import { WARM_UP_OPERATIONS, interleaved, seconds, throughput, type Side } from './interleaved.js';
import { paired, type Measurement, type Suite } from './scenario.js';

const PG_URL = process.env.CHRONICLE_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const SCHEMAS = { pool: 'bench_small_pool', race: 'bench_race', raceRaw: 'bench_race_raw', registered: 'bench_registered', unregistered: 'bench_unregistered' };

const WRITERS = 8;
const SUBSCRIBERS = 20;
const POOL_ROUNDS = 10;
const PER_WRITER = 100;
const RACE_ROUNDS = 6;
const ATTEMPTS = 250;
const RACE_STREAMS = 50;
const HORIZON_ROUNDS = 10;
const SINGLE = 500;

let admin: pg.Pool;
let small: PostgresEventStore;
let race: PostgresEventStore;
let registered: PostgresEventStore;
let unregistered: PostgresEventStore;
let raceClients: { pool: pg.Pool; clients: pg.PoolClient[] } | undefined;
const fresh = (label: string): string => `${label}-${randomUUID().slice(0, 8)}`;
const counted = (n: number) => ({ type: 'Counted', data: { n } });

// ---- 8 writers and 20 subscriptions on a pool of 4 ----------------------------------

async function writersRound(subscribers: number): Promise<number> {
  const run = fresh('pool');
  const head = await small.headPosition();
  const controller = new AbortController();
  const received: number[][] = Array.from({ length: subscribers }, () => []);
  const following = received.map(async (positions) => {
    for await (const event of small.subscribe({ after: head, signal: controller.signal })) {
      if (event.streamId.startsWith(run)) positions.push(event.globalPosition);
      if (positions.length === WRITERS * PER_WRITER) return;
    }
  });
  const acknowledged: number[] = [];
  const time = await seconds(async () => {
    await Promise.all(
      Array.from({ length: WRITERS }, async (_, w) => {
        for (let i = 0; i < PER_WRITER; i++) acknowledged.push((await small.append(`${run}-${w}`, [counted(i)], i)).globalPosition);
      }),
    );
  });
  const deadline = setTimeout(() => controller.abort(), 30_000);
  await Promise.all(following);
  clearTimeout(deadline);
  controller.abort();
  const expected = acknowledged.sort((a, b) => a - b).join();
  if (received.some((positions) => positions.join() !== expected)) throw new Error('a subscription missed, repeated or reordered events');
  return time;
}

// ---- contended streams ---------------------------------------------------------------

const RAW_VERSION = { name: 'race_version', text: `select coalesce(max(stream_position), 0)::int8 from ${SCHEMAS.raceRaw}.events where stream_id = $1` };
const RAW_INSERT = {
  name: 'race_insert',
  text: `insert into ${SCHEMAS.raceRaw}.events (stream_id, stream_position, event_id, type, data, metadata, recorded_at) values ($1, $2, $3, $4, $5, '{}', $6)`,
};
const pick = (streams: readonly string[]): string => streams[Math.floor(Math.random() ** 3 * streams.length)]!;
type RaceTally = { successes: number; conflicts: number; seconds: number };
const tallies: Record<Side, RaceTally> = { chronicle: { successes: 0, conflicts: 0, seconds: 0 }, raw: { successes: 0, conflicts: 0, seconds: 0 } };

async function raceRound(side: Side): Promise<number> {
  const streams = Array.from({ length: RACE_STREAMS }, () => fresh('race'));
  const won = new Map<string, number>();
  let conflicts = 0;
  const attempt = async (client: pg.PoolClient | undefined, n: number): Promise<void> => {
    const stream = pick(streams);
    if (side === 'chronicle') {
      const version = (await race.getStreamInfo(stream))?.version ?? 0;
      try {
        await race.append(stream, [counted(n)], version);
      } catch (error) {
        if (!(error instanceof WrongExpectedVersionError)) throw error;
        conflicts++;
        return;
      }
    } else {
      const version = Number((await client!.query({ ...RAW_VERSION, values: [stream], rowMode: 'array' })).rows[0]![0]);
      try {
        await client!.query({ ...RAW_INSERT, values: [stream, version + 1, randomUUID(), 'Counted', JSON.stringify({ n }), new Date().toISOString()] });
      } catch (error) {
        if ((error as { code?: string }).code !== '23505') throw error;
        conflicts++;
        return;
      }
    }
    won.set(stream, (won.get(stream) ?? 0) + 1);
  };
  const time = await seconds(async () => {
    await Promise.all(
      Array.from({ length: WRITERS }, async (_, w) => {
        for (let n = 0; n < ATTEMPTS; n++) await attempt(raceClients!.clients[w], n);
      }),
    );
  });
  // 0 lost updates: every stream holds exactly its successful appends, at positions 1..n.
  for (const stream of streams) {
    const wins = won.get(stream) ?? 0;
    const [count, last] =
      side === 'chronicle'
        ? [(await race.getStreamInfo(stream))?.version ?? 0, (await race.getStreamInfo(stream))?.version ?? 0]
        : ((await admin.query({ text: `select count(*)::int, coalesce(max(stream_position), 0)::int from ${SCHEMAS.raceRaw}.events where stream_id = $1`, values: [stream], rowMode: 'array' })).rows[0]! as [number, number]);
    if (count !== wins || last !== wins) throw new Error(`${side}: ${stream} holds ${count} events (last ${last}) for ${wins} successes`);
  }
  const successes = [...won.values()].reduce((a, b) => a + b, 0);
  tallies[side].successes += successes;
  tallies[side].conflicts += conflicts;
  tallies[side].seconds += time;
  return time;
}

function successRate(side: Side): Measurement {
  const t = tallies[side];
  return { value: t.successes / t.seconds, unit: 'successes/s', note: `${t.successes} successes, ${t.conflicts} conflicts` };
}

// ---- the horizon's cost per append ---------------------------------------------------

async function singles(side: Side, count: number): Promise<number> {
  const target = side === 'chronicle' ? registered : unregistered;
  const stream = fresh('single');
  return seconds(async () => {
    for (let i = 0; i < count; i++) await target.append(stream, [counted(i)], i);
  });
}

const perAppend = (times: readonly number[]): Measurement => ({
  value: (times.reduce((a, b) => a + b, 0) / (times.length * SINGLE)) * 1e6,
  unit: 'µs/append',
  lowerIsBetter: true,
});

const contentionSuite: Suite = {
  name: 'postgres',
  async setup() {
    admin = new pg.Pool({ connectionString: PG_URL, max: 2 });
    admin.on('error', () => undefined);
    const drop = `drop schema if exists ${Object.values(SCHEMAS).join(', ')} cascade`;
    await admin.query(drop);
    small = await createPostgresStore({ connectionString: PG_URL, schema: SCHEMAS.pool, maxConnections: 4 });
    race = await createPostgresStore({ connectionString: PG_URL, schema: SCHEMAS.race });
    registered = await createPostgresStore({ connectionString: PG_URL, schema: SCHEMAS.registered, maxConnections: 2 });
    unregistered = await createPostgresStore({ connectionString: PG_URL, schema: SCHEMAS.unregistered, maxConnections: 2 });
    // Version 3's append functions, as pinned for migration 3, in place of the registering ones.
    const v3 = readFileSync(new URL('../../packages/postgres/src/sql/snapshots/v3.sql', import.meta.url), 'utf8');
    await admin.query(v3.replaceAll('"chronicle".', `"${SCHEMAS.unregistered}".`));
    await admin.query(`create schema ${SCHEMAS.raceRaw};
      create table ${SCHEMAS.raceRaw}.events (
        global_position bigserial primary key, stream_id text collate "C" not null, stream_position bigint not null,
        event_id uuid not null unique, type text not null, data json not null, metadata json not null,
        recorded_at timestamptz not null, unique (stream_id, stream_position))`);
    const pool = new pg.Pool({ connectionString: PG_URL, max: WRITERS });
    pool.on('error', () => undefined);
    raceClients = { pool, clients: await Promise.all(Array.from({ length: WRITERS }, () => pool.connect())) };
    // Warm every side up (connections, prepared statements, plpgsql plans).
    for (const store of [small, race, registered, unregistered]) {
      const stream = fresh('warm');
      for (let i = 0; i < 50; i++) await store.append(stream, [counted(i)], i);
    }
    return async () => {
      for (const client of raceClients?.clients ?? []) client.release();
      await raceClients?.pool.end();
      for (const store of [small, race, registered, unregistered]) await store.close();
      await admin.query(drop);
      await admin.end();
    };
  },
  scenarios: [
    interleaved(
      {
        name: `${WRITERS} writers on a pool of 4 with ${SUBSCRIBERS} subscriptions (raw column: same store, no subscriptions)`,
        goal: '>= 80% of no subscriptions',
        goalRatio: 0.8,
      },
      POOL_ROUNDS,
      (side) => writersRound(side === 'chronicle' ? SUBSCRIBERS : 0),
      throughput(POOL_ROUNDS * WRITERS * PER_WRITER),
    ),
    {
      name: `contended streams: ${WRITERS} writers × ${ATTEMPTS} read-then-append attempts on ${RACE_STREAMS} streams (0 lost updates)`,
      goal: '>= 80% of raw successes/s',
      goalRatio: 0.8,
      ...paired(async () => {
        for (let round = 0; round < RACE_ROUNDS; round++) {
          for (const side of (round % 2 === 0 ? ['chronicle', 'raw'] : ['raw', 'chronicle']) as Side[]) {
            globalThis.gc?.();
            await raceRound(side);
          }
        }
        return { chronicle: successRate('chronicle'), raw: successRate('raw') };
      }),
    },
    interleaved(
      { name: 'horizon registration: sequential single appends (raw column: same store with v3 functions, no registration)' },
      HORIZON_ROUNDS,
      (side) => singles(side, SINGLE),
      perAppend,
      (side) => singles(side, WARM_UP_OPERATIONS),
    ),
  ],
};

export default contentionSuite;
