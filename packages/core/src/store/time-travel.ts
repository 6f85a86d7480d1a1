import type { Event, RecordedEvent } from '../events/event.js';
import type { Decider } from '../decider/decider.js';
import { aggregateStream, type LoadedState } from '../decider/aggregate-stream.js';
import type { EventStore } from './event-store.js';

/**
 * The global log as it stood at `at`: every event recorded at or before that
 * instant, in global order. Stops at the first later event, so it relies on
 * `recordedAt` growing with the global position (true for one writer clock;
 * with skewed clocks across machines, events within the skew may be cut).
 */
export async function* readAllUntil(store: Pick<EventStore, 'readAll'>, at: Date, options: { readonly after?: number } = {}): AsyncGenerator<RecordedEvent> {
  const limit = at.getTime();
  for await (const event of store.readAll({ after: options.after ?? 0 })) {
    if (event.recordedAt.getTime() > limit) return;
    yield event;
  }
}

/** A stream's state at a version (`{ version }`) or an instant (`{ at }`): time travel for one entity. */
export function stateAt<E extends Event, State>(
  store: Pick<EventStore, 'readStream' | 'getStreamInfo'>,
  streamId: string,
  decider: Pick<Decider<never, E, State>, 'initialState' | 'evolve'>,
  target: { readonly version?: number; readonly at?: Date },
): Promise<LoadedState<State>> {
  return aggregateStream(store, streamId, decider, {
    ...(target.version !== undefined ? { toVersion: target.version } : {}),
    ...(target.at !== undefined ? { at: target.at } : {}),
  });
}
