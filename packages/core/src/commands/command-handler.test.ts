import { describe, expect, expectTypeOf, it } from 'vitest';
import { DomainError, WrongExpectedVersionError } from '../errors/errors.js';
import type { Decider } from '../decider/decider.js';
import { aggregateStream } from '../decider/aggregate-stream.js';
import { createInMemoryStore } from '../store/in-memory-store.js';
import type { EventStore } from '../store/event-store.js';
import { createCommandHandler } from './command-handler.js';

type Added = { type: 'Added'; data: { amount: number } };
type Closed = { type: 'Closed'; data: null };
type CounterEvent = Added | Closed;
type CounterCommand = { type: 'Add'; amount: number } | { type: 'Close' };
type Counter = { total: number; closed: boolean };

class CounterClosedError extends DomainError {
  constructor() {
    super('COUNTER_CLOSED', 'the counter is closed');
  }
}

const counter: Decider<CounterCommand, CounterEvent, Counter> = {
  initialState: () => ({ total: 0, closed: false }),
  decide(command, state) {
    if (state.closed) throw new CounterClosedError();
    if (command.type === 'Close') return { type: 'Closed', data: null };
    if (command.amount === 0) return [];
    return [{ type: 'Added', data: { amount: command.amount } }];
  },
  evolve: (state, event) => (event.type === 'Added' ? { ...state, total: state.total + event.data.amount } : { ...state, closed: true }),
};

describe('command handler', () => {
  it('loads, decides and appends with the loaded version', async () => {
    const store = createInMemoryStore();
    const handle = createCommandHandler(store, counter);
    const first = await handle('counter-1', { type: 'Add', amount: 2 });
    expect(first.newState).toEqual({ total: 2, closed: false });
    expect(first.nextExpectedVersion).toBe(1);
    expect(first.newEvents.map((e) => e.data)).toEqual([{ amount: 2 }]);
    const second = await handle('counter-1', { type: 'Add', amount: 3 });
    expect(second.newState.total).toBe(5);
    expect(second.nextExpectedVersion).toBe(2);
    expect(second.attempts).toBe(1);
  });

  it('appends nothing for a no-op decision', async () => {
    const store = createInMemoryStore();
    const handle = createCommandHandler(store, counter);
    await handle('c', { type: 'Add', amount: 1 });
    const noop = await handle('c', { type: 'Add', amount: 0 });
    expect(noop.newEvents).toEqual([]);
    expect(noop.globalPosition).toBeUndefined();
    expect(noop.nextExpectedVersion).toBe(1);
    expect(await store.headPosition()).toBe(1);
  });

  it('propagates rejections and writes nothing', async () => {
    const store = createInMemoryStore();
    const handle = createCommandHandler(store, counter);
    await handle('c', { type: 'Close' });
    await expect(handle('c', { type: 'Add', amount: 1 })).rejects.toBeInstanceOf(CounterClosedError);
    expect(await store.headPosition()).toBe(1);
  });

  it('retries on conflicts so that concurrent commands all apply exactly once', async () => {
    const store = createInMemoryStore();
    const handle = createCommandHandler(store, counter, { retry: { maxAttempts: 50, initialDelayMs: 1, maxDelayMs: 5 } });
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => handle('shared', { type: 'Add', amount: i + 1 })));
    const { state, version } = await aggregateStream(store, 'shared', counter);
    expect(state.total).toBe((20 * 21) / 2);
    expect(version).toBe(20);
    expect(results.some((r) => r.attempts > 1)).toBe(true);
  });

  it('re-decides on fresh state after a conflict (a rule can turn into a rejection)', async () => {
    const base = createInMemoryStore();
    let interfered = false;
    // Another writer closes the counter between our read and our append.
    const store: EventStore = {
      ...base,
      async append(streamId, events, expected) {
        if (!interfered) {
          interfered = true;
          await base.append(streamId, [{ type: 'Closed', data: null }], 'any');
        }
        return base.append(streamId, events, expected);
      },
    };
    const handle = createCommandHandler(store, counter);
    await expect(handle('c', { type: 'Add', amount: 1 })).rejects.toBeInstanceOf(CounterClosedError);
    expect(await base.headPosition()).toBe(1);
  });

  it('gives up after maxAttempts and surfaces the conflict', async () => {
    const base = createInMemoryStore();
    const store: EventStore = {
      ...base,
      async append(streamId, events, expected) {
        await base.append(streamId, [{ type: 'Added', data: { amount: 100 } }], 'any');
        return base.append(streamId, events, expected);
      },
    };
    const handle = createCommandHandler(store, counter, { retry: { maxAttempts: 3, initialDelayMs: 0 } });
    await expect(handle('c', { type: 'Add', amount: 1 })).rejects.toBeInstanceOf(WrongExpectedVersionError);
    expect(await base.headPosition()).toBe(3);
  });

  it('does not retry when the caller imposes an expected version', async () => {
    const store = createInMemoryStore();
    const handle = createCommandHandler(store, counter);
    await handle('c', { type: 'Add', amount: 1 });
    const error = await handle('c', { type: 'Add', amount: 1 }, { expectedVersion: 0 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WrongExpectedVersionError);
    expect((error as WrongExpectedVersionError).actual).toBe(1);
    await expect(handle('c', { type: 'Add', amount: 1 }, { expectedVersion: -3 })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
  });

  it('stamps causation, correlation and request ids on new events', async () => {
    const store = createInMemoryStore();
    const handle = createCommandHandler(store, counter);
    const result = await handle('c', { type: 'Add', amount: 1 }, { commandId: 'cmd-1', metadata: { requestId: 'req-9', userId: 'u1' } });
    expect(result.newEvents[0]!.metadata).toEqual({ requestId: 'req-9', userId: 'u1', causationId: 'cmd-1', correlationId: 'cmd-1' });
    const chained = await handle('c', { type: 'Add', amount: 1 }, { commandId: 'cmd-2', metadata: { correlationId: 'corr-1' } });
    expect(chained.newEvents[0]!.metadata).toEqual({ correlationId: 'corr-1', causationId: 'cmd-2' });
  });

  it('asks for the head only when a read found nothing visible and an append at 0 conflicted', async () => {
    const base = createInMemoryStore();
    let lookups = 0;
    const store: EventStore = {
      ...base,
      getStreamInfo(streamId) {
        lookups++;
        return base.getStreamInfo(streamId);
      },
    };
    const handle = createCommandHandler(store, counter);
    await handle('fresh', { type: 'Add', amount: 1 });
    await handle('fresh', { type: 'Add', amount: 1 });
    expect(lookups).toBe(0);
    await base.setStreamMetadata('fresh', { truncateBefore: 10 });
    const hidden = await handle('fresh', { type: 'Add', amount: 5 });
    expect([hidden.attempts, hidden.nextExpectedVersion, hidden.newState.total]).toEqual([2, 3, 5]);
    expect(lookups).toBe(1);
  });

  it('refuses an async decide at the type level', () => {
    const asynchronous = { ...counter, decide: async () => [{ type: 'Added' as const, data: { amount: 1 } }] };
    expectTypeOf(asynchronous).not.toMatchTypeOf<Decider<CounterCommand, CounterEvent, Counter>>();
    // @ts-expect-error decide must return events, not a Promise of them
    createCommandHandler(createInMemoryStore(), asynchronous);
  });
});
