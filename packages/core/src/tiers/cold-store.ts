import type { RecordedEvent } from '../events/event.js';
import type { ReadAllOptions, ReadStreamOptions } from '../store/event-store.js';

/** One archive segment as the index knows it. */
export type SegmentInfo = {
  readonly file: string;
  readonly first: number;
  readonly last: number;
  readonly count: number;
  readonly bytes: number;
  readonly sha256: string;
};

/** What `verify` found. */
export type ColdVerification = { readonly segments: number; readonly events: number; readonly problems: readonly string[] };

/**
 * The cold tier: cheap, append-only storage of archived events (history for
 * dumps, the explorer and rebuilds). Behind an interface so that an object
 * store can replace the file system.
 */
export interface ColdStore {
  /** Durably stores a batch (one segment); only then may the hot copies be purged. */
  write(events: readonly RecordedEvent[]): Promise<SegmentInfo | undefined>;
  readStream(streamId: string, options?: Pick<ReadStreamOptions, 'direction'>): AsyncIterable<RecordedEvent>;
  readAll(options?: Pick<ReadAllOptions, 'after'>): AsyncIterable<RecordedEvent>;
  /** Global positions already archived among `positions`. */
  archived(positions: readonly number[]): Promise<Set<number>>;
  segments(): readonly SegmentInfo[];
  /** Checks every segment against its checksum and count. */
  verify(): Promise<ColdVerification>;
}
