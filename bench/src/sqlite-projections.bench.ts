/**
 * SQLite projections, snapshots and archiving, each next to what a careful
 * developer would write by hand with better-sqlite3, measured in the same run.
 *
 * - Catch-up: `createProjectionRunner` folding 100k events into a per-stream
 *   count read model (documents), vs. raw paged SELECT + batched UPSERT of a
 *   counts table and the checkpoint, one transaction per page of the same size.
 * - Snapshot load: an aggregate of 100k events with a snapshot every 1,000;
 *   a load reads the snapshot and replays the tail (999 events, the worst
 *   case), vs. raw: snapshot row + tail SELECT + JSON.parse + fold.
 * - Archive: hot file size before/after archiving (`archive()` with a file
 *   cold store). 200k events by default; `CHRONICLE_BENCH_ARCHIVE_EVENTS=1000000`
 *   for the 1M-event run (takes a few minutes).
 *
 * Rounds alternate Chronicle and raw, and the median round is reported, since
 * the machine may be shared.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { archive, createAggregateLoader, createFileColdStore, createProjectionRunner, documentProjection, silentLogger, type EventStore } from '@chronicle/core';
import { createSqliteStore } from '@chronicle/sqlite';
import Database from 'better-sqlite3';
import { paired, type Measurement, type Suite } from './scenario.js';

const CATCH_UP_EVENTS = 100_000;
const CATCH_UP_STREAMS = 1_000;
const PAGE = 1_000;
const CATCH_UP_ROUNDS = 3;
const SNAPSHOT_EVENTS = 100_000;
const SNAPSHOT_EVERY = 1_000;
const LOADS = 30;
const ARCHIVE_EVENTS = Number(process.env.CHRONICLE_BENCH_ARCHIVE_EVENTS ?? 200_000);

let dir = '';
let files = 0;
const file = (label: string): string => join(dir, `${label}-${++files}.db`);

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

async function timed(work: () => Promise<void> | void): Promise<number> {
  const started = process.hrtime.bigint();
  await work();
  return Number(process.hrtime.bigint() - started) / 1e6;
}


/** `count` events spread evenly over `streams` streams, in multi-stream appends of 10 × 100 events. */
async function fill(store: EventStore, count: number, streams: number): Promise<void> {
  for (let i = 0; i < count; i += 1_000) {
    await store.appendMulti(
      Array.from({ length: 10 }, (_, k) => ({
        streamId: `s-${(i / 100 + k) % streams}`,
        events: Array.from({ length: 100 }, (_, j) => ({ type: 'Counted', data: { n: i + k * 100 + j, note: 'x'.repeat(100) } })),
        expectedVersion: 'any' as const,
      })),
    );
  }
}

const catchUp = paired(async () => {
  const path = file('catch-up');
  const store = createSqliteStore({ path, synchronous: 'NORMAL' });
  await fill(store, CATCH_UP_EVENTS, CATCH_UP_STREAMS);
  const raw = new Database(path);
  raw.pragma('synchronous = NORMAL');
  raw.exec('CREATE TABLE IF NOT EXISTS raw_counts (name TEXT, stream_id TEXT, count INTEGER, last INTEGER, PRIMARY KEY (name, stream_id)) WITHOUT ROWID');
  raw.exec('CREATE TABLE IF NOT EXISTS raw_checkpoints (name TEXT PRIMARY KEY, position INTEGER)');
  const page = raw.prepare(`SELECT global_position, stream_id, stream_position, event_id, type, data, metadata, recorded_at FROM events WHERE global_position > ? ORDER BY global_position LIMIT ${PAGE}`).raw();
  const upsert = raw.prepare(
    'INSERT INTO raw_counts (name, stream_id, count, last) VALUES (?, ?, ?, ?) ON CONFLICT (name, stream_id) DO UPDATE SET count = count + excluded.count, last = excluded.last',
  );
  const checkpoint = raw.prepare('INSERT INTO raw_checkpoints (name, position) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET position = excluded.position');
  const applyPage = raw.transaction((name: string, counts: Map<string, { count: number; last: number }>, position: number) => {
    for (const [stream, c] of counts) upsert.run(name, stream, c.count, c.last);
    checkpoint.run(name, position);
  });

  const chronicleTimes: number[] = [];
  const rawTimes: number[] = [];
  for (let round = 0; round < CATCH_UP_ROUNDS; round++) {
    const runChronicle = async (): Promise<void> => {
      const projection = documentProjection<{ count: number; last: number }>({
        name: `counts-${round}`,
        collection: `counts-${round}`,
        documentId: (event) => event.streamId,
        evolve: (doc, event) => ({ count: (doc?.count ?? 0) + 1, last: event.streamPosition }),
      });
      const status = await createProjectionRunner({ store, host: store.projections, projection, batchSize: PAGE, logger: silentLogger }).catchUp();
      if (status.position !== CATCH_UP_EVENTS) throw new Error(`catch-up stopped at ${status.position}`);
    };
    const runRaw = (): void => {
      let after = 0;
      for (;;) {
        const rows = page.all(after) as [number, string, number, string, string, string, string, number][];
        if (rows.length === 0) break;
        const counts = new Map<string, { count: number; last: number }>();
        for (const row of rows) {
          // Decode as an event store would hand events to a handler.
          JSON.parse(row[5]);
          if (row[6] !== '{}') JSON.parse(row[6]);
          const c = counts.get(row[1]);
          if (c) {
            c.count++;
            c.last = row[2];
          } else counts.set(row[1], { count: 1, last: row[2] });
        }
        after = rows[rows.length - 1]![0];
        applyPage(`raw-${round}`, counts, after);
      }
    };
    if (round % 2 === 0) {
      chronicleTimes.push(await timed(runChronicle));
      rawTimes.push(await timed(runRaw));
    } else {
      rawTimes.push(await timed(runRaw));
      chronicleTimes.push(await timed(runChronicle));
    }
  }
  const sample = await store.projections.documents.get<{ count: number }>('counts-0', 's-0');
  if (sample?.count !== CATCH_UP_EVENTS / CATCH_UP_STREAMS) throw new Error(`unexpected read model: ${JSON.stringify(sample)}`);
  raw.close();
  await store.close();
  return {
    chronicle: { value: median(chronicleTimes), unit: 'ms', lowerIsBetter: true },
    raw: { value: median(rawTimes), unit: 'ms', lowerIsBetter: true },
  };
});

