/**
 * The SQLite store next to raw better-sqlite3 doing the same work in the same run.
 *
 * "Raw" is what a careful developer would write by hand for the same
 * guarantees: one events table (integer key, unique (stream, position), unique
 * event id), WAL, the same synchronous level, the version check and the
 * inserts in one BEGIN IMMEDIATE transaction, JSON.stringify on the way in.
 * Raw ids are time-ordered UUIDs like Chronicle's (random v4 ids make batched
 * raw appends ~3× slower; see the sqlite README), so the ratio measures
 * Chronicle's own overhead.
 *
 * The machine is shared and has two cores, so each scenario runs Chronicle and
 * raw in alternating rounds (noise then hits both alike), flushes dirty pages
 * (`sync`) before durable rounds, and reports the total (writes, wall clock)
 * or the median round (reads, in CPU time: they are single-threaded and
 * CPU-bound, and CPU time does not count the time the process spent
 * descheduled by other work on the machine).
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EventStore, NewEvent } from '@chronicle/core';
import { createSqliteStore } from '@chronicle/sqlite';
import Database from 'better-sqlite3';
import { paired, type Measurement, type Scenario, type Suite } from './scenario.js';

const ROUNDS = 10;
const SINGLE = 10_000;
const BATCHED = 100_000;
const BATCH = 100;
const STREAMS = 1_000;
const PER_STREAM = 10;
const LONG = 100_000;
const WRITERS = 8;
const PER_WRITER = 1_000;
const BIG = 1_000_000;
const BIG_STREAMS = 10_000;
const LATENCY_APPENDS = 1_000;

let dir = '';
let files = 0;
const file = (label: string): string => join(dir, `${label}-${++files}.db`);

// ---- measuring ---------------------------------------------------------------------

/** Writes dirty pages out so that one round's leftovers do not slow the next round's fsyncs. */
function settleDisk(): void {
  execFileSync('sync');
}

/** Wall-clock seconds, or CPU seconds of this process (reads: immune to being descheduled on a busy machine). */
async function seconds(work: () => Promise<void> | void, clock: 'wall' | 'cpu'): Promise<number> {
  if (clock === 'cpu') {
    const started = process.cpuUsage();
    await work();
    const used = process.cpuUsage(started);
    return (used.user + used.system) / 1e6;
  }
  const started = process.hrtime.bigint();
  await work();
  return Number(process.hrtime.bigint() - started) / 1e9;
}

type Side = (round: number) => Promise<void> | void;

/**
 * Runs both sides in alternating rounds (who goes first alternates too) and
 * returns each side's round times: writes on the wall clock (durable ones
 * after a `sync`), CPU-bound single-threaded reads in CPU time.
 */
async function alternate(rounds: number, chronicle: Side, raw: Side, options: { readonly settle: boolean; readonly clock: 'wall' | 'cpu' }): Promise<{ chronicle: number[]; raw: number[] }> {
  const times = { chronicle: [] as number[], raw: [] as number[] };
  for (let round = 0; round < rounds; round++) {
    const order: ['chronicle' | 'raw', Side][] = [
      ['chronicle', chronicle],
      ['raw', raw],
    ];
    if (round % 2 === 1) order.reverse();
    for (const [side, work] of order) {
      if (options.settle) settleDisk();
      times[side].push(await seconds(() => work(round), options.clock));
    }
  }
  return times;
}

const sum = (values: number[]): number => values.reduce((a, b) => a + b, 0);
/** The middle round: unlike the best one, not decided by a single lucky round. */
const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};


// ---- raw better-sqlite3 ---------------------------------------------------------------

let lastMs = 0;
let counter = 0;
/** A time-ordered UUID (v7), generated as Chronicle does. */
function timeOrderedId(): string {
  const now = Date.now();
  if (now > lastMs) {
    lastMs = now;
    counter = 0;
  } else if (++counter > 0xfff) {
    lastMs++;
    counter = 0;
  }
  const time = lastMs.toString(16).padStart(12, '0');
  return `${time.slice(0, 8)}-${time.slice(8)}-7${counter.toString(16).padStart(3, '0')}${randomUUID().slice(18)}`;
}

type Raw = {
  readonly db: Database.Database;
  /** Appends `count` events to `stream` if its version is `expected`. */
  readonly append: (stream: string, expected: number, count: number, firstN: number) => void;
  /** A stream's events, the columns a fold needs. */
  readonly readFold: Database.Statement;
  /** A stream's events, every column an event store returns. */
  readonly readFull: Database.Statement;
};

