import type { EventStore, NewEvent, StreamAppend } from '@chronicle/core';
import { parseEventLine, readLines, toNewEvent as toNew } from '../io/ndjson.js';

/** Events per atomic multi-stream append. */
const BATCH_EVENTS = 500;

type Run = { readonly streamId: string; readonly expected: number; readonly events: NewEvent[] };

/**
 * Appends a checked export file (see `checkImport`) in file order. Events keep
 * their ids, streams, positions, data and metadata; the target assigns global
 * positions and `recordedAt`. Consecutive events go in one atomic
 * multi-stream append while no stream would be split out of order, so the
 * global order of the file is preserved. With `resume`, events the target
 * already holds (at or below a stream's version) are skipped. Every append states the exact
 * expected version, so a concurrent writer makes the import fail instead of
 * interleaving.
 */
export async function applyImport(file: string, store: EventStore, onProgress?: (events: number) => void, options: { readonly resume?: boolean } = {}): Promise<number> {
  // With resume: the version each stream had before this run; events up to it are already there.
  const before = new Map<string, number>();
  let batch: Run[] = [];
  let batchEvents = 0;
  let imported = 0;
  const flush = async (): Promise<void> => {
    if (batch.length === 0) return;
    const appends: StreamAppend[] = batch.map((run) => ({ streamId: run.streamId, events: run.events, expectedVersion: run.expected === 0 ? 'no_stream' : run.expected }));
    if (store.info.multiStreamAppend && appends.length > 1) await store.appendMulti(appends);
    else for (const append of appends) await store.append(append.streamId, append.events, append.expectedVersion);
    imported += batchEvents;
    batch = [];
    batchEvents = 0;
    onProgress?.(imported);
  };
  const inBatch = new Set<string>();
  for await (const { text, lineNumber } of readLines(file)) {
    const event = parseEventLine(text, lineNumber);
    if (options.resume) {
      let version = before.get(event.streamId);
      if (version === undefined) {
        version = (await store.getStreamInfo(event.streamId))?.version ?? 0;
        before.set(event.streamId, version);
      }
      if (event.streamPosition <= version) continue;
    }
    if (batchEvents >= BATCH_EVENTS) {
      await flush();
      inBatch.clear();
    }
    const tail = batch[batch.length - 1];
    if (tail?.streamId === event.streamId) tail.events.push(toNew(event));
    else {
      if (inBatch.has(event.streamId)) {
        await flush();
        inBatch.clear();
      }
      batch.push({ streamId: event.streamId, expected: event.streamPosition - 1, events: [toNew(event)] });
      inBatch.add(event.streamId);
    }
    batchEvents++;
  }
  await flush();
  return imported;
}
