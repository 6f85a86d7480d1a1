import type { Projection, RecordedEvent } from '@chronicle/core';
import { collect } from '@chronicle/core/conformance';
import type { PgClientLike } from '../pg-types.js';

/** Per-stream count and last position, one document write per event (slow on purpose: crashes land mid-batch). */
export type Count = { readonly count: number; readonly last: number };

/** A projection counting events per stream, writing each event's effect separately. */
export function perEventCounter(name: string, collection: string): Projection<PgClientLike> {
  return {
    name,
    async handle(events, tx) {
      for (const event of events) {
        const doc = await tx.documents.get<Count>(collection, event.streamId);
        await tx.documents.put(collection, event.streamId, { count: (doc?.count ?? 0) + 1, last: event.streamPosition });
      }
    },
  };
}

/** The read model a from-scratch replay of `events` gives. */
export function replayCounts(events: readonly RecordedEvent[]): Map<string, Count> {
  const counts = new Map<string, Count>();
  for (const event of events) counts.set(event.streamId, { count: (counts.get(event.streamId)?.count ?? 0) + 1, last: event.streamPosition });
  return counts;
}

/** A collection's documents as a map. */
export async function documentsOf(find: () => Promise<{ id: string; document: unknown }[]>): Promise<Map<string, unknown>> {
  return new Map((await find()).map((entry) => [entry.id, entry.document]));
}

export { collect };
