import { describe, expect, it } from 'vitest';
import { collect } from '../conformance/case.js';
import { createInMemoryStore } from '../store/in-memory-store.js';
import type { EventSchemas } from './event-schemas.js';
import { withEventSchemas } from './with-event-schemas.js';

/** `CardMade` v1 was renamed `CardIssued` in v2; `Batch` v1 splits into two `CardIssued`. */
const schemas: EventSchemas = {
  CardMade: { version: 2, upcasters: { 1: (e) => ({ type: 'CardIssued', data: e.data }) } },
  Batch: {
    version: 2,
    upcasters: {
      1: (e) =>
        [
          { type: 'CardIssued', data: { n: 1 } },
          { type: 'CardIssued', data: { n: 2 } },
        ].map((x) => ({ ...x, data: { ...x.data, from: e.type } })),
    },
  },
};

describe('withEventSchemas: filtered global reads', () => {
  it('a type filter sees events under their upcast type, however they were stored; limit counts them', async () => {
    const base = createInMemoryStore();
    await base.append('card-1', [{ type: 'CardMade', data: { n: 0 } }], 'no_stream');
    await base.append(
      'card-2',
      [
        { type: 'Batch', data: {} },
        { type: 'CardRedeemed', data: {} },
      ],
      'no_stream',
    );
    await base.append('card-3', [{ type: 'CardIssued', data: { n: 3 } }], 'no_stream');
    const store = withEventSchemas(base, schemas);
    const issued = await collect(store.readAll({ filter: { eventTypes: ['CardIssued'] } }));
    expect(issued.map((e) => [e.streamId, e.type, e.storedAs?.type ?? null])).toEqual([
      ['card-1', 'CardIssued', 'CardMade'],
      ['card-2', 'CardIssued', 'Batch'],
      ['card-2', 'CardIssued', 'Batch'],
      ['card-3', 'CardIssued', null],
    ]);
    expect(
      (await collect(store.readAll({ filter: { eventTypes: ['CardIssued'] }, limit: 2 }))).map((e) => e.streamId),
    ).toEqual(['card-1', 'card-2']);
    expect(await collect(store.readAll({ filter: { eventTypes: ['CardMade'] } }))).toEqual([]);
    const controller = new AbortController();
    const live: string[] = [];
    for await (const event of store.subscribe({
      filter: { eventTypes: ['CardIssued'], streamIdPrefixes: ['card-2'] },
      signal: controller.signal,
    })) {
      live.push(`${event.streamId}:${event.type}`);
      if (live.length === 2) controller.abort();
    }
    expect(live).toEqual(['card-2:CardIssued', 'card-2:CardIssued']);
  });
});
