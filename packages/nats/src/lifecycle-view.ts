import {
  STREAM_DELETED_EVENT,
  firstVisiblePosition,
  withinMaxAge,
  type RecordedEvent,
  type StreamMetadata,
} from '@chronicle/core';
import type { CommitMessage } from './commit-events.js';
import type { StreamHead } from './head-cache.js';
import { metadataOf } from './lifecycle.js';
import { hasAtomicBatches } from './server-version.js';
import type { StoreContext } from './store-context.js';
import { headOf, lookupHead } from './stream-head.js';

const FOLLOW = Symbol('follow the log');

/**
 * Which events of the global log a stream's lifecycle hides, for one read or
 * subscription. Only streams with a lifecycle index record (metadata or a
 * deletion) are looked at; the others, usually all, cost nothing. A looked-at
 * stream's head is read once (events already stored are judged by the
 * stream's lifecycle now, as stream reads judge them), then kept current from
 * the commits the read passes; a subscription that meets a lifecycle record
 * judges the stream's later events by the head their own commit made, so live
 * delivery follows the log's order. Deletion markers always show.
 */
export type LifecycleView = {
  /** True when the stream has metadata or was deleted, so {@link visible} must be asked. */
  affects(streamId: string): boolean;
  visible(event: RecordedEvent): Promise<boolean>;
  /** A commit the read passed: a newer head of its stream than the one known, if it is looked at. */
  saw(commit: CommitMessage): void;
  /** A lifecycle index record of `streamId` went by (subscriptions): look at it, afresh. */
  touched(streamId: string): void;
};

/** Whether `event` shows under its stream's head and metadata at `now`. */
export function visibleUnder(head: StreamHead, metadata: StreamMetadata, event: RecordedEvent, now: Date): boolean {
  if (event.type === STREAM_DELETED_EVENT) return true;
  if (head.tombstone) return false;
  return (
    event.streamPosition >= firstVisiblePosition(head.version, metadata, head.liveFrom) &&
    withinMaxAge(metadata, event.recordedAt, now)
  );
}

/**
 * The view of the streams that have a lifecycle index record now. Undefined
 * when there are none and `live` is false (a bounded read then filters
 * nothing); a subscription (`live`) always gets one, to learn of later records.
 */
export async function lifecycleView(context: StoreContext, live: boolean): Promise<LifecycleView | undefined> {
  if (!hasAtomicBatches(context.serverVersion)) return undefined;
  const subjects = await context.io.subjects(context.layout.eventsStream, context.layout.allLifecycle);
  const affected = new Set(Object.keys(subjects).map((subject) => context.layout.streamIdOfLifecycle(subject)));
  if (affected.size === 0 && !live) return undefined;
  // FOLLOW: a lifecycle record just went by, the stream's next commit (in the same batch) is its head.
  const heads = new Map<string, StreamHead | typeof FOLLOW>();
  // A metadata commit never changes: its content is cached by sequence.
  const metadata = new Map<number, Promise<StreamMetadata>>();
  const metadataAt = (head: StreamHead): Promise<StreamMetadata> => {
    let found = metadata.get(head.meta);
    if (!found) {
      metadata.set(head.meta, (found = metadataOf(context, head)));
      found.catch(() => metadata.delete(head.meta));
    }
    return found;
  };
  const headOfStream = async (streamId: string): Promise<StreamHead> => {
    const known = heads.get(streamId);
    if (known && known !== FOLLOW) return known;
    const head = await lookupHead(context, streamId);
    const meanwhile = heads.get(streamId);
    if (meanwhile && meanwhile !== FOLLOW && meanwhile.sequence >= head.sequence) return meanwhile;
    heads.set(streamId, head);
    return head;
  };
  return {
    affects: (streamId) => affected.has(streamId),
    async visible(event) {
      const head = await headOfStream(event.streamId);
      return visibleUnder(head, head.meta === 0 ? {} : await metadataAt(head), event, context.clock());
    },
    saw(commit) {
      const streamId = context.layout.streamIdOf(commit.subject);
      const known = heads.get(streamId);
      if (known === FOLLOW || (known && commit.seq > known.sequence)) heads.set(streamId, headOf(commit));
    },
    touched(streamId) {
      affected.add(streamId);
      heads.set(streamId, FOLLOW);
    },
  };
}
