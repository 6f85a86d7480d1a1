import type { RecordedEvent } from '../events/event.js';
import type { EventStore, ReadAllOptions } from './event-store.js';

/**
 * What a hot store offers the archiver (hot/cold tiers): physically removing
 * events that were copied to cold storage, and giving the space back. Streams
 * keep their versions, so appends and expected versions are unaffected; reads
 * of the hot store simply no longer contain the purged events (a tiered store
 * merges them back from cold storage).
 */
export interface ArchivableStore {
  /**
   * Every stored event in global order, including those reads hide (deleted
   * streams, truncated or expired events, deletion markers): what the archive keeps.
   */
  readAllStored(options?: ReadAllOptions): AsyncIterable<RecordedEvent>;
  /** Deletes the events at these global positions; returns how many existed. */
  purgeEvents(globalPositions: readonly number[]): Promise<number>;
  /** Returns freed space to the file system (e.g. VACUUM); sizes in bytes. */
  reclaimSpace(): Promise<{ readonly beforeBytes: number; readonly afterBytes: number }>;
}

/** True when the store can be the hot tier of an archive. */
export function isArchivable(store: EventStore): store is EventStore & ArchivableStore {
  return typeof (store as Partial<ArchivableStore>).purgeEvents === 'function';
}
