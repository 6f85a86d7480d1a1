import { randomUUID } from 'node:crypto';
import { createProjectionRunner, silentLogger, type RecordedEvent } from '@chronicle/core';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresStore, openPostgresStore, type PostgresEventStore } from './postgres-store.js';
import { queries } from './sql/queries.js';
import { schemaNames } from './sql/schema-names.js';
import { adminQuery, urlForDatabase, useNoisyNeighbour } from './testing.js';
import { dropSchema, pgAvailable, testPool, testSchema } from './test/pg-test-support.js';
import { collect, documentsOf, perEventCounter, replayCounts } from './test/projection-fixtures.js';
import { deferred, record, sleep, storeWithHooks } from './test/store-fixtures.js';

const available = await pgAvailable();

/**
 * Transactions that are not this store's appends must not hold back its
 * global log (issue 19). The neighbour fixture keeps a write transaction open
 * in another database and in a plain table of this one for the whole file,
 * and short ones in a loop; the 60-second test opens one more of its own.
 */
describe.skipIf(!available)('foreign transactions on the same server do not hold back the global log', () => {
  const neighbour = useNoisyNeighbour({ beforeAll, afterAll });
  const pool = testPool(undefined, 8);
  const remotePool = testPool(undefined, 4);
  const schema = testSchema('foreign');
  let store: PostgresEventStore;
  /** A second instance on the same schema: its subscribers are woken by LISTEN/NOTIFY only (it never appends). */
  let remote: PostgresEventStore;

  /** Called with each remote subscription's start once it is read (see `remoteFromEnd`). */
  let remoteStarted: ((position: number) => void) | undefined;

  beforeAll(async () => {
    store = await createPostgresStore({ pool, schema });
    remote = await openPostgresStore(
      { pool: remotePool, schema, pollIntervalMs: 60_000 },
      { onSubscriptionStart: (position) => remoteStarted?.(position) },
    );
  });
  afterAll(async () => {
    await remote?.close();
    await store?.close();
    await pool.end();
    await remotePool.end();
    await dropSchema(schema);
  });

  const ours = (streams: readonly string[]) => (e: RecordedEvent) => streams.includes(e.streamId);

  /**
   * A remote subscription from 'end', once its start is read: `store`'s
   * appends do not wait for another instance's start, so an append made
   * before it is read may rightly fall before the start and never arrive.
   */
  async function remoteFromEnd(streams: readonly string[]): Promise<ReturnType<typeof record>> {
    const started = deferred<number>();
    remoteStarted = started.resolve;
    const recorder = record(remote, { after: 'end' }, ours(streams));
    await started.promise;
    remoteStarted = undefined;
    await remoteListens();
    return recorder;
  }

  /**
   * Waits until the remote instance LISTENs: its subscribers are woken by
   * notifications only, and a commit notified before the LISTEN is found only
   * when the listener, once connected, wakes them (the 1 s bounds below
   * measure delivery, not how long a new server connection takes).
   */
  async function remoteListens(): Promise<void> {
    const listen = queries(schemaNames(schema)).listen.text;
    for (;;) {
      const { rows } = await adminQuery(
        `select count(*)::int as n from pg_stat_activity where application_name = $1 and state = 'idle' and query = $2`,
        [remotePool.applicationName, listen],
      );
      if (rows[0]!.n > 0) return;
      await sleep(10);
    }
  }

  it('the held transactions hold the cluster-wide xmin (what the old horizon waited for), and every read path still sees each acknowledged event', async () => {
    const [held] = neighbour.heldXids();
    const { rows } = await pool.query<{ xmin: string }>('select pg_snapshot_xmin(pg_current_snapshot())::text as xmin');
    expect(BigInt(rows[0]!.xmin)).toBeLessThanOrEqual(BigInt(held!));

    const streams = Array.from({ length: 3 }, (_, i) => `foreign-${i}-${randomUUID()}`);
    const head = await store.headPosition();
    const fromEnd = await remoteFromEnd(streams);
    const local = record(store, { after: head }, ours(streams));
    const results = [
      await store.append(streams[0]!, [{ type: 'One', data: { n: 1 } }], 'no_stream'),
      // Concurrent appends go through group commit (one batch transaction).
      ...(await Promise.all([
        store.append(streams[1]!, [{ type: 'Two', data: { n: 2 } }], 'no_stream'),
        store.append(streams[2]!, [{ type: 'Three', data: { n: 3 } }], 'no_stream'),
      ])),
      ...(await store.appendMulti([{ streamId: streams[0]!, expectedVersion: 1, events: [{ type: 'Four', data: { n: 4 } }, { type: 'Five', data: { n: 5 } }] }])),
    ];
    const acknowledged = results.flatMap((r) => r.events).sort((a, b) => a.globalPosition - b.globalPosition);
    expect(acknowledged).toHaveLength(5);
    try {
      expect((await collect(store.readAll({ after: head }))).filter(ours(streams)).map((e) => e.eventId)).toEqual(acknowledged.map((e) => e.eventId));
      expect((await collect(remote.readAll({ after: head }))).filter(ours(streams))).toHaveLength(5);
      expect(await store.headPosition()).toBeGreaterThanOrEqual(acknowledged.at(-1)!.globalPosition);
      await local.waitFor(5, 1_000);
      await fromEnd.waitFor(5, 1_000);
      expect(fromEnd.received.map((e) => e.eventId)).toEqual(acknowledged.map((e) => e.eventId));
    } finally {
      await local.stop();
      await fromEnd.stop();
    }
  });

  it('projections catch up and readOutbox returns committed messages while the foreign transactions stay open', async () => {
    const collection = `foreign-counts-${randomUUID().slice(0, 8)}`;
    const streams = Array.from({ length: 4 }, (_, i) => `proj-${i}-${randomUUID()}`);
    for (let i = 0; i < 20; i++) await store.append(streams[i % 4]!, [{ type: 'Counted', data: { i } }], 'any');
    const runner = createProjectionRunner({ store, host: store.projections, projection: perEventCounter(collection, collection), logger: silentLogger });
    runner.start();
    try {
      await runner.waitFor(await store.headPosition(), 5_000);
      // The counter counts every stream of the store, earlier tests' included.
      const expected = replayCounts(await collect(store.readAll()));
      expect(await documentsOf(() => store.projections.documents.find(collection))).toEqual(expected);
    } finally {
      await runner.stop();
    }
    const topic = `foreign-${randomUUID()}`;
    const before = (await store.projections.readOutbox(0, 1_000_000)).at(-1)?.position ?? 0;
    await store.projections.transaction((tx) => tx.outbox.add([{ topic, type: 'Sent', data: { n: 1 } }]));
    const read = await store.projections.readOutbox(before, 100);
    expect(read.map((m) => [m.topic, m.type, m.position])).toEqual([[topic, 'Sent', before + 1]]);
  });

  it("another store's in-flight append (another schema, same database) holds back that store only", async () => {
    const otherSchema = testSchema('foreign_other');
    const gate = deferred();
    const entered = deferred();
    const other = await storeWithHooks({ pool, schema: otherSchema }, async (_client, events) => {
      if (events[0]!.streamId !== 'held') return;
      entered.resolve();
      await gate.promise;
    });
    try {
      const pending = other.append('held', [{ type: 'Held', data: {} }], 'no_stream');
      await entered.promise;
      const stream = `mine-${randomUUID()}`;
      const head = await store.headPosition();
      const mine = await store.append(stream, [{ type: 'Mine', data: {} }], 'no_stream');
      expect((await collect(store.readAll({ after: head }))).filter(ours([stream])).map((e) => e.eventId)).toEqual([mine.events[0]!.eventId]);
      expect(await store.headPosition()).toBeGreaterThanOrEqual(mine.globalPosition);
      // The held append is the other store's own: its readers wait for it (gap safety).
      const otherHead = await other.headPosition();
      const later = await other.append('later', [{ type: 'Later', data: {} }], 'no_stream');
      expect(await other.headPosition()).toBe(otherHead);
      gate.resolve();
      await pending;
      expect(await other.headPosition()).toBe(later.globalPosition);
    } finally {
      gate.resolve();
      await other.close();
      await dropSchema(otherSchema);
    }
  });

  it('an event is delivered to readAll and to subscribers within 1 s, again and again, while a foreign transaction stays open for 60 s', async () => {
    const database = `chr_foreign60_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
    await adminQuery(`create database "${database}"`);
    const foreign = new pg.Client({ connectionString: urlForDatabase(database), application_name: 'chronicle-test-foreign-60s' });
    foreign.on('error', () => undefined);
    const stream = `sixty-${randomUUID()}`;
    const local = record(store, { after: 'end' }, ours([stream]));
    const fromEnd = await remoteFromEnd([stream]);
    const latencies: number[] = [];
    try {
      await foreign.connect();
      await foreign.query('set idle_in_transaction_session_timeout = 0');
      await foreign.query('create table held (n int)');
      await foreign.query('begin');
      await foreign.query('insert into held values (1)');
      const { rows } = await foreign.query<{ pid: number }>('select pg_backend_pid() as pid');
      const opened = Date.now();
      await sleep(200);
      for (let n = 1; Date.now() - opened < 60_000; n++) {
        const result = await store.append(stream, [{ type: 'Tick', data: { n } }], n - 1);
        const appended = Date.now();
        const position = result.globalPosition;
        for (;;) {
          const seen = (await collect(remote.readAll({ after: position - 1, limit: 1 }))).some((e) => e.globalPosition === position);
          if (seen && local.received.length >= n && fromEnd.received.length >= n) break;
          expect(Date.now() - appended, `event ${n} not delivered within 1 s`).toBeLessThan(1_000);
          await sleep(5);
        }
        latencies.push(Date.now() - appended);
        await sleep(1_000);
      }
      // The foreign transaction was open the whole time.
      const still = await adminQuery(`select backend_xid is not null as open from pg_stat_activity where pid = $1 and state = 'idle in transaction'`, [rows[0]!.pid]);
      expect(still.rows).toEqual([{ open: true }]);
      expect(Date.now() - opened).toBeGreaterThanOrEqual(60_000);
      expect(latencies.length).toBeGreaterThan(40);
      expect(local.received.map((e) => e.streamPosition)).toEqual(latencies.map((_, i) => i + 1));
      expect(fromEnd.received.map((e) => e.streamPosition)).toEqual(latencies.map((_, i) => i + 1));
      console.log(`foreign transaction open 60 s: ${latencies.length} events, delivery ${Math.min(...latencies)}-${Math.max(...latencies)} ms`);
    } finally {
      await local.stop();
      await fromEnd.stop();
      await foreign.end().catch(() => undefined);
      await adminQuery(`drop database if exists "${database}" with (force)`);
    }
  }, 90_000);
});
