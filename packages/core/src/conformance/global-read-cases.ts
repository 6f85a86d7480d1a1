import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import type { RecordedEvent } from '../events/event.js';
import type { EventStore, ReadAllOptions } from '../store/event-store.js';
import type { ConformanceCase } from './case.js';
import { collect, events, iterationRejection } from './case.js';

/** Names of the cases, for skips and mutants. */
export const globalReadCaseNames = {
  backwards: 'readAll backwards starts at the head and honours after, before and limit; forwards honours before',
  filters:
    'readAll filters by event types and stream-id prefixes (categories) in ' +
    'the store, both ways; limit counts matching events',
  filteredSubscription:
    'a filtered subscription delivers only matching events, catching up and live, past long runs of others',
  refusedOptions: 'readAll refuses unknown options and bad values with VALIDATION_FAILED instead of ignoring them',
} as const;

const positions = (list: readonly RecordedEvent[]): number[] => list.map((e) => e.globalPosition);
const labels = (list: readonly RecordedEvent[]): string[] =>
  list.map((e) => `${e.streamId.split('-')[0]!.replace(/[0-9a-f]{8}$/, '')}:${e.type}`);

/** Reads with options bounded to after `head`, so other cases' events never interfere. */
function reader(store: EventStore, head: number) {
  return (options: ReadAllOptions = {}): Promise<RecordedEvent[]> =>
    collect(store.readAll({ after: head, ...options }));
}

/** A small shop: orders and invoices in their own categories, unique to this run. */
async function shop(store: EventStore): Promise<{ order: string; invoice: string; head: number }> {
  const tag = randomUUID().slice(0, 8);
  const [order, invoice] = [`order${tag}`, `invoice${tag}`];
  const head = await store.headPosition();
  await store.append(
    `${order}-1`,
    [
      { type: 'Placed', data: {} },
      { type: 'Paid', data: {} },
    ],
    'no_stream',
  );
  await store.append(
    `${invoice}-1`,
    [
      { type: 'Issued', data: {} },
      { type: 'Paid', data: {} },
    ],
    'no_stream',
  );
  await store.append(`${order}-2`, [{ type: 'Placed', data: {} }], 'no_stream');
  return { order, invoice, head };
}

