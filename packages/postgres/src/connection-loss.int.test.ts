import { randomUUID } from 'node:crypto';
import { StoreUnavailableError, type EventStore } from '@chronicle/core';
import { collect } from '@chronicle/core/conformance';
import { afterAll, describe, expect, it } from 'vitest';
import { openPostgresStore, type StoreInternals } from './postgres-store.js';
import { PG_URL, dropSchema, pgAvailable, testPool, testSchema } from './test/pg-test-support.js';
import { deferred, record, sleep } from './test/store-fixtures.js';

const available = await pgAvailable();

describe.skipIf(!available)('connection loss (pg_terminate_backend)', () => {
  const schema = testSchema('connloss');
  const admin = testPool('chronicle-test-admin', 2);
  const terminate = async (applicationName: string): Promise<number> => {
    const result = await admin.query<{ n: string }>(
      'select count(pg_terminate_backend(pid)) as n from pg_stat_activity where application_name = $1 and pid <> pg_backend_pid()',
      [applicationName],
    );
    return Number(result.rows[0]!.n);
  };
  const openStore = (
    applicationName: string,
    extra: { pollIntervalMs?: number } = {},
    internals: StoreInternals = {},
  ): Promise<EventStore> =>
    openPostgresStore({ connectionString: PG_URL, schema, applicationName, maxConnections: 6, ...extra }, internals);

  afterAll(async () => {
    await admin.end();
    await dropSchema(schema);
  });

  it('in-flight appends fail with a typed retryable error, the store reconnects, later appends succeed, nothing is half-stored', async () => {
    const app = `chronicle-loss-${randomUUID().slice(0, 8)}`;
    const store = await openStore(app);
    const streams = Array.from({ length: 4 }, (_, i) => `loss-${i}-${randomUUID().slice(0, 8)}`);
    const acked = new Set<string>();
    const unknownOutcome = new Set<string>();
    const failures: StoreUnavailableError[] = [];
    const successAt: number[] = [];
    let stop = false;

    const writer = async (stream: string): Promise<void> => {
      let version = 0;
      while (!stop) {
        const appendId = randomUUID();
        try {
          const result = await store.append(stream, Array.from({ length: 3 }, (_, i) => ({ type: 'Loaded', data: { appendId, i } })), version);
          version = result.nextExpectedVersion;
          acked.add(appendId);
          successAt.push(Date.now());
        } catch (error) {
          expect(error).toBeInstanceOf(StoreUnavailableError);
          const unavailable = error as StoreUnavailableError;
          expect(unavailable.code).toBe('STORE_UNAVAILABLE');
          expect(unavailable.retryable).toBe(true);
          failures.push(unavailable);
          if (unavailable.outcomeUnknown) unknownOutcome.add(appendId);
          // Re-sync the version: reads may fail too while connections are being replaced.
          for (;;) {
            try {
              version = (await store.getStreamInfo(stream))?.version ?? 0;
              break;
            } catch (readError) {
              expect(readError).toBeInstanceOf(StoreUnavailableError);
              await sleep(20);
            }
          }
        }
      }
    };

    // Each round puts an append in flight on purpose: a row lock held here makes an append to `blocked` wait
    // inside its statement, and the backends are terminated only once it waits (the writers alone may well
    // have nothing in flight at the instant of a kill).
    const blocked = `blocked-${randomUUID().slice(0, 8)}`;
    await store.append(blocked, [{ type: 'Created', data: {} }], 'no_stream');
    const holder = await admin.connect();
    const waiting = async (): Promise<void> => {
      for (;;) {
        const { rows } = await admin.query(
          `select count(*)::int as n from pg_stat_activity where application_name = $1 and wait_event_type = 'Lock'`,
          [app],
        );
        if (rows[0]!.n > 0) return;
        await sleep(5);
      }
    };
    try {
      const running = streams.map(writer);
      let terminated = 0;
      for (let round = 0; round < 4; round++) {
        await sleep(100);
        await holder.query('begin');
        await holder.query(`select 1 from "${schema}".streams where stream_id = $1 for update`, [blocked]);
        const inFlight = store.append(blocked, [{ type: 'Blocked', data: { round } }], 'any').then(
          () => undefined,
          (error: unknown) => error,
        );
        await waiting();
        terminated += await terminate(app);
        const failure = await inFlight;
        expect(failure).toBeInstanceOf(StoreUnavailableError);
        expect(failure).toMatchObject({ code: 'STORE_UNAVAILABLE', retryable: true, outcomeUnknown: true });
        failures.push(failure as StoreUnavailableError);
        await holder.query('rollback');
      }
      const lastKill = Date.now();
      await sleep(500);
      stop = true;
      await Promise.all(running);

      expect(terminated).toBeGreaterThan(0);
      expect(failures.length).toBeGreaterThanOrEqual(4);
      expect(successAt.filter((t) => t > lastKill).length).toBeGreaterThan(0);
      const after = await store.append(streams[0]!, [{ type: 'After', data: {} }], 'any');
      expect(after.events).toHaveLength(1);

      for (const stream of streams) {
        const events = (await collect(store.readStream(stream))).filter((e) => e.type === 'Loaded');
        expect(events.map((e) => e.streamPosition)).toEqual(events.map((_, i) => i + 1));
        const byAppend = new Map<string, number>();
        for (const event of events) {
          const { appendId } = event.data as { appendId: string };
          byAppend.set(appendId, (byAppend.get(appendId) ?? 0) + 1);
        }
        // All or nothing; stored without an ack only when the error said the outcome was unknown.
        for (const [appendId, count] of byAppend) {
          expect(count).toBe(3);
          expect(acked.has(appendId) || unknownOutcome.has(appendId), appendId).toBe(true);
        }
      }
      const storedIds = new Set(
        (await collect(store.readAll()))
          .filter((e) => streams.includes(e.streamId) && e.type === 'Loaded')
          .map((e) => (e.data as { appendId: string }).appendId),
      );
      for (const appendId of acked) expect(storedIds.has(appendId), appendId).toBe(true);
      console.log(
        `connection loss: ${terminated} backends terminated, ${failures.length} appends failed (${unknownOutcome.size} with unknown outcome), ${acked.size} acknowledged`,
      );
    } finally {
      stop = true;
      holder.release();
      await store.close();
    }
  }, 60_000);

  it('a subscriber whose connections are terminated reconnects its listener and keeps receiving without polling', async () => {
    const subscriberApp = `chronicle-sub-${randomUUID().slice(0, 8)}`;
    const started = deferred<number>();
    const subscriberStore = await openStore(
      subscriberApp,
      { pollIntervalMs: 60_000 },
      { onSubscriptionStart: started.resolve },
    );
    const writerStore = await openStore(`chronicle-writer-${randomUUID().slice(0, 8)}`);
    const stream = `live-${randomUUID()}`;
    const watcher = record(subscriberStore, { after: 'end' }, (e) => e.streamId === stream);
    try {
      // The writer is another store: its append waits for nobody's start, so append once the start is read
      // (appended earlier, the event may rightly fall before the start and never be delivered).
      await started.promise;
      await writerStore.append(stream, [{ type: 'Before', data: {} }], 'no_stream');
      await watcher.waitFor(1, 5_000);
      for (let round = 0; round < 2; round++) {
        expect(await terminate(subscriberApp)).toBeGreaterThan(0);
        await sleep(50);
        await writerStore.append(stream, [{ type: 'AfterKill', data: { round } }], 'any');
        await watcher.waitFor(2 + round, 5_000);
      }
      expect(watcher.received.map((e) => e.streamPosition)).toEqual([1, 2, 3]);
    } finally {
      await watcher.stop();
      await subscriberStore.close();
      await writerStore.close();
    }
  }, 30_000);
});
