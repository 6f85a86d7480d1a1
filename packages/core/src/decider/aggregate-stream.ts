import type { Event } from '../events/event.js';
import type { EventStore } from '../store/event-store.js';
import type { Decider } from './decider.js';

/** A stream's state, folded, with the version it was read at. */
export type LoadedState<State> = {
  readonly state: State;
  /** Position of the last event folded; 0 when the stream has no events. */
  readonly version: number;
};

/** Options of {@link aggregateStream}. */
export type AggregateStreamOptions<State> = {
  /** Stop at this stream version (time travel); the whole stream by default. */
  readonly toVersion?: number;
  /** Stop before events recorded after this instant (time travel). */
  readonly at?: Date;
  /** Continue from a known state and version (e.g. a snapshot) instead of the initial state. */
  readonly from?: LoadedState<State>;
};

/**
 * Reads a stream and folds it with `evolve`, streaming (constant memory).
 * Events reach `evolve` as recorded, so they also carry `metadata`,
 * `streamPosition` and `recordedAt`.
 */
export async function aggregateStream<E extends Event, State>(
  store: Pick<EventStore, 'readStream'>,
  streamId: string,
  decider: Pick<Decider<never, E, State>, 'initialState' | 'evolve'>,
  options: AggregateStreamOptions<State> = {},
): Promise<LoadedState<State>> {
  let state = options.from?.state ?? decider.initialState();
  let version = options.from?.version ?? 0;
  const limit = options.toVersion === undefined ? undefined : Math.max(options.toVersion - version, 0);
  if (limit === 0) return { state, version };
  const at = options.at?.getTime();
  for await (const event of store.readStream(streamId, { from: version + 1, ...(limit === undefined ? {} : { limit }) })) {
    if (at !== undefined && event.recordedAt.getTime() > at) break;
    state = decider.evolve(state, event as unknown as E);
    version = event.streamPosition;
  }
  return { state, version };
}
