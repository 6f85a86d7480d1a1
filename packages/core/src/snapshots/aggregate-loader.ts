import type { Event } from '../events/event.js';
import type { Decider } from '../decider/decider.js';
import { aggregateStream, loadStream, type LoadedState } from '../decider/aggregate-stream.js';
import type { EventStore } from '../store/event-store.js';
import type { ProjectionHost } from '../projections/host.js';

/** Collection where snapshots live, in the store's own database. */
export const SNAPSHOT_COLLECTION = '$snapshots';

/** A stored snapshot: state at a stream version, tagged with the shape of the state. */
export type Snapshot<State> = {
  readonly state: State;
  readonly version: number;
  readonly schemaVersion: number;
  readonly takenAt: string;
};

/** When and how to snapshot. */
export type SnapshotPolicy<State> = {
  /** Distinguishes aggregates that share streams; also part of the snapshot key. */
  readonly name: string;
  /**
   * Version of the state's shape. Bump it whenever `evolve` or the state type
   * changes: snapshots of another schema version are ignored (and replaced),
   * never misread.
   */
  readonly schemaVersion: number;
  /** Snapshot once at least this many events were replayed since the last one. */
  readonly everyEvents?: number;
  /** Snapshot when a load's replay took longer than this. */
  readonly ifReplayTookMs?: number;
  /** For state that is not plain JSON (Dates, Maps): how to store and restore it. */
  readonly serialize?: (state: State) => unknown;
  readonly deserialize?: (stored: unknown) => State;
};

/** What one load did: useful for tests and metrics. */
export type LoadStats = {
  readonly snapshotVersion: number | undefined;
  /** Events replayed on top of the snapshot (or from the start). */
  readonly replayed: number;
  readonly replayMs: number;
  readonly snapshotWritten: boolean;
};

/** Loads aggregates through snapshots. */
export interface AggregateLoader<State> {
  /** Newest state: snapshot + tail, writing a new snapshot when the policy says so. */
  load(streamId: string): Promise<LoadedState<State> & { readonly stats: LoadStats }>;
  /** State at a version or instant (time travel); uses a snapshot only if it is not past the target. */
  loadAt(streamId: string, target: { readonly version?: number; readonly at?: Date }): Promise<LoadedState<State>>;
  /** Forces a snapshot of the current state. */
  snapshot(streamId: string): Promise<LoadedState<State>>;
}

type Host = Pick<ProjectionHost<unknown>, 'transaction' | 'documents'>;

/**
 * Aggregate loading with snapshots (seed 003): read the newest snapshot, replay
 * only the events after it, and write a new snapshot when the events replayed
 * since the last one reach `everyEvents`, or replay took longer than
 * `ifReplayTookMs`. Snapshots are a cache: events stay the source of truth,
 * and a snapshot of another `schemaVersion` is ignored and rebuilt.
 */
export function createAggregateLoader<E extends Event, State>(
  store: Pick<EventStore, 'readStream' | 'getStreamInfo'> & { readonly projections: Host },
  decider: Pick<Decider<never, E, State>, 'initialState' | 'evolve'>,
  policy: SnapshotPolicy<State>,
): AggregateLoader<State> {
  const host = store.projections;
  const key = (streamId: string): string => `${policy.name}/${streamId}`;
  const serialize = policy.serialize ?? ((state: State) => state);
  const deserialize = policy.deserialize ?? ((stored: unknown) => stored as State);

  async function readSnapshot(streamId: string): Promise<LoadedState<State> | undefined> {
    const stored = await host.documents.get<Snapshot<unknown>>(SNAPSHOT_COLLECTION, key(streamId));
    if (!stored || stored.schemaVersion !== policy.schemaVersion) return undefined;
    return { state: deserialize(stored.state), version: stored.version };
  }

  async function writeSnapshot(streamId: string, loaded: LoadedState<State>): Promise<void> {
    const snapshot: Snapshot<unknown> = {
      state: serialize(loaded.state),
      version: loaded.version,
      schemaVersion: policy.schemaVersion,
      takenAt: new Date().toISOString(),
    };
    await host.transaction(async (tx) => {
      // Never move a snapshot backwards (a slower concurrent load may finish later).
      const current = await tx.documents.get<Snapshot<unknown>>(SNAPSHOT_COLLECTION, key(streamId));
      if (current && current.schemaVersion === policy.schemaVersion && current.version >= snapshot.version) return;
      await tx.documents.put(SNAPSHOT_COLLECTION, key(streamId), snapshot);
    });
  }

  return {
    async load(streamId) {
      const from = await readSnapshot(streamId);
      const started = performance.now();
      const { replayed, ...loaded } = await loadStream(store, streamId, decider, from ? { from } : {}, true);
      const replayMs = performance.now() - started;
      const due =
        replayed > 0 &&
        ((policy.everyEvents !== undefined && replayed >= policy.everyEvents) || (policy.ifReplayTookMs !== undefined && replayMs > policy.ifReplayTookMs));
      if (due) await writeSnapshot(streamId, loaded);
      return { ...loaded, stats: { snapshotVersion: from?.version, replayed, replayMs, snapshotWritten: due } };
    },
    async loadAt(streamId, target) {
      const from = await readSnapshot(streamId);
      const usable = from && target.version !== undefined && from.version <= target.version && target.at === undefined ? from : undefined;
      return aggregateStream(store, streamId, decider, {
        ...(usable ? { from: usable } : {}),
        ...(target.version !== undefined ? { toVersion: target.version } : {}),
        ...(target.at !== undefined ? { at: target.at } : {}),
      });
    },
    async snapshot(streamId) {
      const from = await readSnapshot(streamId);
      const loaded = await aggregateStream(store, streamId, decider, from ? { from } : {});
      await writeSnapshot(streamId, loaded);
      return loaded;
    },
  };
}
