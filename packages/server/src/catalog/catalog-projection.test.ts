import { createInMemoryStore, silentLogger } from '@chronicle/core';
import { describe, expect, it } from 'vitest';
import { createCatalog } from './catalog.js';
import { typeStreamId } from './catalog-projection.js';

describe('catalog projection', () => {
  it('counts the same across any batch boundaries', async () => {
    const counts = async (batchSize: number) => {
      const store = createInMemoryStore();
      const append = (streamId: string, ...types: string[]) => store.append(streamId, types.map((type) => ({ type, data: {} })), 'any');
      await append('a-1', 'X', 'Y', 'X');
      await append('a-2', 'X');
      await append('b-1', 'Y', 'Y', 'Z');
      await append('a-1', 'Z', 'X');
      const catalog = createCatalog({ store, host: store.projections, logger: silentLogger, batchSize });
      await catalog.runner.catchUp();
      return {
        types: (await catalog.eventTypes({ limit: 10 })).items.map(({ lastRecordedAt: _at, ...entry }) => entry),
        x: (await catalog.streamsWithType('X', { limit: 10 })).items,
        categories: (await catalog.categories({ limit: 10 })).items,
      };
    };
    const whole = await counts(1000);
    expect(whole.types.map((t) => [t.type, t.events, t.streams, t.firstPosition, t.lastPosition])).toEqual([
      ['X', 4, 2, 1, 9],
      ['Y', 3, 2, 2, 6],
      ['Z', 2, 2, 7, 8],
    ]);
    expect(whole.x).toEqual([
      { streamId: 'a-1', type: 'X', events: 3, firstPosition: 1, lastPosition: 9 },
      { streamId: 'a-2', type: 'X', events: 1, firstPosition: 4, lastPosition: 4 },
    ]);
    expect(whole.categories).toEqual([
      { category: 'a', streams: 2, events: 6, lastPosition: 9 },
      { category: 'b', streams: 1, events: 3, lastPosition: 7 },
    ]);
    for (const batchSize of [1, 2, 3]) expect(await counts(batchSize), `batch size ${batchSize}`).toEqual(whole);
  });

  it('keeps one type apart from another that shares its prefix', () => {
    expect(typeStreamId('A', 'a-1')).toBe('A/a-1');
    expect(typeStreamId('A/B', 'x')).toBe('A%2FB/x');
    expect(typeStreamId('AB').startsWith(typeStreamId('A'))).toBe(false);
  });
});
