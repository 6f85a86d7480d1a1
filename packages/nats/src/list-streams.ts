import { assertListStreamsOptions, type ListStreamsOptions, type StreamInfo } from '@chronicle/core';
import { assertOpen, type StoreContext } from './store-context.js';
import { liveVersion } from './head-cache.js';
import { lookupHead } from './stream-head.js';

/** Version lookups in flight while listing. */
const IN_FLIGHT = 16;

/**
 * `EventStore.listStreams`. JetStream knows every subject of the events
 * stream (`STREAM.INFO` with a subject filter, paged by the client), but not
 * in order and not by a string prefix of the stream id, so the ids are
 * decoded, filtered by literal prefix and sorted by UTF-8 bytes here: memory
 * grows with the number of streams in the store. Versions come from each
 * listed stream's last commit, {@link IN_FLIGHT} at a time (which also
 * tells deleted streams, left out).
 */
export async function* listStreams(context: StoreContext, options?: ListStreamsOptions): AsyncGenerator<StreamInfo> {
  assertOpen(context);
  assertListStreamsOptions(options);
  const limit = options?.limit ?? Number.POSITIVE_INFINITY;
  if (limit === 0) return;
  const prefix = options?.prefix ?? '';
  const after = options?.after === undefined ? undefined : Buffer.from(options.after);
  const subjects = await context.io.subjects(context.layout.eventsStream, context.layout.allEvents);
  const ids = Object.keys(subjects)
    .map((subject) => context.layout.streamIdOf(subject))
    .filter((id) => id.startsWith(prefix))
    .map((id) => ({ id, bytes: Buffer.from(id) }))
    .filter(({ bytes }) => after === undefined || Buffer.compare(bytes, after) > 0)
    .sort((a, b) => Buffer.compare(a.bytes, b.bytes))
    .map(({ id }) => id);
  let listed = 0;
  for (let start = 0; start < ids.length; start += IN_FLIGHT) {
    const page = ids.slice(start, start + IN_FLIGHT);
    const heads = await Promise.all(page.map((id) => lookupHead(context, id)));
    for (const [i, head] of heads.entries()) {
      // Deleted streams, and streams with metadata but no events, are not listed.
      if (head.tombstone || liveVersion(head) === 0) continue;
      yield { streamId: page[i]!, version: head.version };
      if (++listed >= limit) return;
    }
  }
}