const snapshotLoad = paired(async () => {
  const path = file('snapshot');
  const store = createSqliteStore({ path, synchronous: 'NORMAL' });
  const sum = { initialState: () => ({ total: 0, count: 0 }), evolve: (s: { total: number; count: number }, e: { data: unknown }) => ({ total: s.total + (e.data as { n: number }).n, count: s.count + 1 }) };
  const loader = createAggregateLoader(store, sum, { name: 'sum', schemaVersion: 1, everyEvents: SNAPSHOT_EVERY });
  let version = 0;
  for (let i = 0; i < SNAPSHOT_EVENTS; i += 1_000) {
    version = (await store.append('big', Array.from({ length: 1_000 }, (_, k) => ({ type: 'Added', data: { n: i + k } })), version)).nextExpectedVersion;
    await loader.load('big');
  }
  // The worst case: a tail of everyEvents - 1 events behind the newest snapshot.
  version = (await store.append('big', Array.from({ length: SNAPSHOT_EVERY - 1 }, (_, k) => ({ type: 'Added', data: { n: k } })), version)).nextExpectedVersion;
  const raw = new Database(path, { readonly: true });
  const snapshotRow = raw.prepare("SELECT json FROM documents WHERE collection = '$snapshots' AND id = ?").pluck();
  const tail = raw.prepare('SELECT type, data FROM events WHERE stream_id = ? AND stream_position > ? ORDER BY stream_position').raw();
  const chronicleTimes: number[] = [];
  const rawTimes: number[] = [];
  let replayed = 0;
  for (let i = 0; i < LOADS; i++) {
    chronicleTimes.push(
      await timed(async () => {
        const loaded = await loader.load('big');
        replayed = loaded.stats.replayed;
        if (loaded.version !== version) throw new Error('wrong version');
      }),
    );
    rawTimes.push(
      await timed(() => {
        const snapshot = JSON.parse(snapshotRow.get('sum/big') as string) as { state: { total: number; count: number }; version: number };
        let state = snapshot.state;
        for (const [type, data] of tail.all('big', snapshot.version) as [string, string][]) state = sum.evolve(state, { data: JSON.parse(data), type } as { data: unknown });
        if (state.count !== version) throw new Error('raw fold mismatch');
      }),
    );
  }
  raw.close();
  await store.close();
  return {
    chronicle: { value: median(chronicleTimes), unit: 'ms', lowerIsBetter: true, note: `${replayed} events replayed per load` },
    raw: { value: median(rawTimes), unit: 'ms', lowerIsBetter: true },
  };
});

async function archiveSize(): Promise<Measurement> {
  const path = file('archive');
  const store = createSqliteStore({ path, synchronous: 'NORMAL' });
  await fill(store, ARCHIVE_EVENTS, 10_000);
  await store.reclaimSpace();
  const before = statSync(path).size;
  const cold = createFileColdStore({ dir: join(dir, `cold-${files}`) });
  let report: Awaited<ReturnType<typeof archive>> | undefined;
  // Everything but the newest 10% of the log leaves the hot tier.
  const head = await store.headPosition();
  let cutoff = new Date();
  for await (const event of store.readAll({ after: Math.floor(head * 0.9), limit: 1 })) cutoff = event.recordedAt;
  const ms = await timed(async () => {
    report = await archive({ hot: store, cold, policy: { olderThanMs: 0 }, now: cutoff, batchSize: 50_000 });
  });
  const after = statSync(path).size;
  await store.close();
  const mb = (bytes: number): string => (bytes / 1024 / 1024).toFixed(1);
  console.log(`\n  archive: ${ARCHIVE_EVENTS.toLocaleString('en-US')} events, ${report!.archived.toLocaleString('en-US')} archived in ${(ms / 1000).toFixed(1)} s; hot file ${mb(before)} MB → ${mb(after)} MB`);
  return { value: after / 1024 / 1024, unit: `MB (was ${mb(before)} MB)`, lowerIsBetter: true };
}

const suite: Suite = {
  name: 'sqlite-projections',
  async setup() {
    dir = mkdtempSync(join(tmpdir(), 'chronicle-bench-sqlite-projections-'));
    return async () => rmSync(dir, { recursive: true, force: true });
  },
  scenarios: [
    { name: `projection catch-up, ${CATCH_UP_EVENTS / 1000}k events → per-stream count (raw: paged SELECT + batched UPSERT)`, goal: '<= 2 s', ...catchUp },
    { name: `snapshot load, ${SNAPSHOT_EVENTS / 1000}k-event aggregate, snapshot every ${SNAPSHOT_EVERY} (raw: snapshot row + tail SELECT)`, goal: '< 10 ms', ...snapshotLoad },
    { name: `archive ${ARCHIVE_EVENTS.toLocaleString('en-US')} events, 90% to cold: hot file size after`, chronicle: archiveSize },
  ],
};

export default suite;
