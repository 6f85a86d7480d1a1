import { describe, expect, it } from 'vitest';
import { createInMemoryStore } from '../store/in-memory-store.js';
import { aggregateStream } from './aggregate-stream.js';
import type { Decider } from './decider.js';

type Noted = { type: 'Noted'; data: { text: string } };
const notes: Pick<Decider<never, Noted, string[]>, 'initialState' | 'evolve'> = {
  initialState: () => [],
  evolve: (state, event) => [...state, event.data.text],
};

describe('aggregateStream', () => {
  it('folds a whole stream, or up to a version, or up to a time, or from a known state', async () => {
    let now = Date.parse('2026-01-01T00:00:00Z');
    const store = createInMemoryStore({ clock: () => new Date(now) });
    for (const text of ['a', 'b', 'c', 'd']) {
      await store.append('notes', [{ type: 'Noted', data: { text } }], 'any');
      now += 60_000;
    }
    expect(await aggregateStream(store, 'notes', notes)).toEqual({ state: ['a', 'b', 'c', 'd'], version: 4 });
    expect(await aggregateStream(store, 'notes', notes, { toVersion: 2 })).toEqual({ state: ['a', 'b'], version: 2 });
    expect(await aggregateStream(store, 'notes', notes, { toVersion: 0 })).toEqual({ state: [], version: 0 });
    expect(await aggregateStream(store, 'notes', notes, { at: new Date('2026-01-01T00:01:30Z') })).toEqual({ state: ['a', 'b'], version: 2 });
    expect(await aggregateStream(store, 'notes', notes, { from: { state: ['A', 'B'], version: 2 } })).toEqual({
      state: ['A', 'B', 'c', 'd'],
      version: 4,
    });
    expect(await aggregateStream(store, 'missing', notes)).toEqual({ state: [], version: 0 });
  });
});
