import { isArchivable, type ColdStore, type EventStore, type RecordedEvent } from '@chronicle/core';
import { mergeLogs } from './merge-logs.js';

/** What `verify` checked and found. */
export type VerifyReport = {
  readonly ok: boolean;
  readonly events: number;
  readonly streams: number;
  /** Problems found (at most `limit` listed), each one line. */
  readonly problems: readonly string[];
  readonly problemCount: number;
  readonly cold?: { readonly segments: number; readonly events: number };
};

/**
 * Checks a store's integrity through its public contract, in one pass over
 * the log (plus the cold tier when given): global positions strictly increase;
 * every stream's positions run 1, 2, 3… without gaps or repeats; every
 * listed stream's version is the position of its last event; and every cold
 * segment matches its checksum and count. Memory grows with the number of
 * streams, not events.
 */
export async function verifyStore(
  store: EventStore,
  options: { readonly cold?: ColdStore; readonly limit?: number; readonly onProgress?: (position: number) => void } = {},
): Promise<VerifyReport> {
  const limit = options.limit ?? 50;
  const problems: string[] = [];
  let problemCount = 0;
  const problem = (text: string): void => {
    problemCount++;
    if (problems.length < limit) problems.push(text);
  };
  // Segments first: their problems explain any gap the log pass finds.
  let cold: VerifyReport['cold'];
  if (options.cold) {
    const result = await options.cold.verify();
    for (const text of result.problems) problem(`cold: ${text}`);
    cold = { segments: result.segments, events: result.events };
  }
  // Stored events include those reads hide (deleted, truncated): positions must still be contiguous.
  const hot: AsyncIterable<RecordedEvent> = isArchivable(store) ? store.readAllStored() : store.readAll();
  const log = options.cold ? mergeLogs(options.cold.readAll(), hot) : hot;
  const last = new Map<string, number>();
  let events = 0;
  let previous = 0;
  try {
    for await (const event of log) {
      events++;
      if (event.globalPosition <= previous) problem(`global position ${event.globalPosition} (${event.streamId}@${event.streamPosition}) does not increase after ${previous}`);
      previous = event.globalPosition;
      const before = last.get(event.streamId) ?? 0;
      if (event.streamPosition !== before + 1) {
        const what = event.streamPosition <= before ? 'repeats or goes back' : `skips ${before + 1}..${event.streamPosition - 1}`;
        problem(`${event.streamId}: position ${event.streamPosition} at global ${event.globalPosition} ${what}${before === 0 && !options.cold ? ' (archived events? pass --cold <dir>)' : ''}`);
      }
      last.set(event.streamId, event.streamPosition);
      if (events % 10_000 === 0) options.onProgress?.(event.globalPosition);
    }
  } catch (error) {
    // A damaged archive segment or a failing database: report it, and still check the rest.
    problem(`log unreadable after global position ${previous}: ${(error as Error).message}`);
  }
  let streams = 0;
  for await (const info of store.listStreams()) {
    streams++;
    const seen = last.get(info.streamId) ?? 0;
    if (seen === info.version) continue;
    // The log may end before the newest events (PostgreSQL's gap-safe horizon
    // under a long transaction elsewhere): read the rest of the stream directly.
    const tail = seen < info.version ? await streamTail(store, info.streamId, seen) : seen;
    if (tail !== info.version) problem(`${info.streamId}: version ${info.version} but its last event is at position ${tail === 0 ? '(none)' : tail}`);
  }
  return { ok: problemCount === 0, events, streams, problems, problemCount, ...(cold ? { cold } : {}) };
}

/** The last position of a contiguous run after `from`, reading the stream itself (or `from` at the first gap). */
async function streamTail(store: EventStore, streamId: string, from: number): Promise<number> {
  let position = from;
  for await (const event of store.readStream(streamId, { from: from + 1 })) {
    if (event.streamPosition !== position + 1) return position;
    position = event.streamPosition;
  }
  return position;
}
