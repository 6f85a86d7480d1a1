import type { Event } from '../events/event.js';
import type { EventStore } from '../store/event-store.js';
import type { Decider } from './decider.js';

/** A stream's state, folded, with the version it was read at. */
export type LoadedState<State> = {
  readonly state: State;
  /**
   * The stream's version: its real head (position of its last event, 0 when
   * it has none), counting events that lifecycle metadata hides (`truncateBefore`,
   * `maxAge`, `maxCount`) and that were archived, so it is the expected version
   * the next append needs. Time travel (`toVersion`, `at`) gives the position of
   * the last event folded instead.
   */
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

type Folder<E extends Event, State> = Pick<Decider<never, E, State>, 'initialState' | 'evolve'>;

/** Folds the visible events after `from`; `read` counts them. */
async function foldVisible<E extends Event, State>(
  store: Pick<EventStore, 'readStream'>,
  streamId: string,
  decider: Folder<E, State>,
  from: LoadedState<State>,
  options: AggregateStreamOptions<State>,
): Promise<LoadedState<State> & { readonly read: number }> {
  let { state, version } = from;
  let read = 0;
  const limit = options.toVersion === undefined ? undefined : Math.max(options.toVersion - version, 0);
  if (limit === 0) return { state, version, read };
  const at = options.at?.getTime();
  for await (const event of store.readStream(streamId, { from: version + 1, ...(limit === undefined ? {} : { limit }) })) {
    if (at !== undefined && event.recordedAt.getTime() > at) break;
    state = decider.evolve(state, event as unknown as E);
    version = event.streamPosition;
    read++;
  }
  return { state, version, read };
}

/**
 * {@link aggregateStream}'s fold; `confirmHead: false` skips asking for the
 * head when nothing was visible (the command handler's first attempt: if
 * hidden events exist, its append at 0 conflicts and the next attempt asks).
 */
export async function loadStream<E extends Event, State>(
  store: Pick<EventStore, 'readStream' | 'getStreamInfo'>,
  streamId: string,
  decider: Folder<E, State>,
  options: AggregateStreamOptions<State>,
  confirmHead: boolean,
): Promise<LoadedState<State> & { readonly replayed: number }> {
  const start = options.from ?? { state: decider.initialState(), version: 0 };
  const folded = await foldVisible(store, streamId, decider, start, options);
  const timeTravel = options.toVersion !== undefined || options.at !== undefined;
  // Lifecycle metadata hides the oldest events of a stream (and archiving moves
  // the oldest), so when any event is visible the last one read is the head.
  if (timeTravel || folded.read > 0 || !confirmHead) {
    return { state: folded.state, version: folded.version, replayed: folded.read };
  }
  // Nothing visible: the head may still be past it. Asked after the read, so a
  // second read is needed: events committed in between must not be skipped.
  const info = await store.getStreamInfo(streamId);
  if (!info) return { state: start.version === 0 ? folded.state : decider.initialState(), version: 0, replayed: 0 };
  if (info.version <= folded.version) return { state: folded.state, version: folded.version, replayed: 0 };
  const again = await foldVisible(store, streamId, decider, folded, {});
  // Every position up to info.version was hidden or folded when the second read ran.
  return { state: again.state, version: Math.max(again.version, info.version), replayed: again.read };
}

/**
 * Reads a stream and folds it with `evolve`, streaming (constant memory).
 * Events reach `evolve` as recorded, so they also carry `metadata`,
 * `streamPosition` and `recordedAt`. Events hidden by the stream's lifecycle
 * metadata are not folded, but the version returned is the stream's real head
 * (so a command on a stream whose events are all hidden, after `truncateBefore`
 * or `maxAge`, appends at the right version). A soft-deleted stream folds to
 * the initial state at version 0.
 */
export async function aggregateStream<E extends Event, State>(
  store: Pick<EventStore, 'readStream' | 'getStreamInfo'>,
  streamId: string,
  decider: Folder<E, State>,
  options: AggregateStreamOptions<State> = {},
): Promise<LoadedState<State>> {
  const { state, version } = await loadStream(store, streamId, decider, options, true);
  return { state, version };
}
