import { createInMemoryStore, DomainError, type Decider, type Event } from '@chronicle/core';
import { describe, expect, it } from 'vitest';
import { shadowReplay } from './shadow-replay.js';

type Added = Event<'Added', { by: number }>;
type Add = { type: 'Add'; by: number };
class TooMuch extends DomainError {
  constructor(limit: number) {
    super('TOO_MUCH', `total may not exceed ${limit}`);
  }
}
const counter = (limit: number, weight = 1): Decider<Add, Added, { total: number }> => ({
  initialState: () => ({ total: 0 }),
  decide: (command, state) => {
    if (state.total + command.by > limit) throw new TooMuch(limit);
    return [{ type: 'Added', data: { by: command.by } }];
  },
  evolve: (state, event) => ({ total: state.total + event.data.by * weight }),
});

async function seeded() {
  const store = createInMemoryStore();
  const add = (by: number) => ({ type: 'Added', data: { by }, metadata: { command: { type: 'Add', by } } });
  await store.append('counter-a', [add(2), add(3)], 'no_stream');
  await store.append('counter-b', [add(9)], 'no_stream');
  await store.append('counter-c', [add(1), add(1), add(1)], 'no_stream');
  await store.append('other-x', [add(100)], 'no_stream');
  return store;
}

describe('shadowReplay', () => {
  it('reports nothing when the new decider agrees, and reads only the category', async () => {
    const report = await shadowReplay({ store: await seeded(), category: 'counter', current: counter(10), next: counter(10) });
    expect(report).toEqual({ category: 'counter', streams: 3, events: 6, divergences: [], rejections: [], failures: [] });
  });

  it('reports the commands stricter rules reject, on the state just before each', async () => {
    const report = await shadowReplay({ store: await seeded(), category: 'counter', current: counter(10), next: counter(4) });
    expect(report.rejections.map((r) => [r.streamId, r.streamPosition, r.code, r.alsoByCurrent])).toEqual([
      ['counter-a', 2, 'TOO_MUCH', false],
      ['counter-b', 1, 'TOO_MUCH', false],
    ]);
    expect(report.rejections[0]!.command).toEqual({ type: 'Add', by: 3 });
    expect(report.divergences).toEqual([]);
  });

  it('marks history that even the current rules reject', async () => {
    const report = await shadowReplay({ store: await seeded(), category: 'counter', current: counter(8), next: counter(4) });
    expect(report.rejections.find((r) => r.streamId === 'counter-b')?.alsoByCurrent).toBe(true);
  });

  it('reports streams whose final state differs, with both states', async () => {
    const report = await shadowReplay({ store: await seeded(), category: 'counter', current: counter(100), next: counter(100, 2) });
    expect(report.divergences).toEqual([
      { streamId: 'counter-a', version: 2, current: { total: 5 }, shadow: { total: 10 } },
      { streamId: 'counter-b', version: 1, current: { total: 9 }, shadow: { total: 18 } },
      { streamId: 'counter-c', version: 3, current: { total: 3 }, shadow: { total: 6 } },
    ]);
  });

  it('reports a stream the new evolve cannot replay instead of failing the run', async () => {
    const broken = { ...counter(100), evolve: (state: { total: number }, event: Added) => {
      if (event.data.by === 9) throw new Error('cannot handle 9');
      return { total: state.total + event.data.by };
    } };
    const report = await shadowReplay({ store: await seeded(), category: 'counter', current: counter(100), next: broken });
    expect(report.failures).toEqual([{ streamId: 'counter-b', streamPosition: 1, message: 'cannot handle 9' }]);
    expect(report.divergences).toEqual([]);
  });

  it('groups events of one command by causation id and recovers commands with commandOf', async () => {
    const store = createInMemoryStore();
    await store.append('counter-a', [
      { type: 'Added', data: { by: 1 }, metadata: { causationId: 'cmd-1' } },
      { type: 'Added', data: { by: 1 }, metadata: { causationId: 'cmd-1' } },
      { type: 'Added', data: { by: 5 }, metadata: { causationId: 'cmd-2' } },
    ], 'no_stream');
    const seen: number[] = [];
    const next = { ...counter(3), commandOf: (events: readonly { data: unknown }[]) => {
      seen.push(events.length);
      return { type: 'Add', by: events.reduce((sum, e) => sum + (e.data as { by: number }).by, 0) };
    } };
    const report = await shadowReplay({ store, category: 'counter', current: counter(100), next });
    expect(seen).toEqual([2, 1]);
    expect(report.rejections.map((r) => [r.streamPosition, r.command])).toEqual([[3, { type: 'Add', by: 5 }]]);
  });
});
