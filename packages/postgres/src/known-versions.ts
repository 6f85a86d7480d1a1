import type { PreparedAppend } from './append-statements.js';

/** Streams whose last committed version a store remembers. */
const DEFAULT_LIMIT = 10_000;

/**
 * The version each stream had after this store's last append to it (its
 * group-commit appends; a bounded map, oldest entries forgotten first). A
 * stream's version never goes down, so an append expecting an exact version
 * n >= 1 below the remembered one cannot succeed: it fails at once, without a
 * round trip and without a place in a batch (where it would also send the
 * whole batch down its slower one-append-at-a-time path). Appends expecting
 * 'no_stream' (0), 'any' or 'stream_exists' are never refused here (a
 * soft-deleted stream accepts 'no_stream' again), and appends that may delete
 * or tombstone a stream make the store forget it.
 *
 * The conflict reports the remembered version as the actual one: the
 * stream's version when this store last wrote it, which is current unless
 * another process appended since (or soft-deleted or tombstoned it, which a
 * database check would report as `'no_stream'` or STREAM_DELETED).
 */
export type KnownVersions = {
  readonly record: (streamId: string, version: number) => void;
  readonly forget: (streamId: string) => void;
  /** The remembered version when `append` cannot succeed against it, else undefined. */
  readonly refuses: (append: PreparedAppend) => number | undefined;
};

export function createKnownVersions(limit = DEFAULT_LIMIT): KnownVersions {
  const versions = new Map<string, number>();
  return {
    record(streamId, version) {
      const known = versions.get(streamId);
      if (known !== undefined && known >= version) return;
      versions.delete(streamId); // re-insert: the map's order is the eviction order
      versions.set(streamId, version);
      if (versions.size > limit) versions.delete(versions.keys().next().value!);
    },
    forget(streamId) {
      versions.delete(streamId);
    },
    refuses({ streamId, expectedVersion }) {
      if (typeof expectedVersion !== 'number' || expectedVersion < 1) return undefined;
      const known = versions.get(streamId);
      return known !== undefined && known > expectedVersion ? known : undefined;
    },
  };
}