function openRaw(path: string, synchronous: 'FULL' | 'NORMAL'): Raw {
  const db = new Database(path);
  db.pragma('busy_timeout = 5000');
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${synchronous}`);
  db.pragma('temp_store = MEMORY');
  db.exec(`CREATE TABLE IF NOT EXISTS events (
    global_position INTEGER PRIMARY KEY, stream_id TEXT NOT NULL, stream_position INTEGER NOT NULL,
    event_id TEXT NOT NULL UNIQUE, type TEXT NOT NULL, data TEXT NOT NULL, metadata TEXT NOT NULL,
    recorded_at INTEGER NOT NULL, UNIQUE (stream_id, stream_position))`);
  const version = db.prepare('SELECT max(stream_position) FROM events WHERE stream_id = ?').pluck();
  const insert = db.prepare(
    'INSERT INTO events (stream_id, stream_position, event_id, type, data, metadata, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
  );
  const append = db.transaction((stream: string, expected: number, count: number, firstN: number) => {
    const current = (version.get(stream) as number | null) ?? 0;
    if (current !== expected) throw new Error(`conflict on ${stream}`);
    const now = Date.now();
    for (let i = 0; i < count; i++) {
      insert.run(stream, current + i + 1, timeOrderedId(), 'Counted', JSON.stringify({ n: firstN + i }), '{}', now);
    }
  });
  return {
    db,
    append: (stream, expected, count, firstN) => append.immediate(stream, expected, count, firstN),
    readFold: db.prepare('SELECT type, data FROM events WHERE stream_id = ? ORDER BY stream_position'),
    readFull: db
      .prepare(
        'SELECT global_position, stream_position, event_id, type, data, metadata, recorded_at FROM events WHERE stream_id = ? ORDER BY stream_position',
      )
      .raw(),
  };
}

type FoldRow = { readonly type: string; readonly data: string };
type FullRow = [number, number, string, string, string, string, number];

function rawFold(rows: Iterable<unknown>): number {
  let state = 0;
  for (const row of rows as Iterable<FoldRow>) if (row.type === 'Counted') state += (JSON.parse(row.data) as { n: number }).n;
  return state;
}

function rawFoldFull(rows: Iterable<unknown>): number {
  let state = 0;
  for (const row of rows as Iterable<FullRow>) {
    // The same event an event store returns: every field, metadata parsed.
    const event = {
      globalPosition: row[0],
      streamPosition: row[1],
      eventId: row[2],
      type: row[3],
      data: JSON.parse(row[4]) as { n: number },
      metadata: JSON.parse(row[5]) as unknown,
      recordedAt: row[6],
    };
    if (event.type === 'Counted') state += event.data.n;
  }
  return state;
}

// ---- Chronicle -----------------------------------------------------------------------

function batch(count: number, firstN: number): NewEvent[] {
  return Array.from({ length: count }, (_, i) => ({ type: 'Counted', data: { n: firstN + i } }));
}

async function fold(store: EventStore, stream: string): Promise<number> {
  let state = 0;
  for await (const event of store.readStream(stream)) if (event.type === 'Counted') state += (event.data as { n: number }).n;
  return state;
}

function check(actual: number, expected: number): void {
  if (actual !== expected) throw new Error(`fold mismatch: ${actual} !== ${expected}`);
}

// ---- scenarios --------------------------------------------------------------------------

/**
 * What `PRAGMA quick_check` at open costs on a file of BIG events: opening (and closing) the store with the
 * check against without it (`integrityCheck: 'off'`, raw column), alternating, pages in the OS cache. Cold,
 * the check also reads the whole file once from disk.
 */
const openWithQuickCheck = paired(async () => {
  const path = file('quick-check');
  await bigStore(path);
  settleDisk();
  const open = (integrityCheck: 'quick' | 'off') => async () => {
    const started = process.hrtime.bigint();
    await createSqliteStore({ path, integrityCheck }).close();
    return Number(process.hrtime.bigint() - started) / 1e6;
  };
  const checked: number[] = [];
  const unchecked: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    checked.push(await open('quick')());
    unchecked.push(await open('off')());
  }
  const megabytes = statSync(path).size / 1024 / 1024;
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  return {
    chronicle: { value: median(checked), unit: 'ms', lowerIsBetter: true, note: `${megabytes.toFixed(0)} MB file, median of ${ROUNDS}` },
    raw: { value: median(unchecked), unit: 'ms', lowerIsBetter: true },
  };
});

const singleAppends = paired(async () => {
  const store = createSqliteStore({ path: file('single') });
  const raw = openRaw(file('raw-single'), 'FULL');
  // Twice as many, shorter rounds: fsync times drift with whatever else the machine writes.
  const rounds = ROUNDS * 2;
  const perRound = SINGLE / rounds;
  const times = await alternate(
    rounds,
    async (round) => {
      for (let i = round * perRound; i < (round + 1) * perRound; i++) await store.append('s', batch(1, i), i);
    },
    (round) => {
      for (let i = round * perRound; i < (round + 1) * perRound; i++) raw.append('s', i, 1, i);
    },
    { settle: true, clock: 'wall' },
  );
  await store.close();
  raw.db.close();
  return { chronicle: { value: SINGLE / sum(times.chronicle), unit: 'ev/s' }, raw: { value: SINGLE / sum(times.raw), unit: 'ev/s' } };
});

const batchedAppends = paired(async () => {
  const store = createSqliteStore({ path: file('batched') });
  const raw = openRaw(file('raw-batched'), 'FULL');
  const perRound = BATCHED / ROUNDS;
  const times = await alternate(
    ROUNDS,
    async (round) => {
      for (let n = round * perRound; n < (round + 1) * perRound; n += BATCH) await store.append('s', batch(BATCH, n), n);
    },
    (round) => {
      for (let n = round * perRound; n < (round + 1) * perRound; n += BATCH) raw.append('s', n, BATCH, n);
    },
    { settle: true, clock: 'wall' },
  );
  await store.close();
  raw.db.close();
  return { chronicle: { value: BATCHED / sum(times.chronicle), unit: 'ev/s' }, raw: { value: BATCHED / sum(times.raw), unit: 'ev/s' } };
});

/** Two stores holding the same STREAMS × PER_STREAM events, one per side. */
async function manyStreams(): Promise<{ store: EventStore; raw: Raw }> {
  const store = createSqliteStore({ path: file('streams'), synchronous: 'NORMAL' });
  const raw = openRaw(file('raw-streams'), 'NORMAL');
  for (let s = 0; s < STREAMS; s++) {
    await store.append(`s-${s}`, batch(PER_STREAM, 0), 'no_stream');
    raw.append(`s-${s}`, 0, PER_STREAM, 0);
  }
  return { store, raw };
}

function manyStreamsFold(full: boolean): Pick<Scenario, 'chronicle' | 'raw'> {
  return paired(async () => {
    const { store, raw } = await manyStreams();
    const times = await alternate(
      15,
      async () => {
        let total = 0;
        for (let s = 0; s < STREAMS; s++) total += await fold(store, `s-${s}`);
        check(total, STREAMS * 45);
      },
      () => {
        let total = 0;
        for (let s = 0; s < STREAMS; s++) {
          total += full ? rawFoldFull(raw.readFull.all(`s-${s}`)) : rawFold(raw.readFold.all(`s-${s}`));
        }
        check(total, STREAMS * 45);
      },
      { settle: false, clock: 'cpu' },
    );
    await store.close();
    raw.db.close();
    return {
      chronicle: { value: STREAMS / median(times.chronicle), unit: 'streams/s' },
      raw: { value: STREAMS / median(times.raw), unit: 'streams/s' },
    };
  });
}

function longStreamFold(full: boolean): Pick<Scenario, 'chronicle' | 'raw'> {
  return paired(async () => {
    const store = createSqliteStore({ path: file('long'), synchronous: 'NORMAL' });
    const raw = openRaw(file('raw-long'), 'NORMAL');
    for (let n = 0; n < LONG; n += 1000) {
      await store.append('long', batch(1000, n), n);
      raw.append('long', n, 1000, n);
    }
    const expected = (LONG * (LONG - 1)) / 2;
    const times = await alternate(
      7,
      async () => check(await fold(store, 'long'), expected),
      // Raw streams the rows too (iterate), as folding a stream of any length must.
      () => check(full ? rawFoldFull(raw.readFull.iterate('long')) : rawFold(raw.readFold.iterate('long')), expected),
      { settle: false, clock: 'cpu' },
    );
    await store.close();
    raw.db.close();
    const ms = (values: number[]): Measurement => ({ value: median(values) * 1000, unit: 'ms', lowerIsBetter: true });
    return { chronicle: ms(times.chronicle), raw: ms(times.raw) };
  });
}

const concurrentWriters = paired(async () => {
  const store = createSqliteStore({ path: file('writers') });
  const raw = openRaw(file('raw-writers'), 'FULL');
  const perRound = PER_WRITER / ROUNDS;
  const rawPerRound = 300;
  const times = await alternate(
    ROUNDS,
    async (round) => {
      await Promise.all(
        Array.from({ length: WRITERS }, async (_, w) => {
          for (let i = round * perRound; i < (round + 1) * perRound; i++) await store.append(`writer-${w}`, batch(1, i), i);
        }),
      );
    },
    (round) => {
      for (let i = round * rawPerRound; i < (round + 1) * rawPerRound; i++) raw.append('s', i, 1, i);
    },
    { settle: true, clock: 'wall' },
  );
  await store.close();
  raw.db.close();
  return {
    chronicle: { value: (WRITERS * PER_WRITER) / sum(times.chronicle), unit: 'ev/s' },
    raw: { value: (ROUNDS * rawPerRound) / sum(times.raw), unit: 'ev/s' },
  };
});

/** A store holding BIG events in BIG_STREAMS streams, filled in batches without fsync, then flushed. */
async function bigStore(path: string): Promise<Map<string, number>> {
  const store = createSqliteStore({ path, synchronous: 'NORMAL' });
  const versions = new Map<string, number>();
  const perStream = BIG / BIG_STREAMS;
  for (let s = 0; s < BIG_STREAMS; s += 10) {
    const streams = Array.from({ length: 10 }, (_, k) => `s-${s + k}`);
    await store.appendMulti(streams.map((streamId) => ({ streamId, events: batch(perStream, 0), expectedVersion: 'no_stream' as const })));
    for (const streamId of streams) versions.set(streamId, perStream);
  }
  await store.close();
  return versions;
}

/** Sequential single appends to random existing streams (or new ones in the empty store), each at its expected version. */
async function appendRandomly(store: EventStore, versions: Map<string, number>, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const stream = `s-${Math.floor(Math.random() * BIG_STREAMS)}`;
    const result = await store.append(stream, batch(1, i), versions.get(stream) ?? 'no_stream');
    versions.set(stream, result.nextExpectedVersion);
  }
}

/**
 * Mean append latency of `big` (chronicle column) against `empty` (raw column): both warmed with 200 appends,
 * as a running service would be, then LATENCY_APPENDS each in alternating rounds.
 */
async function compareLatency(
  synchronous: 'FULL' | 'NORMAL',
  big: (count: number) => Promise<void> | void,
  empty: (count: number) => Promise<void> | void,
): Promise<{ chronicle: Measurement; raw: Measurement }> {
  await big(200);
  await empty(200);
  const perRound = LATENCY_APPENDS / ROUNDS;
  const times = await alternate(ROUNDS, () => big(perRound), () => empty(perRound), { settle: synchronous === 'FULL', clock: 'wall' });
  const perAppend = (values: number[]): Measurement => ({ value: (sum(values) * 1e6) / LATENCY_APPENDS, unit: 'µs', lowerIsBetter: true });
  return { chronicle: perAppend(times.chronicle), raw: perAppend(times.raw) };
}

function latency(synchronous: 'FULL' | 'NORMAL'): Pick<Scenario, 'chronicle' | 'raw'> {
  return paired(async () => {
    const bigPath = file('big');
    const bigVersions = await bigStore(bigPath);
    settleDisk();
    const big = createSqliteStore({ path: bigPath, synchronous });
    const empty = createSqliteStore({ path: file('empty'), synchronous });
    const emptyVersions = new Map<string, number>();
    const result = await compareLatency(
      synchronous,
      (count) => appendRandomly(big, bigVersions, count),
      (count) => appendRandomly(empty, emptyVersions, count),
    );
    await big.close();
    await empty.close();
    return result;
  });
}

/** Raw better-sqlite3 filled like {@link bigStore}: BIG events over BIG_STREAMS streams, no fsync while filling. */
function bigRaw(path: string, synchronous: 'FULL' | 'NORMAL'): { raw: Raw; versions: Map<string, number> } {
  const raw = openRaw(path, 'NORMAL');
  raw.db.pragma('synchronous = OFF');
  const perStream = BIG / BIG_STREAMS;
  const versions = new Map<string, number>();
  for (let s = 0; s < BIG_STREAMS; s++) {
    raw.append(`s-${s}`, 0, perStream, 0);
    versions.set(`s-${s}`, perStream);
  }
  raw.db.pragma('wal_checkpoint(TRUNCATE)');
  raw.db.pragma(`synchronous = ${synchronous}`);
  return { raw, versions };
}

function rawAppendRandomly(raw: Raw, versions: Map<string, number>, count: number): void {
  for (let i = 0; i < count; i++) {
    const stream = `s-${Math.floor(Math.random() * BIG_STREAMS)}`;
    const version = versions.get(stream) ?? 0;
    raw.append(stream, version, 1, i);
    versions.set(stream, version + 1);
  }
}

/**
 * The engine's own growth: raw better-sqlite3 doing the latency scenario's appends (random streams, one event
 * each) on a file of BIG events against an empty one. Chronicle's ratio above is to be read against this one.
 */
function rawLatency(synchronous: 'FULL' | 'NORMAL'): Pick<Scenario, 'chronicle' | 'raw'> {
  return paired(async () => {
    const big = bigRaw(file('raw-big'), synchronous);
    settleDisk();
    const empty = { raw: openRaw(file('raw-empty'), synchronous), versions: new Map<string, number>() };
    const result = await compareLatency(
      synchronous,
      (count) => rawAppendRandomly(big.raw, big.versions, count),
      (count) => rawAppendRandomly(empty.raw, empty.versions, count),
    );
    big.raw.db.close();
    empty.raw.db.close();
    return result;
  });
}

const sqliteSuite: Suite = {
  name: 'sqlite',
  async setup() {
    dir = mkdtempSync(join(tmpdir(), 'chronicle-bench-sqlite-'));
    return async () => rmSync(dir, { recursive: true, force: true });
  },
  scenarios: [
    { name: `${SINGLE / 1000}k sequential single appends, expected version, durable (FULL)`, goal: '>= 80% of raw', goalRatio: 0.8, ...singleAppends },
    { name: `${BATCHED / 1000}k events in appends of ${BATCH}, durable (FULL)`, goal: '>= 70% of raw', goalRatio: 0.7, ...batchedAppends },
    {
      name: `${STREAMS.toLocaleString('en-US')} streams × ${PER_STREAM} events, read + fold (raw reads the same event rows)`,
      goal: '>= 70% of raw',
      goalRatio: 0.7,
      ...manyStreamsFold(true),
    },
    { name: `${STREAMS.toLocaleString('en-US')} streams × ${PER_STREAM} events, read + fold (raw reads type + data only)`, ...manyStreamsFold(false) },
    { name: `one ${LONG / 1000}k-event stream, read + fold (raw iterates the same event rows)`, goal: '<= 1.5× raw time', goalRatio: 1.5, ...longStreamFold(true) },
    { name: `one ${LONG / 1000}k-event stream, read + fold (raw iterates type + data only)`, goal: '<= 1.5× raw time', goalRatio: 1.5, ...longStreamFold(false) },
    {
      // The issue asks for "well above the sequential fsync-bound rate". Group commit makes this scenario
      // CPU-bound (~30 µs per append), so its ratio to raw sequential shrinks as fsync gets faster: 3.1×
      // when raw sequential ran at 3.9k/s, 1.9–2.7× at 8–10k/s. The marker reads "well above" as at least 1.5×.
      name: `${WRITERS} concurrent writers, single appends, FULL (group commit; raw = sequential FULL)`,
      goal: '>= 1.5× sequential raw',
      goalRatio: 1.5,
      ...concurrentWriters,
    },
    {
      name: `append latency, ${BIG / 1e6}M events stored vs empty, FULL (raw column = same store, empty)`,
      goal: '<= 1.5× empty',
      goalRatio: 1.5,
      ...latency('FULL'),
    },
    {
      name: `append latency, ${BIG / 1e6}M events stored vs empty, NORMAL (raw column = same store, empty)`,
      goal: '<= 1.5× empty',
      goalRatio: 1.5,
      ...latency('NORMAL'),
    },
    { name: `open a ${BIG / 1e6}M-event file with PRAGMA quick_check (raw column = integrityCheck: 'off')`, ...openWithQuickCheck },
    {
      name: `raw better-sqlite3 append latency, ${BIG / 1e6}M events vs empty, FULL (chronicle column = raw on the big file)`,
      ...rawLatency('FULL'),
    },
    {
      name: `raw better-sqlite3 append latency, ${BIG / 1e6}M events vs empty, NORMAL (chronicle column = raw on the big file)`,
      ...rawLatency('NORMAL'),
    },
  ],
};

export default sqliteSuite;
