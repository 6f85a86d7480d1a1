import { expect } from 'vitest';
import type { RecordedEvent } from '../../events/event.js';
import type { Projection } from '../../projections/projection.js';
import { documentProjection } from '../../projections/document-projection.js';
import { publicEvents } from '../../projections/outbox.js';
import { events } from '../case.js';
import type { ProjectionCase } from './context.js';

/** Counts events per stream into `collection`, and fails on events whose data says so. */
export function countingProjection(name: string, collection: string): Projection {
  return documentProjection<{ count: number; last: number }>({
    name,
    collection,
    documentId: (event) => event.streamId,
    evolve: (doc, event) => {
      if ((event.data as { fail?: boolean } | null)?.fail) throw new Error(`projection ${name} refuses ${event.eventId}`);
      return { count: (doc?.count ?? 0) + 1, last: event.streamPosition };
    },
  }) as Projection;
}

/** Inline projections: same transaction as the append. */
export const inlineCases: ProjectionCase[] = [
  {
    name: 'inline projection: the read model is written in the append transaction',
    async run({ open, unique }) {
      const collection = unique('inline');
      const store = await open([countingProjection(unique('p'), collection)]);
      const stream = unique('s');
      await store.append(stream, events(3), 'no_stream');
      expect(await store.projections.documents.get(collection, stream)).toEqual({ count: 3, last: 3 });
      await store.append(stream, events(2), 3);
      expect(await store.projections.documents.get(collection, stream)).toEqual({ count: 5, last: 5 });
    },
  },
  {
    name: 'inline projection failure: no events stored, no read-model change, the caller gets the error',
    async run({ open, unique }) {
      const collection = unique('inline-fail');
      const store = await open([countingProjection(unique('p'), collection)]);
      const stream = unique('s');
      await store.append(stream, events(2), 'no_stream');
      const head = await store.headPosition();
      await expect(store.append(stream, [{ type: 'Bad', data: { fail: true } }], 2)).rejects.toThrow(/refuses/);
      await expect(store.append(unique('other'), [{ type: 'Ok', data: {} }, { type: 'Bad', data: { fail: true } }], 'any')).rejects.toThrow(/refuses/);
      expect(await store.headPosition()).toBe(head);
      expect((await store.getStreamInfo(stream))?.version).toBe(2);
      expect(await store.projections.documents.get(collection, stream)).toEqual({ count: 2, last: 2 });
      expect(await store.projections.documents.count(collection)).toBe(1);
      // The store keeps working after a failed inline projection.
      await store.append(stream, events(1), 2);
      expect(await store.projections.documents.get(collection, stream)).toEqual({ count: 3, last: 3 });
    },
  },
  {
    name: 'inline projection: a version conflict writes no read-model change',
    async run({ open, unique }) {
      const collection = unique('inline-conflict');
      const store = await open([countingProjection(unique('p'), collection)]);
      const stream = unique('s');
      await store.append(stream, events(1), 'no_stream');
      await expect(store.append(stream, events(1), 5)).rejects.toMatchObject({ code: 'WRONG_EXPECTED_VERSION' });
      const settled = await Promise.allSettled(Array.from({ length: 10 }, () => store.append(stream, events(1), 1)));
      expect(settled.filter((s) => s.status === 'fulfilled')).toHaveLength(1);
      expect(await store.projections.documents.get(collection, stream)).toEqual({ count: 2, last: 2 });
    },
  },
  {
    name: 'inline projection: sees every event of a multi-stream append, in order, once',
    async run({ open, unique }) {
      const seen: RecordedEvent[][] = [];
      const spy: Projection = { name: unique('spy'), handle: (batch) => void seen.push([...batch]) };
      const store = await open([spy]);
      if (!store.info.multiStreamAppend) return;
      const [a, b] = [unique('a'), unique('b')];
      await store.appendMulti([
        { streamId: a, events: events(2), expectedVersion: 'no_stream' },
        { streamId: b, events: events(1), expectedVersion: 'no_stream' },
      ]);
      const all = seen.flat();
      expect(all.map((e) => `${e.streamId === a ? 'a' : 'b'}${e.streamPosition}`)).toEqual(['a1', 'a2', 'b1']);
      const positions = all.map((e) => e.globalPosition);
      expect(positions).toEqual([...positions].sort((x, y) => x - y));
    },
  },
  {
    name: 'public events go to the outbox with the append, and never for a rolled-back append',
    async run({ open, unique }) {
      const topic = unique('topic');
      const store = await open([
        publicEvents({
          name: unique('public'),
          topic,
          eventTypes: ['OrderPlaced'],
          map: (event) => ({ type: 'order.placed', data: { orderId: event.streamId, total: (event.data as { total: number }).total } }),
        }) as Projection,
        countingProjection(unique('p'), unique('c')),
      ]);
      const order = unique('order');
      await store.append(order, [{ type: 'OrderPlaced', data: { total: 42 } }, { type: 'Internal', data: {} }], 'no_stream');
      await expect(store.append(unique('order'), [{ type: 'OrderPlaced', data: { total: 1, fail: true } }], 'no_stream')).rejects.toThrow();
      await expect(store.append(order, [{ type: 'OrderPlaced', data: { total: 7 } }], 0)).rejects.toMatchObject({ code: 'WRONG_EXPECTED_VERSION' });
      const mine = (await store.projections.readOutbox(0, 1_000_000)).filter((m) => m.topic === topic);
      expect(mine.map((m) => [m.type, m.data, m.key])).toEqual([['order.placed', { orderId: order, total: 42 }, order]]);
      expect(mine[0]!.sourceEventId).toMatch(/^[0-9a-f-]{36}$/);
      expect(mine[0]!.createdAt).toBeInstanceOf(Date);
    },
  },
];