/** Cases for `global-log-reads`. */
export const globalReadCases: ConformanceCase[] = [
  {
    rule: 'global-log-reads',
    name: globalReadCaseNames.backwards,
    async run({ store, streamId }) {
      const [a, b] = [streamId('a'), streamId('b')];
      const head = await store.headPosition();
      await store.append(a, events(3), 'no_stream');
      await store.append(b, events(2), 'no_stream');
      await store.append(a, events(1), 3);
      const read = reader(store, head);
      const forwards = positions(await read());
      expect(forwards).toHaveLength(6);
      const p = forwards;
      expect(positions(await read({ direction: 'backwards' }))).toEqual([...p].reverse());
      expect(positions(await collect(store.readAll({ direction: 'backwards', limit: 2 })))).toEqual([p[5], p[4]]);
      expect(positions(await read({ direction: 'backwards', before: p[3] }))).toEqual([p[2], p[1], p[0]]);
      expect(positions(await read({ direction: 'backwards', before: p[4]! + 1, after: p[1], limit: 2 }))).toEqual([
        p[4],
        p[3],
      ]);
      expect(positions(await read({ before: p[3] }))).toEqual([p[0], p[1], p[2]]);
      expect(positions(await read({ direction: 'forwards', before: p[5], after: p[2] }))).toEqual([p[3], p[4]]);
      expect(await read({ direction: 'backwards', before: p[0] })).toEqual([]);
      expect(await collect(store.readAll({ direction: 'backwards', after: p[5] }))).toEqual([]);
      expect(await read({ direction: 'backwards', limit: 0 })).toEqual([]);
      // Backwards reads return the same events as forwards ones.
      expect([...(await read({ direction: 'backwards' }))].reverse()).toEqual(await read());
    },
  },
  {
    rule: 'global-log-reads',
    name: globalReadCaseNames.filters,
    async run({ store }) {
      const { order, invoice, head } = await shop(store);
      const read = reader(store, head);
      expect(labels(await read({ filter: { eventTypes: ['Paid'] } }))).toEqual(['order:Paid', 'invoice:Paid']);
      expect(labels(await read({ filter: { streamIdPrefixes: [`${order}-`] } }))).toEqual([
        'order:Placed',
        'order:Paid',
        'order:Placed',
      ]);
      expect(labels(await read({ filter: { eventTypes: ['Placed'], streamIdPrefixes: [`${order}-`] } }))).toEqual([
        'order:Placed',
        'order:Placed',
      ]);
      expect(labels(await read({ filter: { streamIdPrefixes: [`${order}-1`, `${invoice}-`] } }))).toEqual([
        'order:Placed',
        'order:Paid',
        'invoice:Issued',
        'invoice:Paid',
      ]);
      expect(labels(await read({ filter: { streamIdPrefixes: [`${order}-`] }, direction: 'backwards' }))).toEqual([
        'order:Placed',
        'order:Paid',
        'order:Placed',
      ]);
      expect(
        labels(
          await read({
            filter: { eventTypes: ['Paid', 'Issued'], streamIdPrefixes: [invoice] },
            direction: 'backwards',
            limit: 2,
          }),
        ),
      ).toEqual(['invoice:Paid', 'invoice:Issued']);
      // Limit counts matching events; paging with after continues after the last one.
      const first = await read({ filter: { eventTypes: ['Placed'] }, limit: 1 });
      expect(labels(first)).toEqual(['order:Placed']);
      const rest = await collect(
        store.readAll({
          after: first[0]!.globalPosition,
          filter: { eventTypes: ['Placed'], streamIdPrefixes: [order] },
        }),
      );
      expect(rest.map((e) => e.streamId)).toEqual([`${order}-2`]);
      expect(await read({ filter: { eventTypes: [`Never-${randomUUID()}`] } })).toEqual([]);
      expect(await read({ filter: { streamIdPrefixes: [`${order}-3`] } })).toEqual([]);
    },
  },
  {
    rule: 'global-log-reads',
    name: globalReadCaseNames.filteredSubscription,
    timeoutMs: 60_000,
    async run({ store }) {
      const { order, invoice, head } = await shop(store);
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(), 20_000);
      const received: RecordedEvent[] = [];
      const subscription = store.subscribe({
        after: head,
        batchSize: 10,
        filter: { streamIdPrefixes: [`${order}-`] },
        signal: controller.signal,
      });
      const receiving = (async () => {
        for await (const event of subscription) {
          received.push(event);
          if (received.length >= 5) break;
        }
      })();
      // Many events of another category between two of ours, more than a page of the subscription.
      for (let n = 0; n < 5; n++) await store.append(`${invoice}-${n + 2}`, events(20), 'no_stream');
      await store.append(`${order}-1`, [{ type: 'Shipped', data: {} }], 2);
      await store.append(`${order}-3`, [{ type: 'Placed', data: {} }], 'no_stream');
      try {
        await receiving;
      } finally {
        clearTimeout(timer);
      }
      expect(received.map((e) => `${e.streamId.slice(order.length)}:${e.type}`)).toEqual([
        '-1:Placed',
        '-1:Paid',
        '-2:Placed',
        '-1:Shipped',
        '-3:Placed',
      ]);
      const increasing = positions(received);
      expect(increasing).toEqual([...increasing].sort((x, y) => x - y));
    },
  },
  {
    rule: 'global-log-reads',
    name: globalReadCaseNames.refusedOptions,
    async run({ store }) {
      const bad: unknown[] = [
        { directon: 'backwards' },
        { direction: 'sideways' },
        { before: -1 },
        { filter: { eventTypes: [] } },
        { filter: { types: ['Paid'] } },
        { filter: { streamIdPrefixes: [''] } },
        { filter: 'Paid' },
      ];
      for (const options of bad)
        await iterationRejection(() => store.readAll(options as ReadAllOptions), 'VALIDATION_FAILED');
    },
  },
];
