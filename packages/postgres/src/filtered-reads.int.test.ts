import { randomUUID } from 'node:crypto';
import type { EventStore, RecordedEvent } from '@chronicle/core';
import { collect } from '@chronicle/core/conformance';
import { describe, expect, it } from 'vitest';
import { pgAvailable, useTestStore } from './test/pg-test-support.js';
import { deferred, record, sleep, storeWithHooks } from './test/store-fixtures.js';

const available = await pgAvailable();

describe.skipIf(!available)('filtered and backwards global reads stay gap-safe (held transactions)', () => {
  // A long poll interval proves that wake-ups come from notifications, not polling.
  const fixture = useTestStore('filtered', { store: { pollIntervalMs: 60_000 } });

  it('filtered and backwards reads and a filtered subscription do not pass an uncommitted lower position', async () => {
    const plain: EventStore = fixture.store;
    const options = { pool: fixture.pool, schema: fixture.schema, pollIntervalMs: 60_000 };
    const tag = randomUUID().slice(0, 8);
    const [held, late, other] = [`held${tag}-1`, `late${tag}-1`, `other${tag}-1`];
    const filter = { streamIdPrefixes: [`held${tag}-`, `late${tag}-`] };
    const head = await plain.headPosition();
    const entered = deferred<RecordedEvent[]>();
    const gate = deferred();
    const holder = await storeWithHooks(options, async (_client, events) => {
      if (events[0]!.streamId !== held) return;
      entered.resolve([...events]);
      await gate.promise;
    });
    const watcher = record(plain, { after: head, filter, batchSize: 2 });
    try {
      const appendingHeld = holder.append(held, [{ type: 'Held', data: {} }], 'no_stream');
      await entered.promise;
      // Committed above the held position: one passing the filter, many that do not.
      const committedLate = await plain.append(late, [{ type: 'Late', data: {} }], 'no_stream');
      await plain.append(
        other,
        Array.from({ length: 10 }, () => ({ type: 'Other', data: {} })),
        'no_stream',
      );
      await sleep(300);
      expect(await collect(plain.readAll({ after: head, filter }))).toEqual([]);
      expect(await collect(plain.readAll({ after: head, direction: 'backwards' }))).toEqual([]);
      expect(watcher.received).toEqual([]);

      gate.resolve();
      const committedHeld = await appendingHeld;
      await watcher.waitFor(2, 5_000);
      const expected = [...committedHeld.events, ...committedLate.events].map((e) => e.eventId);
      expect(watcher.received.map((e) => e.eventId)).toEqual(expected);
      expect((await collect(plain.readAll({ after: head, filter }))).map((e) => e.eventId)).toEqual(expected);
      const backwards = await collect(plain.readAll({ after: head, direction: 'backwards', filter }));
      expect(backwards.map((e) => e.eventId)).toEqual([...expected].reverse());
      await sleep(100);
      expect(watcher.received).toHaveLength(2);
    } finally {
      gate.resolve();
      await watcher.stop();
      await holder.close();
    }
  });
});
