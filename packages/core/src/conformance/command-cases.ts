import { expect } from 'vitest';
import type { Decider } from '../decider/decider.js';
import type { Event } from '../events/event.js';
import type { EventStore } from '../store/event-store.js';
import type { StreamLifecycle } from '../store/stream-lifecycle.js';
import type { ConformanceCase } from './case.js';
import { events, rejection } from './case.js';

type Counted = Event<'Counted', { n: number }>;
type TallyCommand = { readonly type: 'Count' } | { readonly type: 'Nothing' };
type Tally = { readonly count: number };

/** Counts; `Nothing` is a no-op. */
const tally: Decider<TallyCommand, Counted, Tally> = {
  initialState: () => ({ count: 0 }),
  decide: (command, state) => (command.type === 'Count' ? [{ type: 'Counted', data: { n: state.count + 1 } }] : []),
  evolve: (state) => ({ count: state.count + 1 }),
};

const lifecycle = (store: EventStore): EventStore & StreamLifecycle => store as EventStore & StreamLifecycle;

/** Names of the cases, for skips and mutants. */
export const commandCaseNames = {
  hiddenHead:
    'a stream whose events are all hidden (truncateBefore, maxAge) ' +
    'folds to its real head, and commands append after it',
  explicitBeforeDecide:
    'an explicit expected version is checked before decide: a stale one ' +
    'is a conflict even when the decision is a no-op',
  asyncDecide: 'a decide that returns a Promise is refused with NOT_SUPPORTED and writes nothing',
} as const;

/** Cases for `command-handling`: core's fold and handler over the store. */
export const commandCases: ConformanceCase[] = [
  {
    rule: 'command-handling',
    name: commandCaseNames.hiddenHead,
    requires: { lifecycle: true },
    async run({ store, streamId, createCommandHandler, aggregateStream }) {
      const s = lifecycle(store);
      const [closed, aged] = [streamId('closed'), streamId('aged')];
      await s.append(closed, events(3), 'no_stream');
      // "Closing the books": everything before position 4 is hidden.
      await s.setStreamMetadata(closed, { truncateBefore: 4 });
      await s.append(aged, events(2), 'no_stream');
      await s.setStreamMetadata(aged, { maxAge: 1 });
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      expect(await aggregateStream(s, closed, tally)).toEqual({ state: { count: 0 }, version: 3 });
      expect(await aggregateStream(s, aged, tally)).toEqual({ state: { count: 0 }, version: 2 });
      // Two attempts at most: the handler must find the head without exhausting its retries.
      const handle = createCommandHandler(s, tally, { retry: { maxAttempts: 2 } });
      const first = await handle(closed, { type: 'Count' });
      expect(first.newEvents.map((e) => [e.streamPosition, e.data])).toEqual([[4, { n: 1 }]]);
      expect(first.nextExpectedVersion).toBe(4);
      const second = await handle(closed, { type: 'Count' }, { expectedVersion: 4 });
      expect(second.newEvents.map((e) => e.streamPosition)).toEqual([5]);
      expect(second.newState).toEqual({ count: 2 });
      const aging = await handle(aged, { type: 'Count' });
      expect(aging.newEvents.map((e) => e.streamPosition)).toEqual([3]);
      expect(await aggregateStream(s, aged, tally)).toEqual({ state: { count: 1 }, version: 3 });
    },
  },
  {
    rule: 'command-handling',
    name: commandCaseNames.explicitBeforeDecide,
    async run({ store, streamId, createCommandHandler }) {
      const [id, missing] = [streamId(), streamId('missing')];
      await store.append(
        id,
        [
          { type: 'Counted', data: { n: 1 } },
          { type: 'Counted', data: { n: 2 } },
        ],
        'no_stream',
      );
      let decided = 0;
      const watched: Decider<TallyCommand, Counted, Tally> = {
        ...tally,
        decide: (command, state) => {
          decided++;
          return tally.decide(command, state);
        },
      };
      const handle = createCommandHandler(store, watched);
      const stale = await rejection(handle(id, { type: 'Nothing' }, { expectedVersion: 1 }), 'WRONG_EXPECTED_VERSION');
      expect([stale.streamId, stale.expected, stale.actual]).toEqual([id, 1, 2]);
      await rejection(handle(id, { type: 'Nothing' }, { expectedVersion: 'no_stream' }), 'WRONG_EXPECTED_VERSION');
      await rejection(
        handle(missing, { type: 'Nothing' }, { expectedVersion: 'stream_exists' }),
        'WRONG_EXPECTED_VERSION',
      );
      await rejection(handle(id, { type: 'Count' }, { expectedVersion: 3 }), 'WRONG_EXPECTED_VERSION');
      expect(decided).toBe(0);
      const current = await handle(id, { type: 'Nothing' }, { expectedVersion: 2 });
      expect([current.newEvents.length, current.nextExpectedVersion]).toEqual([0, 2]);
      const fresh = await handle(missing, { type: 'Nothing' }, { expectedVersion: 'no_stream' });
      expect([fresh.newEvents.length, fresh.nextExpectedVersion]).toEqual([0, 0]);
      expect(decided).toBe(2);
      expect(await store.getStreamInfo(id)).toEqual({ streamId: id, version: 2 });
      expect(await store.getStreamInfo(missing)).toBeUndefined();
    },
  },
  {
    rule: 'command-handling',
    name: commandCaseNames.asyncDecide,
    async run({ store, streamId, createCommandHandler }) {
      const id = streamId();
      // A decider typed loosely (as JavaScript callers and `any` produce): the type checker refuses it otherwise.
      const asynchronous = {
        ...tally,
        decide: async (command: TallyCommand, state: Tally) => tally.decide(command, state),
      } as unknown as Decider<TallyCommand, Counted, Tally>;
      const handle = createCommandHandler(store, asynchronous);
      const error = await rejection(handle(id, { type: 'Count' }), 'NOT_SUPPORTED');
      expect(error.message).toMatch(/decide returned a Promise/);
      expect(await store.getStreamInfo(id)).toBeUndefined();
    },
  },
];
