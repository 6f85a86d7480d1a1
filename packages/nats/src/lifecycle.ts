import { randomUUID } from 'node:crypto';
import {
  STREAM_DELETED_EVENT,
  StreamDeletedError,
  StreamNotFoundError,
  ValidationError,
  assertExpectedVersion,
  assertStreamId,
  checkExpectedVersion,
  normalizeStreamMetadata,
  prepareEvents,
  type DeleteStreamOptions,
  type StreamLifecycle,
  type StreamMetadata,
} from '@chronicle/core';
import { commitParts } from './commit-parts.js';
import { liveVersion, type StreamHead } from './head-cache.js';
import { assertAtomicBatches } from './server-version.js';
import { assertOpen, type StoreContext } from './store-context.js';
import { lookupHead } from './stream-head.js';

const decoder = new TextDecoder();

/** The metadata a head names (its metadata commit's body), `{}` when it names none. */
export async function metadataOf(context: StoreContext, head: StreamHead): Promise<StreamMetadata> {
  if (head.meta === 0) return {};
  const message = await context.io.getMessage(context.layout.eventsStream, { seq: head.meta });
  if (!message)
    throw new Error(`${context.layout.eventsStream}: the metadata commit at sequence ${head.meta} is missing`);
  return JSON.parse(decoder.decode(message.data)) as StreamMetadata;
}

/**
 * Stream metadata and deletion on JetStream (nats-server 2.12+). Both are
 * commits on the stream's own subject, serialized with its appends by the
 * same expected-sequence check, and each is written in one atomic batch with
 * the stream's lifecycle index record, which tells global readers to look at
 * the stream's head. History is never rewritten: the events stream denies
 * deletes and purges, so deleted and truncated events stay stored, hidden
 * from reads.
 *
 * - Metadata is a *metadata commit* (no events); later commits name it.
 * - A soft delete appends a `$StreamDeleted` marker and moves the stream's
 *   "live from" position past it: the stream reads as absent, and an append
 *   recreates it after the marker.
 * - A hard delete appends the marker as a tombstone: appends and reads fail
 *   with `STREAM_DELETED` forever.
 */
export function createLifecycle(context: StoreContext): StreamLifecycle {
  const assertSupported = (operation: string): void => assertAtomicBatches(context.serverVersion, operation);

  return {
    async setStreamMetadata(streamId, metadata) {
      assertOpen(context);
      assertStreamId(streamId);
      const json = JSON.stringify(normalizeStreamMetadata(metadata));
      assertSupported('stream metadata');
      await commitParts(context, [
        {
          streamId,
          events: [],
          claimIds: [],
          startingHead: () => lookupHead(context, streamId),
          draft(head) {
            if (head.tombstone) throw new StreamDeletedError(streamId);
            return { liveFrom: head.liveFrom, tombstone: false, kind: 'meta', metadataJson: json, index: true };
          },
        },
      ]);
    },

    async getStreamMetadata(streamId) {
      assertOpen(context);
      assertStreamId(streamId);
      return metadataOf(context, await lookupHead(context, streamId));
    },

    async deleteStream(streamId, options: DeleteStreamOptions = {}) {
      assertOpen(context);
      assertStreamId(streamId);
      const mode = options.mode ?? 'soft';
      if (mode !== 'soft' && mode !== 'hard') throw ValidationError.of('mode', "must be 'soft' or 'hard'");
      if (options.expectedVersion !== undefined) assertExpectedVersion(options.expectedVersion);
      assertSupported('stream deletion');
      const marker = prepareEvents(
        streamId,
        [{ type: STREAM_DELETED_EVENT, data: { mode } }],
        context.maxEventBytes,
        randomUUID,
        'events',
        true,
      );
      await commitParts(context, [
        {
          streamId,
          events: marker,
          claimIds: [],
          startingHead: () => lookupHead(context, streamId),
          draft(head) {
            if (head.tombstone) throw new StreamDeletedError(streamId);
            const live = liveVersion(head);
            if (options.expectedVersion !== undefined) {
              const conflict = checkExpectedVersion(streamId, options.expectedVersion, live);
              if (conflict) throw conflict;
            }
            if (mode === 'soft' && live === 0) throw new StreamNotFoundError(streamId);
            // The marker takes position version + 1; a recreated stream continues after it.
            return mode === 'soft'
              ? { liveFrom: head.version + 2, tombstone: false, kind: 'events', index: true }
              : { liveFrom: head.liveFrom, tombstone: true, kind: 'events', index: true };
          },
        },
      ]);
    },
  };
}
