import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import type { NewEvent } from '../events/event.js';
import type { AppendResult } from '../store/event-store.js';
import type { ConformanceCase } from './case.js';
import { collect, events, rejection } from './case.js';

/** Names of the cases, for skips and mutants. */
export const repeatCaseNames = {
  repeat:
    'repeating an append with the same event ids returns the original ' +
    'result and writes nothing, whatever the expected version',
  concurrent: 'concurrent identical appends (same event ids) store the events once and all get the same result',
  mismatch:
    'an append repeating stored ids only in part or out of order is RETRY_MISMATCH; ids ' +
    'stored as other events are DUPLICATE_EVENT_ID; nothing is written',
  multi:
    'repeating a multi-stream append returns the original results; repeating only some of its parts is RETRY_MISMATCH',
  lowerCase:
    'supplied event ids are stored in lower case, and a repeat with the ids as first sent (upper case) is recognised',
} as const;

/** An event with a supplied id. */
function identified(type: string, eventId: string, n = 0): NewEvent {
  return { type, data: { n }, eventId };
}

/** A result without its `replayed` flag, to compare with the original. */
function plain(result: AppendResult): Omit<AppendResult, 'replayed'> {
  const { replayed: _replayed, ...rest } = result;
  return rest;
}

/** Cases for `idempotent-append`: the store-level idempotency of appends by event id. */
export const repeatCases: ConformanceCase[] = [
  {
    rule: 'idempotent-append',
    name: repeatCaseNames.repeat,
    async run({ store, streamId }) {
      const id = streamId('repeat');
      await store.append(id, events(1, 'first'), 'no_stream');
      const sent = [identified('Ordered', randomUUID(), 1), identified('Paid', randomUUID(), 2)];
      const original = await store.append(id, sent, 1);
      expect(original.replayed).toBeFalsy();
      const head = await store.headPosition();
      for (const expected of [1, 'any', 'no_stream', 'stream_exists', 7] as const) {
        const again = await store.append(id, sent, expected);
        expect(again.replayed, `repeat with expected version ${expected}`).toBe(true);
        expect(plain(again)).toEqual(original);
      }
      // A later append does not change what the repeat answers; a consecutive part of it is a repeat too.
      await store.append(id, events(1, 'later'), 3);
      expect(plain(await store.append(id, sent, 1))).toEqual(original);
      const second = await store.append(id, [sent[1]!], 'any');
      expect([second.replayed, second.nextExpectedVersion, second.globalPosition]).toEqual([
        true,
        3,
        original.globalPosition,
      ]);
      expect(await store.getStreamInfo(id)).toEqual({ streamId: id, version: 4 });
      expect((await collect(store.readStream(id))).map((e) => e.type)).toEqual([
        'Happened',
        'Ordered',
        'Paid',
        'Happened',
      ]);
      expect(await store.headPosition()).toBeGreaterThan(head);
      const global = (await collect(store.readAll({ after: head }))).filter((e) => e.streamId === id);
      expect(global.map((e) => e.streamPosition)).toEqual([4]);
    },
  },
  {
    rule: 'idempotent-append',
    name: repeatCaseNames.concurrent,
    timeoutMs: 60_000,
    async run({ store, streamId }) {
      const id = streamId('racing-retries');
      await store.append(id, events(1), 'no_stream');
      const sent = [identified('Charged', randomUUID(), 1), identified('Receipted', randomUUID(), 2)];
      const results = await Promise.all(Array.from({ length: 8 }, () => store.append(id, sent, 1)));
      expect(results.filter((r) => !r.replayed)).toHaveLength(1);
      for (const result of results) expect(plain(result)).toEqual(plain(results[0]!));
      expect((await collect(store.readStream(id))).map((e) => e.streamPosition)).toEqual([1, 2, 3]);
    },
  },
  {
    rule: 'idempotent-append',
    name: repeatCaseNames.mismatch,
    async run({ store, streamId }) {
      const [a, b] = [streamId('a'), streamId('b')];
      const [first, second, fresh] = [randomUUID(), randomUUID(), randomUUID()];
      await store.append(a, [identified('A', first), identified('B', second)], 'no_stream');
      const head = await store.headPosition();
      const partial = await rejection(
        store.append(a, [identified('A', first), identified('C', fresh)], 'any'),
        'RETRY_MISMATCH',
      );
      expect([partial.streamId, partial.storedEventIds, partial.newEventIds]).toEqual([a, [first], [fresh]]);
      await rejection(store.append(a, [identified('C', fresh), identified('B', second)], 2), 'RETRY_MISMATCH');
      await rejection(store.append(a, [identified('B', second), identified('A', first)], 'any'), 'RETRY_MISMATCH');
      const elsewhere = await rejection(
        store.append(b, [identified('A', first), identified('B', second)], 'any'),
        'DUPLICATE_EVENT_ID',
      );
      expect(elsewhere.eventId).toBe(first);
      const retyped = await rejection(store.append(a, [identified('Z', first)], 'any'), 'DUPLICATE_EVENT_ID');
      expect(retyped.eventId).toBe(first);
      expect(await store.headPosition()).toBe(head);
      expect(await store.getStreamInfo(a)).toEqual({ streamId: a, version: 2 });
      expect(await store.getStreamInfo(b)).toBeUndefined();
      // The new id of the refused appends was not kept.
      const later = await store.append(a, [identified('C', fresh)], 2);
      expect(later.replayed).toBeFalsy();
    },
  },
  {
    rule: 'idempotent-append',
    name: repeatCaseNames.multi,
    requires: { multiStreamAppend: true },
    async run({ store, streamId }) {
      const [a, b] = [streamId('a'), streamId('b')];
      const parts = [
        { streamId: a, events: [identified('Debited', randomUUID())], expectedVersion: 'no_stream' as const },
        { streamId: b, events: [identified('Credited', randomUUID())], expectedVersion: 'no_stream' as const },
      ];
      const original = await store.appendMulti(parts);
      const again = await store.appendMulti(parts);
      expect(again.map((r) => r.replayed)).toEqual([true, true]);
      expect(again.map(plain)).toEqual(original);
      const c = streamId('c');
      await rejection(
        store.appendMulti([
          parts[0]!,
          { streamId: c, events: [identified('Credited', randomUUID())], expectedVersion: 'any' },
        ]),
        'RETRY_MISMATCH',
      );
      expect(await store.getStreamInfo(c)).toBeUndefined();
    },
  },
  {
    rule: 'event-identity',
    name: repeatCaseNames.lowerCase,
    async run({ store, streamId }) {
      const id = streamId();
      const eventId = randomUUID().toUpperCase();
      const original = await store.append(id, [identified('Shouted', eventId)], 'no_stream');
      expect(original.events[0]!.eventId).toBe(eventId.toLowerCase());
      expect((await collect(store.readStream(id)))[0]!.eventId).toBe(eventId.toLowerCase());
      const again = await store.append(id, [identified('Shouted', eventId)], 'no_stream');
      expect([again.replayed, again.globalPosition]).toEqual([true, original.globalPosition]);
      const lower = await store.append(id, [identified('Shouted', eventId.toLowerCase())], 'any');
      expect(lower.replayed).toBe(true);
    },
  },
];
