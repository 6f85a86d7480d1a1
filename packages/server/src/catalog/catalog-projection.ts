import type { Documents, Projection, ProjectionContext, RecordedEvent } from '@chronicle/core';
import { categoryOf } from '../state-models.js';

/** Checkpoint and projection name of the catalog. */
export const CATALOG_NAME = 'chronicle-catalog';

/** Base names of the catalog's collections (scoped by projection version). */
export const catalogCollections = {
  types: '$catalog-types',
  typeStreams: '$catalog-type-streams',
  categories: '$catalog-categories',
} as const;

/** One event type as the catalog knows it. */
export type EventTypeEntry = {
  readonly type: string;
  /** Events of this type. */
  readonly events: number;
  /** Streams holding at least one event of this type. */
  readonly streams: number;
  readonly firstPosition: number;
  readonly lastPosition: number;
  readonly lastRecordedAt: string;
};

/** One stream holding events of a type. */
export type TypeStreamEntry = {
  readonly streamId: string;
  readonly type: string;
  /** Events of this type in the stream. */
  readonly events: number;
  /** Global positions of the first and last such event. */
  readonly firstPosition: number;
  readonly lastPosition: number;
};

/** One stream category (the stream id before its first `-`). */
export type CategoryEntry = {
  readonly category: string;
  readonly streams: number;
  readonly events: number;
  readonly lastPosition: number;
};

/**
 * Id of a type-stream document: the type is URI-encoded so that `/` separates
 * it from the stream id unambiguously, and one type's streams share a prefix.
 */
export function typeStreamId(type: string, streamId = ''): string {
  return `${encodeURIComponent(type)}/${streamId}`;
}

type Merge<T> = (current: T | undefined, event: RecordedEvent) => T;

/** Folds a batch into documents of one collection: one getMany and one putMany per batch. */
async function foldInto<T>(documents: Documents, collection: string, events: readonly RecordedEvent[], idOf: (event: RecordedEvent) => string, merge: Merge<T>): Promise<void> {
  const ids = [...new Set(events.map(idOf))];
  const current = await documents.getMany<T>(collection, ids);
  for (const event of events) {
    const id = idOf(event);
    current.set(id, merge(current.get(id), event));
  }
  await documents.putMany(collection, [...current]);
}

/**
 * The catalog read model behind event-type and category search: per event
 * type its counts and the streams holding it, per category its counts. It
 * writes only documents, so it runs on any store with a projection host and
 * catches up from its checkpoint like any projection.
 */
export const catalogProjection: Projection = {
  name: CATALOG_NAME,
  async handle(events, tx, context: ProjectionContext) {
    const { documents } = tx;
    // Streams new to a type must be known before the type counts are folded.
    const typeStreams = await documents.getMany<TypeStreamEntry>(
      context.collection(catalogCollections.typeStreams),
      [...new Set(events.map((e) => typeStreamId(e.type, e.streamId)))],
    );
    // Global positions of the events that brought a type into a stream.
    const firstInStream = new Set<number>();
    for (const event of events) {
      const id = typeStreamId(event.type, event.streamId);
      const entry = typeStreams.get(id);
      if (!entry) firstInStream.add(event.globalPosition);
      typeStreams.set(id, {
        streamId: event.streamId,
        type: event.type,
        events: (entry?.events ?? 0) + 1,
        firstPosition: entry?.firstPosition ?? event.globalPosition,
        lastPosition: event.globalPosition,
      });
    }
    await documents.putMany(context.collection(catalogCollections.typeStreams), [...typeStreams]);

    await foldInto<EventTypeEntry>(documents, context.collection(catalogCollections.types), events, (e) => e.type, (current, event) => ({
      type: event.type,
      events: (current?.events ?? 0) + 1,
      streams: (current?.streams ?? 0) + (firstInStream.has(event.globalPosition) ? 1 : 0),
      firstPosition: current?.firstPosition ?? event.globalPosition,
      lastPosition: event.globalPosition,
      lastRecordedAt: event.recordedAt.toISOString(),
    }));

    await foldInto<CategoryEntry>(documents, context.collection(catalogCollections.categories), events, (e) => categoryOf(e.streamId), (current, event) => ({
      category: categoryOf(event.streamId),
      streams: (current?.streams ?? 0) + (event.streamPosition === 1 ? 1 : 0),
      events: (current?.events ?? 0) + 1,
      lastPosition: event.globalPosition,
    }));
  },
};
