import type { EventStore, StreamAppend } from '../../store/event-store.js';
import { createInMemoryStore, type InMemoryEventStore } from '../../store/in-memory-store.js';
import { STREAM_DELETED_EVENT } from '../../store/stream-lifecycle.js';
import type { ConformanceContext, ConformanceRule } from '../case.js';

/**
 * A store broken in one way that real stores have shipped, for
 * `conformance-mutants.test.ts`: the cases of the rule it breaks must fail
 * against it (and the case written for it, when `catches` names one).
 */
export type Mutant = {
  readonly breaks: ConformanceRule;
  readonly name: string;
  readonly create: () => EventStore;
  /** Broken core functions the cases get instead of the real ones. */
  readonly core?: Partial<Pick<ConformanceContext, 'createCommandHandler' | 'aggregateStream'>>;
  /** The case written for this failure: it must be among those that fail. */
  readonly catches?: string;
};

/** The in-memory store, unbroken (for mutants that break core instead). */
export const sound = (): EventStore => createInMemoryStore();

/** The in-memory store with some methods replaced. */
export function mutate(overrides: (base: EventStore) => Partial<InMemoryEventStore>): () => EventStore {
  return () => {
    const base = createInMemoryStore();
    return { ...base, ...overrides(base) };
  };
}

/** One turn of the event loop. */
export const pause = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Whether the global log holds a deletion marker of `streamId` (what a mutant can tell through the contract). */
export async function hasMarker(store: EventStore, streamId: string): Promise<boolean> {
  for await (const event of store.readAll())
    if (event.streamId === streamId && event.type === STREAM_DELETED_EVENT) return true;
  return false;
}

/** Whether `streamId` ever held anything: a live version, or a deletion marker. */
export async function everWritten(store: EventStore, streamId: string): Promise<boolean> {
  return (await store.getStreamInfo(streamId)) !== undefined || hasMarker(store, streamId);
}

/** Appends the parts of a multi-stream append one by one (not atomic). */
export function oneByOne(base: EventStore): Partial<InMemoryEventStore> {
  return {
    async appendMulti(appends: readonly StreamAppend[]) {
      const results = [];
      for (const part of appends) results.push(await base.append(part.streamId, part.events, part.expectedVersion));
      return results;
    },
  };
}
